import type { Client, InputAPI, Rewind, StepContext } from "@colyseus/core";
import type { Schema } from "@colyseus/schema";
import { TickroomRoom } from "./TickroomRoom.ts";

/** What a real-time room declares; `RealtimeRoom` does the rest. */
export interface RealtimeSpec<I extends Schema> {
  /** Input schema class: flat primitive fields, one frame per client tick. */
  readonly input: new () => I;
  /** Make any decoded frame legal, in place (never trust the wire). Runs before buffering. */
  readonly sanitize: (frame: I) => void;
  /** Fixed simulation rate in Hz; clients predict at the same rate (Colyseus tells them). */
  readonly tickRate: number;
  /** Furthest back lag compensation reaches, ms; a client's older claim is clamped to it. @default 250 */
  readonly maxRewindMs?: number;
  /** Frames buffered per client; past this the oldest are dropped (the client then corrects). @default 32 */
  readonly bufferSize?: number;
  /**
   * Most frames one client may have applied in one tick while it catches up after jitter
   * or a stall: bounds how far a player can move in one tick. @default 4
   */
  readonly maxFramesPerTick?: number;
}

/** The entities lag compensation records, and which numeric fields. */
export interface RewoundCollection<E extends object> {
  readonly entities: { values(): Iterable<E> };
  readonly fields: ReadonlyArray<keyof E & string>;
}

/**
 * Base of real-time rooms: a fixed timestep; a bounded, sanitized, sequence-numbered input
 * buffer per client (Colyseus `defineInput`), consumed at one frame per tick with a small
 * catch-up allowance; acks for client reconciliation (Colyseus stamps the last consumed
 * frame on every patch); and lag compensation (Colyseus `allowRewindState`).
 *
 * A subclass declares `realtime` (its input and rates), calls `startRealtime()` in
 * `onCreate` with the collection to rewind, and implements `step()`, in which it reads
 * inputs through `framesOf()` and past positions through `seenBy()`.
 */
export abstract class RealtimeRoom<S extends object, I extends Schema> extends TickroomRoom<{ state: S; input: I }> {
  protected abstract readonly realtime: RealtimeSpec<I>;
  protected abstract step(context: StepContext): void;

  /** Per-client input buffers (Colyseus `defineInput`); set by `startRealtime()`. */
  #frames!: InputAPI<I>;
  protected rewind!: Rewind;
  /**
   * Frames each connected client may still have applied: one more every tick, banked up
   * to the buffer size while its frames are late, spent one per frame applied. Over time
   * a client gets exactly one frame per tick, so sending faster gains no speed; after a
   * stall the frames banked meanwhile drain at up to `maxFramesPerTick` a tick, so the
   * queue (and the latency it adds) does not outlive the stall.
   */
  readonly #allowance = new WeakMap<Client, number>();

  /** Declare input and rewind, then start the fixed step. Call from `onCreate`, after `configure()`. */
  protected startRealtime<E extends object>(rewound: RewoundCollection<E>): void {
    const spec = this.realtime;
    this.#frames = this.defineInput(spec.input, {
      bufferMaxSize: spec.bufferSize ?? 32,
      sanitize: spec.sanitize,
    });
    this.inputs = this.#frames;
    // Rewind groups must exist before the first join: Colyseus decides then whether
    // clients stamp their inputs with the time they were rendering.
    this.rewind = this.allowRewindState({ maxRewindMs: spec.maxRewindMs ?? 250 });
    this.rewind.attachAll(rewound.entities as never, { fields: [...rewound.fields] as never });
    const bank = spec.bufferSize ?? 32;
    this.#maxFramesPerTick = spec.maxFramesPerTick ?? 4;
    const budgetSeconds = 1 / spec.tickRate;
    this.setFixedTimestep((context) => {
      const startedAt = performance.now();
      for (const client of this.clients) {
        this.#allowance.set(client, Math.min((this.#allowance.get(client) ?? 0) + 1, bank));
      }
      this.step(context);
      this.observer.tick(this.roomName, (performance.now() - startedAt) / 1000, budgetSeconds);
    }, spec.tickRate);
  }

  #maxFramesPerTick = 4;

  /**
   * Hand `apply` the frames of `sessionId` due this tick, oldest first (none while its
   * socket is down). Each frame applied is acknowledged to the client with the next patch.
   */
  protected framesOf(sessionId: string, apply: (frame: I) => void): void {
    const client = this.clients.getById(sessionId);
    if (client === undefined) return;
    let allowance = this.#allowance.get(client) ?? 0;
    let thisTick = Math.min(allowance, this.#maxFramesPerTick);
    if (thisTick < 1) return;
    for (const frame of this.#frames.get(sessionId)) {
      apply(frame);
      allowance--;
      if (--thisTick < 1) break;
    }
    this.#allowance.set(client, allowance);
  }

  /**
   * The rewound view of what `sessionId` was rendering when it sent the frame being
   * applied. Read it at once: the next call re-aims the same view.
   */
  protected seenBy(sessionId: string) {
    return this.rewind.lastSeenBy(sessionId);
  }
}
