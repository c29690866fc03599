import { type Client, ClientState, type InputAPI, type Rewind, type StepContext } from "@colyseus/core";
import type { Schema } from "@colyseus/schema";
import type { z } from "zod";
import { type InputFrameCheck, inputFieldNames, inputFrameCheck } from "./inputFrames.ts";
import type { JoinOptionsSchema, ParsedJoinOptions } from "./joinOptions.ts";
import {
  type EntityKeys,
  type EntityOf,
  type EventKeys,
  joinSchemaOf,
  type PhaseKeys,
  type PlayerEntities,
  type RoomDeclaration,
  TickroomRoom,
} from "./TickroomRoom.ts";
import type { NumericKeys, TickInputs } from "./tickInputs.ts";

/**
 * Input frames one client may send per second, as a multiple of the tick rate, before it
 * is closed (4002): one frame per tick over time, and the burst a network stall leaves
 * behind (the client holds at most a second of unacknowledged frames) gets through.
 */
export const INPUT_BURST_FACTOR = 5;

/**
 * How fast a client behind on its frames (after jitter or a stall) catches up, in frames a
 * tick on average: others see that player move at up to this multiple of its speed, and
 * 1.5 keeps it under the two frames of motion a frame that others' interpolation can
 * draw without a visible jump (a stall of one retransmission timeout, 250 ms, drains in
 * half a second). At most `ceil(rate)` frames in one tick.
 */
const DEFAULT_CATCH_UP_RATE = 1.5;

/**
 * `lateInput` defaults: guess after 100 ms without a frame, for at most 250 ms. A stall
 * over TCP lasts at least one retransmission timeout (200 ms); jitter, batching and a
 * browser's occasional long frame stay under 100, and a guess there would only cost the
 * player a needless correction.
 */
const DEFAULT_GUESS_AFTER_MS = 100;
const DEFAULT_GUESS_FOR_MS = 250;

/**
 * Frames buffered per client when the room type sets none: half a second of frames,
 * rounded up to a power of two (32 at 60 Hz). Past it the oldest are dropped and the
 * client's prediction is corrected once.
 */
export function defaultInputBufferFrames(tickRate: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, tickRate / 2)));
}

/** What a real-time room type declares besides what every room type does. */
export interface RealtimeDeclaration<
  S extends object,
  O extends JoinOptionsSchema | undefined,
  K extends EntityKeys<S>,
  I extends Schema,
  P extends PhaseKeys<S> = never,
  V extends EventKeys<S> = never,
> extends RoomDeclaration<S, O, K, P, V> {
  /** Input schema class: flat primitive fields, one frame per client tick (Colyseus `defineInput`). */
  readonly input: new () => I;
  /** Make any decoded frame legal, in place (never trust the wire). Runs before buffering; clients run it too. */
  readonly sanitize: (frame: I) => void;
  /** Fixed simulation rate in Hz; clients predict at the same rate (Colyseus tells them). Also the tick's time budget (1/rate). */
  readonly tickRate: number;
  /**
   * Judge each input against what its sender saw (Colyseus `allowRewindState`): the
   * `entities`' `fields` are recorded every tick and rewound up to `maxRewindMs` (an older
   * claim is clamped to it). @default off: `seen()` reads live values
   */
  readonly lagCompensation?: {
    readonly fields: ReadonlyArray<NumericKeys<EntityOf<S, K>>>;
    /** @default 250 */
    readonly maxRewindMs?: number;
  };
  /** Frames buffered per client. @default half a second of ticks, rounded up to a power of two (32 at 60 Hz) */
  readonly inputBufferFrames?: number;
  /**
   * Frames a tick, on average, a client behind on its frames may have applied while it
   * catches up (at least 1; 2 = twice its speed): bounds how fast others see a player move
   * after a stall, and how long the stall's queue delays its inputs (the stall's length
   * divided by `catchUpRate - 1`). At most `ceil(catchUpRate)` frames in one tick. @default 1.5
   */
  readonly catchUpRate?: number;
  /**
   * Keep a player whose frames are late moving instead of freezing it (what others would
   * see as a stop, then a run while it catches up): once no frame has come for `afterMs`,
   * each tick applies `guess(last, into)` (the last frame applied, e.g. its movement
   * without its trigger) for at most `maxMs`, acknowledged as the frame it stands in for:
   * the client reconciles from it (corrected only by what the guess got wrong), and the
   * real frame, arriving late, is dropped. Frames sent unnumbered (not in the SDK's ring
   * mode) are never guessed. @default off: a late player holds still, then catches up at `catchUpRate`
   */
  readonly lateInput?: LateInput<I>;
}

/** How a real-time room type guesses the frames of a player whose frames are late (see `RealtimeDeclaration.lateInput`). */
interface LateInput<I> {
  /** Fill `into` with the frame to apply for a tick whose frame is late, from the last frame applied. Never guess an action (a shot): only what continues. */
  readonly guess: (last: Readonly<I>, into: I) => void;
  /** How long without a frame before guessing: above the link's usual jitter, so an on-time client is never guessed. @default 100 */
  readonly afterMs?: number;
  /** How long to go on guessing before the player holds still. @default 250 */
  readonly maxMs?: number;
}

/** How fast one client's frames are applied (see `RealtimeRoom.#pace`), and its applied frames kept for reuse. */
interface InputPace<I> {
  allowance: number;
  catchUp: number;
  perMessage: number;
  readonly spareFrames: I[];
  /** Ticks since a frame of its was last applied. */
  sinceFrame: number;
  /** The last real frame applied (kept out of `spareFrames`): what a guess continues. */
  last: I | undefined;
  /** Colyseus's buffer of its frames when it sends them numbered (ring mode): what a guess is recorded in. */
  readonly numbered: NumberedInputBuffer | undefined;
}

/**
 * The per-connection input buffer Colyseus keeps (`InputBufferImpl`) when the client
 * numbers its frames (the SDK's ring mode): the ack every patch carries is
 * `_lastConsumedSeq`, and a frame numbered at or below `_lastSeq` is a duplicate.
 */
interface NumberedInputBuffer {
  _lastSeq: number;
  _lastConsumedSeq: number;
  consumedCount: number;
  readonly size: number;
  readonly _seqs?: number[];
}

/**
 * Applied frames each client keeps for reuse: enough for the frames of one message and a
 * tick's catch-up, so a client at a steady pace allocates no frames at all.
 */
const SPARE_FRAMES_PER_CLIENT = 8;

/** The per-connection input decoder Colyseus keeps on each client (`@colyseus/schema/input`'s InputDecoder). */
interface InputDecoderLike {
  readonly instance: unknown;
  decode(bytes: Uint8Array): unknown;
  decodeAll(bytes: Uint8Array, onInput: (instance: unknown, seq: number) => void): number;
}

/** What the base reads of any real-time declaration. */
interface AnyRealtimeDeclaration<S extends object, I extends Schema> {
  readonly state?: new () => S;
  readonly maxPlayers: number;
  readonly maxMessagesPerSecond?: number;
  readonly entities?: string;
  readonly phase?: string;
  readonly events?: readonly string[];
  readonly input: new () => I;
  readonly sanitize: (frame: I) => void;
  readonly tickRate: number;
  readonly lagCompensation?: { readonly fields: ReadonlyArray<string>; readonly maxRewindMs?: number };
  readonly inputBufferFrames?: number;
  readonly catchUpRate?: number;
  readonly lateInput?: LateInput<I>;
}

/**
 * Declare a real-time room type: `class PongRoom extends realtimeRoomType({ state, input,
 * sanitize, tickRate: 60, maxPlayers: 2 }) { step(inputs, context) { ... } }`.
 */
export function realtimeRoomType<
  S extends object,
  I extends Schema,
  O extends JoinOptionsSchema | undefined = undefined,
  K extends EntityKeys<S> = never,
  P extends PhaseKeys<S> = never,
  V extends EventKeys<S> = never,
>(declaration: RealtimeDeclaration<S, O, K, I, P, V>) {
  const joinSchema = joinSchemaOf(declaration);
  abstract class DeclaredRealtimeRoom extends RealtimeRoom<S, I, O> {
    static readonly declaration = declaration;
    static readonly joinSchema = joinSchema;
    constructor() {
      super(declaration as unknown as AnyRealtimeDeclaration<S, I>, joinSchema);
    }
  }
  return DeclaredRealtimeRoom;
}

/**
 * Base of real-time rooms: a fixed timestep; a bounded, sanitized, sequence-numbered input
 * buffer per client (Colyseus `defineInput`), consumed at one frame per tick with a small
 * catch-up allowance; acks for client reconciliation (Colyseus stamps the last consumed
 * frame on every patch); optional lag compensation (Colyseus `allowRewindState`); a
 * message limit derived from the tick rate; and the tick's time measured against its
 * budget. The room type implements `step()`, which hands its rules the `TickInputs`.
 * @public (what `realtimeRoomType()` extends; exported for code that handles any real-time room)
 */
export abstract class RealtimeRoom<S extends object, I extends Schema, O extends JoinOptionsSchema | undefined = undefined> extends TickroomRoom<
  { state: S; input: I },
  O
> {
  /** Advance the world one fixed tick: the rules read this tick's inputs through `inputs`. Never talk to the network here. */
  protected abstract step(inputs: TickInputs<I>, context: StepContext): void;

  readonly #realtime: AnyRealtimeDeclaration<S, I>;
  /** Per-client input buffers (Colyseus `defineInput`); set when the room starts. */
  #frames!: InputAPI<I>;
  #rewind: Rewind | undefined;
  /**
   * Each connected client's input pace, one record per session (one lookup a tick):
   * - `allowance`: frames it may still have applied: one more every tick, banked up to the
   *   buffer size while its frames are late, spent one per frame applied. Over time a client
   *   gets exactly one frame per tick, so sending faster gains no speed; after a stall the
   *   frames banked meanwhile drain at up to `catchUpRate` a tick, so the queue (and the
   *   latency it adds) does not outlive the stall for long.
   * - `catchUp`: frames it may have applied this tick, fractional: `catchUpRate` more every
   *   tick, at most `ceil(catchUpRate)`, one spent per frame applied.
   * - `perMessage`: frames in its latest input message (a ring carries a batch of steps,
   *   client/inputBatch.ts).
   */
  readonly #pace = new Map<string, InputPace<I>>();
  /** The declared `lateInput`, in ticks, with the one frame a guess is written into. */
  #guessing: { readonly guess: (last: Readonly<I>, into: I) => void; readonly into: I; readonly afterTicks: number; readonly forTicks: number } | undefined;
  /** The rules' window on this tick: built once, no per-tick allocation. */
  readonly #tickInputs: TickInputs<I> = {
    forEach: (playerId, apply) => this.#framesOf(playerId, apply),
    seen: (viewerId, target, field) =>
      this.#rewind === undefined ? (target[field] as number) : this.#rewind.lastSeenBy(viewerId).value(target, field as never),
  };

  /** Checks every input frame before Colyseus decodes it. */
  readonly #inputFrames: InputFrameCheck;
  /** The input schema's field names: what a recycled frame is refilled with. */
  readonly #inputFields: readonly string[];

  protected constructor(declaration: AnyRealtimeDeclaration<S, I>, joinSchema: z.ZodType<ParsedJoinOptions>) {
    super(declaration, joinSchema);
    this.#realtime = declaration;
    this.#inputFields = inputFieldNames(declaration.input);
    this.#inputFrames = inputFrameCheck(declaration.input, declaration.inputBufferFrames ?? defaultInputBufferFrames(declaration.tickRate));
    this.maxMessagesPerSecond = declaration.maxMessagesPerSecond ?? INPUT_BURST_FACTOR * declaration.tickRate;
  }

  /** Declare input and rewind, then start the fixed step: after `onCreate`, before any join. */
  protected override onStarted(): void {
    const spec = this.#realtime;
    const bank = spec.inputBufferFrames ?? defaultInputBufferFrames(spec.tickRate);
    this.#frames = this.defineInput(spec.input, { bufferMaxSize: bank, sanitize: spec.sanitize });
    this.inputs = this.#frames;
    if (spec.lagCompensation !== undefined) {
      if (spec.entities === undefined) throw new Error(`${this.roomName}: lag compensation rewinds the declared entities; declare them`);
      // Rewind groups must exist before the first join: Colyseus decides then whether
      // clients stamp their inputs with the time they were rendering.
      // colyseus-internal: rewind-before-first-join
      this.#rewind = this.allowRewindState({ maxRewindMs: spec.lagCompensation.maxRewindMs ?? 250 });
      const entities = (this.state as Record<string, PlayerEntities>)[spec.entities];
      this.#rewind.attachAll(entities as never, { fields: [...spec.lagCompensation.fields] as never });
    }
    if (spec.lateInput !== undefined) {
      const tickMs = 1000 / spec.tickRate;
      this.#guessing = {
        guess: spec.lateInput.guess,
        into: new spec.input(),
        afterTicks: Math.round((spec.lateInput.afterMs ?? DEFAULT_GUESS_AFTER_MS) / tickMs),
        forTicks: Math.round((spec.lateInput.maxMs ?? DEFAULT_GUESS_FOR_MS) / tickMs),
      };
    }
    const catchUpRate = spec.catchUpRate ?? DEFAULT_CATCH_UP_RATE;
    if (!(catchUpRate >= 1)) throw new Error(`${this.roomName}: catchUpRate must be at least 1 (one frame a tick), got ${catchUpRate}`);
    const mostInOneTick = Math.ceil(catchUpRate);
    const budgetSeconds = 1 / spec.tickRate;
    this.setFixedTimestep((context) => {
      // Frozen for a move: the world waits on the room's new process.
      if (this.frozen) return;
      const startedAt = performance.now();
      for (const pace of this.#pace.values()) {
        if (pace.allowance < bank) pace.allowance++;
        pace.catchUp = Math.min(pace.catchUp + catchUpRate, mostInOneTick);
        pace.sinceFrame++;
      }
      this.step(this.#tickInputs, context);
      this.services.observer.tick(this.roomName, (performance.now() - startedAt) / 1000, budgetSeconds);
      this.refreshListing();
    }, spec.tickRate);
  }

  override async onJoin(client: Client, raw?: unknown): Promise<void> {
    this.#adoptInputPath(client);
    await super.onJoin(client, raw);
  }

  override onReconnect(client: Client): void {
    this.#adoptInputPath(client);
    super.onReconnect(client);
  }

  /** Its socket is down: none of its frames are applied until it reconnects. */
  override onDrop(client: Client): void {
    this.#pace.delete(client.sessionId);
    super.onDrop(client);
  }

  override async onLeave(client: Client, code?: number): Promise<void> {
    this.#pace.delete(client.sessionId);
    await super.onLeave(client, code);
  }

  /**
   * Take over this connection's input path (Colyseus gives each connection its own decoder
   * before the join): start its pace, recycle its frames, and put the structural check in
   * front of its decoder, so a frame that fails it closes the client (4002, no
   * reconnection window) instead of being logged and applied as garbage.
   */
  // colyseus-internal: input-decoder-guard
  #adoptInputPath(client: Client): void {
    const decoder = (client as Client & { _inputDecoder?: InputDecoderLike })._inputDecoder;
    if (decoder === undefined) return;
    const numbered = (client as Client & { _inputBuffer?: NumberedInputBuffer })._inputBuffer;
    const pace: InputPace<I> = { allowance: 0, catchUp: 0, perMessage: 1, spareFrames: [], sinceFrame: 0, last: undefined, numbered };
    this.#pace.set(client.sessionId, pace);
    this.#recycleFrames(decoder.instance as I, pace.spareFrames);
    const { decode, decodeAll } = decoder;
    const refuse = (): void => {
      if (client.state !== ClientState.LEAVING) this.closeForMalformedInput(client, "undecodable_input", "undecodable input frame");
    };
    decoder.decode = (bytes) => {
      if (!this.#inputFrames.body(bytes)) {
        refuse();
        return decoder.instance;
      }
      pace.perMessage = 1;
      return decode.call(decoder, bytes);
    };
    decoder.decodeAll = (bytes, onInput) => {
      if (!this.#inputFrames.ring(bytes)) {
        refuse();
        return 0;
      }
      const count = decodeAll.call(decoder, bytes, onInput);
      pace.perMessage = Math.max(1, count);
      return count;
    };
  }

  /**
   * Colyseus buffers each decoded frame as `instance.clone()`: a new Schema with its own
   * change tracker per frame, about a fifth of everything this server allocated under
   * load. A frame is read only inside `apply` (the `TickInputs` contract) and Colyseus
   * never hands it out again once `next()` has, so `#framesOf` keeps applied frames and
   * the clone refills one of them instead.
   */
  // colyseus-internal: input-frame-recycling
  #recycleFrames(instance: I, spare: I[]): void {
    const Input = this.#realtime.input;
    const fields = this.#inputFields;
    const source = instance as unknown as Record<string, unknown>;
    (instance as { clone(): I }).clone = (): I => {
      const frame = spare.pop() ?? new Input();
      const target = frame as unknown as Record<string, unknown>;
      for (const field of fields) target[field] = source[field];
      return frame;
    };
  }

  /**
   * Hand `apply` the frames of `sessionId` due this tick, oldest first (none while its
   * socket is down). Each frame applied is acknowledged to the client with the next patch.
   *
   * One frame a tick, as they were produced; more (up to `catchUpRate` a tick, within the
   * allowance) only on a backlog, by as many as the queue holds beyond one message's worth.
   * So a client batching three steps per message moves one step a tick, not three at once
   * and then nothing (which would reach others as uneven snapshots), and a backlog left
   * by a stall still drains.
   */
  #framesOf(sessionId: string, apply: (frame: I) => void): void {
    const pace = this.#pace.get(sessionId);
    if (pace === undefined) return;
    const frames = this.#frames.get(sessionId);
    if (frames.size === 0) {
      this.#guess(pace, apply);
      return;
    }
    const { perMessage } = pace;
    const backlog = frames.size - perMessage - (perMessage > 1 ? 1 : 0);
    const thisTick = Math.min(pace.allowance, Math.floor(pace.catchUp), 1 + Math.max(0, backlog), frames.size);
    // `next()` rather than `for..of`: no iterator to set up and tear down per client per tick.
    for (let applied = 0; applied < thisTick; applied++) {
      const frame = frames.next();
      if (frame === undefined) break;
      apply(frame);
      pace.allowance--;
      pace.catchUp--;
      this.#keepLast(pace, frame);
    }
    if (thisTick > 0) pace.sinceFrame = 0;
  }

  /** A frame done with: the last applied (what a guess continues), the one before it back to the spares. */
  #keepLast(pace: InputPace<I>, frame: I): void {
    const previous = pace.last;
    pace.last = frame;
    if (previous !== undefined && pace.spareFrames.length < SPARE_FRAMES_PER_CLIENT) pace.spareFrames.push(previous);
  }

  /**
   * No frame of this client's is due: once it is late past `afterTicks`, apply a guess
   * (for at most `forTicks`) and record it in Colyseus's buffer as the client's next frame
   * consumed: the patch acknowledges it, so the client reconciles from the guess (its
   * prediction is corrected by what the guess got wrong, not by the guess itself), and the
   * real frame, arriving late with that number, is dropped as a duplicate. Only for
   * numbered frames (the SDK's ring mode, what `RealtimeSession` sends): unnumbered ones
   * cannot be told apart when they arrive, so such a client holds still and catches up.
   */
  // colyseus-internal: guessed-input-ack
  #guess(pace: InputPace<I>, apply: (frame: I) => void): void {
    const guessing = this.#guessing;
    const numbered = pace.numbered;
    if (guessing === undefined || numbered === undefined || pace.last === undefined || pace.allowance < 1) return;
    if (pace.sinceFrame <= guessing.afterTicks || pace.sinceFrame > guessing.afterTicks + guessing.forTicks) return;
    // Everything received is consumed: the next number is the frame that is late.
    if (numbered._seqs === undefined || numbered.size !== 0 || numbered._lastSeq !== numbered._lastConsumedSeq) return;
    guessing.guess(pace.last, guessing.into);
    apply(guessing.into);
    pace.allowance--;
    numbered._lastSeq++;
    numbered._lastConsumedSeq = numbered._lastSeq;
    numbered.consumedCount++;
  }
}
