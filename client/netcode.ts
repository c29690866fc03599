import { Predict, type Room } from "@colyseus/sdk";
import { BatchedInput, DEFAULT_INPUTS_PER_MESSAGE } from "./inputBatch.ts";
import { reconnectPromptly } from "./reconnection.ts";
import { type DrawnFrom, EntityTrack, RenderClock, StallHistory, type TrackOptions } from "./remoteTracks.ts";
import { listenUntil } from "./signals.ts";

/**
 * Client netcode for tickroom real-time rooms, on top of @colyseus/sdk's input channel
 * and `Predict` module. Isomorphic, driven by the caller's frame loop
 * (`requestAnimationFrame` in a browser, an interval in Node or a bot); its one timer
 * sends a partial input batch when the loop stops (client/inputBatch.ts).
 *
 * - The local entity is predicted: every frame the caller produces input, the shared
 *   pure step applies it at once, and on each server update the SDK's reconciler takes
 *   the authoritative state and replays the inputs the server has not acknowledged yet.
 * - Every other entity is drawn behind the server clock (client/remoteTracks.ts):
 *   interpolated between snapshots, extrapolated for a bounded time when they run dry,
 *   gliding back onto its true track when they resume; the delay adapts to the link.
 * - Net stats: RTT, jitter, server clock offset, and corrections (how often and how far
 *   the server disagreed with the prediction), counted independently of the SDK.
 */

/** What the game tells the session about its entities and inputs. */
export interface NetcodeSpec<E extends object, I extends object> {
  /** State collection holding entities keyed by session id ("players"). */
  readonly collection: string;
  /** The pure step the server runs for one input (the room's rules, imported, never copied). */
  readonly step: (entity: E, input: I, dt: number) => void;
  /** Every entity field `step` reads or writes (numbers and booleans only). */
  readonly predictedFields: ReadonlyArray<keyof E & string>;
  /** The two fields a correction is measured on (a position). */
  readonly positionFields: readonly [keyof E & string, keyof E & string];
  /** Fields of other entities to interpolate; `angle: true` interpolates the short way round. */
  readonly interpolatedFields: Readonly<Record<string, { readonly angle?: boolean }>>;
  /**
   * The input schema class. Given, the SDK uses it as is; without it, the SDK builds a class
   * from the server's handshake for every room joined, and @colyseus/schema caches each
   * one forever (about 11 KB per join, found by the soak test).
   */
  // colyseus-internal: input-type-explicit
  readonly input?: new () => I;
  /** Make a frame legal in place exactly as the server will (the room's sanitizer). */
  readonly sanitize?: (input: I) => void;
  /** Numeric input fields; they travel as float32, so they are rounded before predicting. */
  readonly inputNumberFields: ReadonlyArray<keyof I & string>;
  /** A correction larger than this (a respawn, a teleport) snaps instead of gliding; for other entities, a move this long between two snapshots. @default Infinity */
  readonly snapDistance?: number;
  /**
   * When other entities' snapshots run dry (a stall): how long they go on along their last
   * velocity before holding, ms (0: never guessed, they hold at once), and the fastest they
   * may close the gap to their true track once data resumes, units per second on the
   * position fields (on top of their own motion). @default { maxMs: 0 }
   */
  readonly extrapolation?: { readonly maxMs: number; readonly catchUpSpeed?: number };
  /**
   * The server's lag-compensation window (the room type's `lagCompensation.maxRewindMs`):
   * the delay is never raised for stalls past what keeps a shot's rewind within it (the
   * render instant's age when the server judges it: about the delay plus the RTT the SDK
   * measures). @default no lag compensation: no such bound
   */
  readonly rewindWindowMs?: number;
}

/**
 * The adaptive interpolation delay, ms: a patch interval plus 3x the measured arrival
 * jitter plus 20 (a client's own event loop is late now and then too), or, on a link
 * that stalls often, what keeps other entities drawn past their newest snapshot at most
 * 3% of the time over the last 20 s (client/remoteTracks.ts `StallHistory`; within the
 * spec's `rewindWindowMs`): within [50, 250]. The render clock closes on it (and absorbs
 * jumps in the clock and RTT estimates) running at most 5% fast or slow; a gap over a
 * second is taken at once. It starts at `initialMs` until the clock has measured the link.
 */
export const INTERPOLATION_DELAY = Object.freeze({
  initialMs: 100,
  minMs: 50,
  maxMs: 250,
  jitterFactor: 3,
  marginMs: 20,
  slew: 0.05,
  resyncMs: 1000,
  stallWindowMs: 20_000,
  stallBudget: 0.03,
});

/**
 * How old a render instant is when the server judges a shot stamped with it, besides the
 * delay and the RTT the SDK measures (input sent to acknowledged: it already holds the
 * batching, the server's buffering and the wait for a patch): timers' slack, ms.
 */
const REWIND_MARGIN_MS = 10;

/** How long the glide onto the true track takes after a stall (its time constant), ms. */
const CONVERGE_MS = 100;

/** Reads of an entity this close together belong to one frame (a 240 Hz display draws every 4 ms). */
const SAME_FRAME_MS = 2;

export interface RealtimeOptions {
  /**
   * How far behind the server clock other entities are drawn, ms. Set, it stays fixed;
   * unset, it adapts to the link within `INTERPOLATION_DELAY`'s bounds. @default adaptive
   */
  readonly interpolationDelayMs?: number;
  /**
   * How other entities are drawn: `lerp` between snapshots (exact, with bounded
   * extrapolation and a glide through stalls, client/remoteTracks.ts), or `damped` (the
   * SDK's easing toward the latest value: never exact, slightly behind). @default "lerp"
   */
  readonly interpolation?: "lerp" | "damped";
  /**
   * Inputs are stamped with the server time the client was rendering: the estimated
   * server clock minus this delay and half the RTT (the SDK's stamp). Override only to
   * test lag-compensation bounds. @default interpolationDelayMs
   */
  readonly renderDelayMs?: number;
  /**
   * Stop predicting (and sending) once this many inputs are unacknowledged: through a
   * long stall the local player freezes instead of running ahead and then flooding the
   * server with the backlog. @default 60 (one second at 60 Hz)
   */
  readonly maxUnacknowledged?: number;
  /** A correction smaller than this (world units) is float rounding, not a correction. @default 0.001 */
  readonly correctionEpsilon?: number;
  /**
   * Steps' inputs per message (client/inputBatch.ts): each step is still predicted, numbered
   * and stamped on its own, but only every n-th step sends, carrying the steps since the
   * last; the server's cost per client falls with it, and an input waits up to n - 1 steps
   * before it leaves. 1 sends every step alone. @default DEFAULT_INPUTS_PER_MESSAGE (3)
   */
  readonly inputsPerMessage?: number;
}

export interface NetStats {
  /** Smoothed round-trip time, ms (input sent to that input acknowledged). */
  readonly rttMs: number;
  /** Jitter of patch arrivals against their cadence, ms (RFC 3550 style; ~0 on a steady link). */
  readonly jitterMs: number;
  /** Estimated server clock minus local clock, ms. */
  readonly serverTimeOffsetMs: number;
  readonly inputsSent: number;
  readonly inputsAcknowledged: number;
  /** Inputs sent and not yet acknowledged (replayed on each update). */
  readonly inputsPending: number;
  /** Server updates where the prediction at the acknowledged input was off by more than the epsilon. */
  readonly corrections: number;
  /** Acknowledgements checked against the prediction. */
  readonly reconciliations: number;
  /** Largest and latest correction distance, world units. */
  readonly maxCorrection: number;
  readonly lastCorrection: number;
  readonly totalCorrection: number;
  /** The interpolation delay in use, ms (adapted to the link unless fixed). */
  readonly interpolationDelayMs: number;
  /** Time other entities were drawn past their newest snapshot (extrapolated or held), summed over entities, ms. */
  readonly extrapolatingMs: number;
}

type Numeric = Record<string, number | boolean>;

export class RealtimeSession<E extends object, I extends object, S = unknown> {
  /** The joined room, typed by its state when the caller's room was. */
  readonly room: Room<unknown, S>;
  /** The local entity as synced from the server (authoritative, one update old). */
  readonly local: E;
  readonly #spec: NetcodeSpec<E, I>;
  readonly #predict: ReturnType<typeof Predict.get>;
  readonly #batch: BatchedInput<I>;
  readonly #input: ReturnType<Room["input"]>;
  readonly #dt: number;
  readonly #epsilon: number;
  /** Predicted position after each sent input: a ring indexed by sequence number. */
  readonly #history = new PredictionHistory(256);
  #lastAck = 0;
  /** The SDK restarts input numbering on reconnect (`epoch` changes); so does the history. */
  #epoch = 0;
  readonly #maxUnacknowledged: number;
  #corrections = 0;
  #reconciliations = 0;
  #maxCorrection = 0;
  #lastCorrection = 0;
  #totalCorrection = 0;
  /** Scratch entity for re-deriving predictions after a correction. */
  readonly #replay: Numeric = {};
  readonly #reconciler: { state: Numeric };
  /** Other entities' tracks (`lerp`), by entity; undefined with `damped`. */
  readonly #tracks: WeakMap<object, EntityTrack> | undefined;
  readonly #trackOptions: TrackOptions;
  readonly #fieldIndex: ReadonlyMap<string, number>;
  /** The server time other entities are drawn at. */
  readonly #renderClock = new RenderClock(INTERPOLATION_DELAY);
  /** The link's recent stalls: how much delay they call for. */
  readonly #stalls = new StallHistory({
    windowMs: INTERPOLATION_DELAY.stallWindowMs,
    budget: INTERPOLATION_DELAY.stallBudget,
    capMs: INTERPOLATION_DELAY.maxMs,
  });
  /** Server time of the newest patch applied. */
  #newestPatchAt = 0;
  /** Reconnected since the last patch recorded: the server's clock may have started anew (a move). */
  #timelineRestarted = false;
  /** The delay the caller fixed; undefined: adaptive. */
  readonly #fixedDelayMs: number | undefined;
  /** The delay in effect: server clock minus half the RTT minus the render time. */
  #delayMs: number;
  /** The delay lag compensation's stamps were last told. */
  #stampedDelayMs: number;
  #lastFrameAt = Number.NaN;
  #extrapolatingMs = 0;

  private constructor(room: Room<unknown, S>, local: E, spec: NetcodeSpec<E, I>, options: RealtimeOptions) {
    this.room = room;
    // Back from a drop or a move from the first second, and promptly (client/reconnection.ts).
    reconnectPromptly(room as Room);
    this.local = local;
    this.#spec = spec;
    const delay = options.interpolationDelayMs ?? INTERPOLATION_DELAY.initialMs;
    this.#fixedDelayMs = options.interpolationDelayMs;
    this.#delayMs = delay;
    this.#stampedDelayMs = delay;
    this.#epsilon = options.correctionEpsilon ?? 0.001;
    this.#maxUnacknowledged = options.maxUnacknowledged ?? 60;
    const mode = options.interpolation ?? "lerp";
    // Typed by its state for the caller; the SDK's Predict takes any schema-backed room.
    this.#predict = Predict.get(room as Room, { mode, delay });
    const interpolation: Record<string, unknown> = {};
    for (const [field, how] of Object.entries(spec.interpolatedFields)) {
      interpolation[field] = how.angle ? { mode, angle: true } : mode;
    }
    this.#predict.attachAll(spec.collection as never, interpolation as never);
    const fields = Object.entries(spec.interpolatedFields).map(([name, how]) => ({ name, angle: how.angle === true }));
    this.#fieldIndex = new Map(fields.map((field, index) => [field.name, index]));
    const positions = spec.positionFields.every((field) => this.#fieldIndex.has(field)) ? spec.positionFields : undefined;
    this.#trackOptions = {
      fields,
      maxExtrapolateMs: spec.extrapolation?.maxMs ?? 0,
      convergeMs: CONVERGE_MS,
      ...(positions !== undefined ? { positionFields: positions } : {}),
      ...(spec.extrapolation?.catchUpSpeed !== undefined ? { catchUpSpeed: spec.extrapolation.catchUpSpeed } : {}),
      ...(spec.snapDistance !== undefined ? { snapDistance: spec.snapDistance } : {}),
    };
    this.#tracks = mode === "lerp" ? new WeakMap() : undefined;
    listenUntil(room.onReconnect, () => {
      this.#restartTimeline();
      return false;
    });
    // Every patch: each other entity's snapshot, stamped with the server time it describes.
    listenUntil(room.onStateChange, () => {
      this.#record();
      return false;
    });
    this.#batch = new BatchedInput<I>(room as Room, {
      ...(spec.input !== undefined ? { type: spec.input } : {}),
      ...(options.renderDelayMs !== undefined ? { renderDelay: options.renderDelayMs } : {}),
      inputsPerMessage: options.inputsPerMessage ?? DEFAULT_INPUTS_PER_MESSAGE,
    });
    this.#input = this.#batch.handle;
    // colyseus-internal: reconciler-replay
    const reconciler = this.#predict.reconciler(local, {
      input: this.#input as never,
      fields: [...spec.predictedFields] as never,
      step: (context: { dt: number }, state: E, input: unknown) => spec.step(state, input as I, context.dt),
      ...(spec.snapDistance !== undefined ? { snap: spec.snapDistance } : {}),
    });
    this.#reconciler = reconciler as unknown as { state: Numeric };
    // The exact dt the server and the SDK's reconciler step with (1/tickRate); stepMs / 1000
    // can differ from it in the last bit at some tick rates, and replays must match exactly.
    this.#dt = this.#input.stepSeconds ?? (reconciler as unknown as { stepMs: number }).stepMs / 1000;
  }

  /**
   * Set up netcode on a joined real-time room; resolves once the local entity exists in
   * the synced state (joining resolves before the first state arrives).
   */
  static async attach<E extends object, I extends object, S = unknown>(
    room: Room<unknown, S>,
    spec: NetcodeSpec<E, I>,
    options: RealtimeOptions = {},
    timeoutMs = 5000,
  ): Promise<RealtimeSession<E, I, S>> {
    const local: E = await new Promise<E>((resolve, reject) => {
      const find = (): E | undefined => {
        const collection = (room.state as Record<string, { get?(key: string): E | undefined }> | undefined)?.[spec.collection];
        return collection?.get?.(room.sessionId);
      };
      const check = (): boolean => {
        const found = find();
        if (found === undefined) return false;
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const stop = listenUntil(room.onStateChange, check);
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no "${spec.collection}" entry for ${room.sessionId} after ${timeoutMs} ms`));
      }, timeoutMs);
      if (check()) stop();
    });
    return new RealtimeSession<E, I, S>(room, local, spec, options);
  }

  /**
   * Run one render frame at `now` (ms, `performance.now()`): advance the fixed-step
   * clock, and for each step due, let `fill` write this step's input, predict it and
   * send it. Returns how many inputs were sent.
   */
  frame(now: number, fill: (input: I) => void): number {
    this.#advanceClock(now);
    this.checkAcknowledgement();
    const steps = this.#predict.tick(now);
    const data = this.#input.data as I;
    const [fx, fy] = this.#spec.positionFields;
    for (let i = 0; i < steps; i++) {
      if (this.#input.pendingCount >= this.#maxUnacknowledged) {
        // Stalled: what is held must reach the server, or its acknowledgement never comes.
        this.#batch.flush();
        break;
      }
      fill(data);
      this.#spec.sanitize?.(data);
      // Predict with exactly what the server will decode.
      for (const field of this.#spec.inputNumberFields) (data as Numeric)[field] = Math.fround((data as Numeric)[field] as number);
      const seq = this.#batch.send();
      const predicted = this.#reconciler.state;
      this.#history.record(seq, predicted[fx] as number, predicted[fy] as number);
    }
    return steps;
  }

  /** Send the inputs a batch still holds: call it before stopping to send (the last inputs are then applied and acknowledged). */
  flushInputs(): void {
    this.#batch.flush();
  }

  /** A field of the local entity as predicted (smoothed after corrections): draw this. */
  localValue(field: keyof E & string): number {
    return this.#predict.value(this.local as never, field as never) as number;
  }

  /** The raw prediction (no smoothing): what the last input led to. */
  predicted(field: keyof E & string): number | boolean | undefined {
    return this.#reconciler.state[field];
  }

  /**
   * A render frame starts at `now`: move the render clock (toward the delay the link
   * wants), and tell lag compensation the delay in effect so the server rewinds each shot
   * to what this client drew.
   */
  #advanceClock(now: number): void {
    const elapsed = Number.isNaN(this.#lastFrameAt) ? 0 : Math.max(0, now - this.#lastFrameAt);
    this.#lastFrameAt = now;
    const clock = this.room.clock;
    // Not before the clock knows the server time and the RTT (the first acknowledgement):
    // started earlier, the render instant would be half an RTT off and slew for seconds.
    if (!(clock.lastServerTime() > 0 && clock.smoothedRtt() > 0)) return;
    const wanted = this.#fixedDelayMs ?? this.#wantedDelay(now);
    const aheadOfRender = clock.serverNow() - clock.smoothedRtt() / 2;
    this.#delayMs = aheadOfRender - this.#renderClock.advance(elapsed, aheadOfRender - wanted);
    if (Math.abs(this.#delayMs - this.#stampedDelayMs) >= 0.25) {
      this.#stampedDelayMs = this.#delayMs;
      // The SDK binds the inputs' render delay to the Predict default's.
      this.#predict.setDefaults({ delay: this.#delayMs });
    }
  }

  /** The delay this link wants, once the clock has measured it (the initial delay until then). */
  #wantedDelay(now: number): number {
    const clock = this.room.clock;
    const patchInterval = clock.patchInterval?.() ?? 0;
    if (!(patchInterval > 0)) return INTERPOLATION_DELAY.initialMs;
    const forJitter = this.#renderClock.wantedDelay(patchInterval, clock.jitter());
    const window = this.#spec.rewindWindowMs;
    const mostForStalls = window === undefined ? INTERPOLATION_DELAY.maxMs : window - clock.smoothedRtt() - REWIND_MARGIN_MS;
    return Math.max(forJitter, Math.min(this.#stalls.delayFor(now), mostForStalls, INTERPOLATION_DELAY.maxMs));
  }

  /**
   * The SDK reconnected: the room may now live on another process (a move, a failover),
   * whose room clock started anew, so every estimate made on the old timeline is void.
   * The SDK's clock is reset at once, before the first patch of the new connection
   * samples it (else its offset would crawl from the old timeline to the new one over
   * seconds); what is drawn on the old timeline (the render clock, other entities'
   * snapshots) stays put until that first patch, then restarts from it (`#record`).
   */
  // colyseus-internal: sdk-clock-reset
  #restartTimeline(): void {
    (this.room.clock as { reset?(): void }).reset?.();
    this.#timelineRestarted = true;
  }

  /** Each other entity's snapshot from the patch just applied. */
  #record(): void {
    const serverTime = this.room.clock.lastServerTime();
    if (!(serverTime > 0)) return;
    const restarted = this.#timelineRestarted;
    if (restarted) {
      this.#timelineRestarted = false;
      this.#renderClock.reset();
      this.#newestPatchAt = 0;
    }
    const tracks = this.#tracks;
    if (tracks === undefined) return;
    this.#noteStall(serverTime);
    const collection = (this.room.state as Record<string, { forEach?(visit: (entity: object, id: string) => void): void } | undefined>)[this.#spec.collection];
    collection?.forEach?.((entity, id) => {
      if (id === this.room.sessionId) return;
      let track = tracks.get(entity);
      if (track === undefined) {
        track = new EntityTrack(this.#trackOptions);
        tracks.set(entity, track);
      } else if (restarted) {
        track.restart();
      }
      track.push(serverTime, entity as Readonly<Record<string, unknown>>);
    });
  }

  /**
   * A patch for `serverTime` arrived: if the render instant had passed the newest snapshot
   * meanwhile (others were drawn extrapolated), remember the delay that would have kept
   * one ahead.
   */
  #noteStall(serverTime: number): void {
    const newest = this.#newestPatchAt;
    this.#newestPatchAt = Math.max(newest, serverTime);
    const renderedAt = this.#renderClock.time;
    if (!(newest > 0) || Number.isNaN(renderedAt) || this.#fixedDelayMs !== undefined) return;
    const now = performance.now();
    const past = renderedAt + (now - this.#lastFrameAt) - newest;
    if (past > 0) this.#stalls.record(now, this.#delayMs + past);
  }

  /** The track of `entity`, drawn for this frame; undefined with `damped` or before its first snapshot. */
  #drawnTrack(entity: object): EntityTrack | undefined {
    const track = this.#tracks?.get(entity);
    if (track === undefined) return undefined;
    const now = performance.now();
    const previous = track.drawnAt;
    // Drawn once per frame, however many of its fields are read then.
    if (Number.isNaN(previous) || now - previous >= SAME_FRAME_MS) {
      // The instant lag compensation rewinds this client's shots to: what you see is what you hit.
      const target = Number.isNaN(this.#renderClock.time)
        ? this.room.clock.serverNow() - this.#delayMs - this.room.clock.smoothedRtt() / 2
        : this.#renderClock.time;
      const how = track.draw(target, now);
      if (how !== "interpolated" && !Number.isNaN(previous)) this.#extrapolatingMs += now - previous;
    }
    return track;
  }

  /**
   * A field of another entity as it is drawn this frame: interpolated the interpolation
   * delay behind the server clock, extrapolated (bounded) when its snapshots ran dry.
   */
  remoteValue(entity: object, field: string): number {
    const index = this.#fieldIndex.get(field);
    const track = index === undefined ? undefined : this.#drawnTrack(entity);
    if (track === undefined || index === undefined) return this.#predict.value(entity as never, field as never) as number;
    return track.drawn[index] as number;
  }

  /** How `entity` was drawn this frame (`interpolated`, `extrapolated` past its newest snapshot, or `held`). */
  remoteDrawnFrom(entity: object): DrawnFrom | undefined {
    const track = this.#drawnTrack(entity);
    return track?.drawnFrom;
  }

  stats(): NetStats {
    const clock = this.room.clock;
    return {
      rttMs: clock.smoothedRtt(),
      jitterMs: clock.jitter(),
      serverTimeOffsetMs: clock.serverNow() - performance.now(),
      inputsSent: this.#input.sentCount,
      inputsAcknowledged: this.#input.lastProcessed,
      inputsPending: this.#input.pendingCount,
      corrections: this.#corrections,
      reconciliations: this.#reconciliations,
      maxCorrection: this.#maxCorrection,
      lastCorrection: this.#lastCorrection,
      totalCorrection: this.#totalCorrection,
      interpolationDelayMs: this.#delayMs,
      extrapolatingMs: this.#extrapolatingMs,
    };
  }

  /**
   * Called by `frame()`; call it directly to update the stats while not sending.
   *
   * On a new acknowledgement, compare the authoritative position (the synced state is
   * the server's state right after the acknowledged input) with what was predicted for
   * that input. On a mismatch, re-derive the predictions of the inputs still pending the
   * way the reconciler does, so one correction is counted once.
   */
  // colyseus-internal: reconciler-replay
  checkAcknowledgement(): void {
    if (this.#input.epoch !== this.#epoch) {
      this.#epoch = this.#input.epoch;
      this.#lastAck = 0;
      this.#history.clear();
    }
    const ack = this.#input.lastProcessed;
    if (ack <= this.#lastAck) return;
    this.#lastAck = ack;
    const [fx, fy] = this.#spec.positionFields;
    const server = this.local as Numeric;
    if (!this.#history.has(ack)) return;
    this.#reconciliations++;
    const error = Math.hypot((server[fx] as number) - this.#history.x(ack), (server[fy] as number) - this.#history.y(ack));
    if (error <= this.#epsilon) return;
    this.#corrections++;
    this.#lastCorrection = error;
    this.#totalCorrection += error;
    this.#maxCorrection = Math.max(this.#maxCorrection, error);

    for (const field of this.#spec.predictedFields) this.#replay[field] = server[field] as number | boolean;
    for (let seq = ack + 1; seq <= this.#input.sentCount; seq++) {
      const input = this.#input.at(seq) as I | undefined;
      if (input === undefined) break;
      this.#spec.step(this.#replay as unknown as E, input, this.#dt);
      this.#history.record(seq, this.#replay[fx] as number, this.#replay[fy] as number);
    }
  }
}

/** Fixed-size ring of predicted positions by input sequence number: no allocation per input. */
class PredictionHistory {
  readonly #seqs: Int32Array;
  readonly #xs: Float64Array;
  readonly #ys: Float64Array;

  constructor(readonly capacity: number) {
    this.#seqs = new Int32Array(capacity).fill(-1);
    this.#xs = new Float64Array(capacity);
    this.#ys = new Float64Array(capacity);
  }

  record(seq: number, x: number, y: number): void {
    const slot = seq % this.capacity;
    this.#seqs[slot] = seq;
    this.#xs[slot] = x;
    this.#ys[slot] = y;
  }

  has(seq: number): boolean {
    return this.#seqs[seq % this.capacity] === seq;
  }

  x(seq: number): number {
    return this.#xs[seq % this.capacity]!;
  }

  y(seq: number): number {
    return this.#ys[seq % this.capacity]!;
  }

  clear(): void {
    this.#seqs.fill(-1);
  }
}
