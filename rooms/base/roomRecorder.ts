import { type Client, ClientState, ProtocolModifier } from "@colyseus/core";
import { type Frame, FrameKind, RecordingFrames, type RecordingMark } from "./recording.ts";

/** What of a Colyseus room the recorder taps (its serializer is internal). */
// colyseus-internal: recording-tap
interface SerializerInternals {
  applyPatches(clients: ArrayLike<Client>, state: unknown, timing?: unknown): boolean;
  getFullState(client?: Client): Uint8Array;
  handshake(): Uint8Array | undefined;
}

/**
 * Frames are copied into slabs of this size rather than each into its own buffer: a buffer
 * of its own costs a frame about 280 bytes more than its payload (measured by
 * `npm run bench:recording`), more than a typical arena patch. A slab is freed once no kept
 * frame is in it.
 */
const SLAB_BYTES = 64 * 1024;

const markText = new TextEncoder();

/** Bytes of the timing prefix (`[uint32 sNow][uint32 inputSeq]`) a TIMED frame carries after its first byte. */
const TIMED_PREFIX_BYTES = 8;

export interface RecorderOptions {
  /** A keyframe every this many ms: a seek decodes at most this much of patches. */
  readonly keyframeMs: number;
  /** The longest a delayed spectator may lag: how far back the buffer reaches when nothing is being recorded. */
  readonly maxDelayMs: number;
  /** The room's clock, in ms. */
  readonly now: () => number;
}

interface DelayedSpectator {
  readonly client: Client;
  readonly delayMs: number;
  /** Absolute position of the next frame to send; undefined until its first keyframe is due. */
  next: number | undefined;
}

/** A finished stretch of recording, times from its first keyframe. */
export interface RecordedMatch {
  readonly frames: readonly Frame[];
  readonly durationMs: number;
  readonly startedAt: number;
}

/**
 * Taps a live room's patches (Colyseus encodes them once; the recorder keeps a copy of
 * the spectators' projection), adds a keyframe every `keyframeMs`, and feeds spectators
 * who asked to watch late from that buffer instead of the live patches.
 *
 * The tap is a client that holds no view in the serializer's patch loop, so it receives
 * exactly the frame a spectator receives, even when nobody else is connected; it costs
 * one copy of that frame per patch, and one full encode per keyframe.
 */
export class RoomRecorder {
  readonly frames = new RecordingFrames();
  readonly #serializer: SerializerInternals;
  readonly #options: RecorderOptions;
  readonly #delayed = new Map<string, DelayedSpectator>();
  readonly #tap: Client;
  /** The clients a patch goes to: the room's, less late spectators, plus the tap. */
  readonly #live: Client[] = [];
  #origin: number;
  #lastKeyframe = Number.NEGATIVE_INFINITY;
  #keyframeWanted = true;
  /** Position of the keyframe that starts the recording being kept, once it exists. */
  #recordingFrom: number | undefined;
  #recordingWanted = false;
  #recordingStartedAt = 0;
  /** Called with the recording after the next patch (the one that shows how the match ended). */
  #finishing: ((match: RecordedMatch | undefined) => void) | undefined;
  #restartAfterFinishing = false;
  #slab = new Uint8Array(SLAB_BYTES);
  #slabUsed = 0;
  /** Joins and leaves before the first keyframe (the room's creator joins before the first patch): noted with it. */
  readonly #earlyMarks: RecordingMark[] = [];

  constructor(serializer: unknown, options: RecorderOptions) {
    this.#serializer = serializer as SerializerInternals;
    this.#options = options;
    this.#origin = options.now();
    this.#tap = { state: ClientState.JOINED, view: undefined, raw: (bytes: Uint8Array) => this.#onPatch(bytes) } as unknown as Client;
    const serializerInternals = this.#serializer;
    const applyPatches = serializerInternals.applyPatches;
    serializerInternals.applyPatches = (clients, state, timing) => {
      // One list for the life of the room, refilled per patch: nothing allocated on the hot
      // path, and the room's own `clients` is never touched.
      const live = this.#live;
      live.length = 0;
      live.push(this.#tap);
      for (let index = 0; index < clients.length; index++) {
        const client = clients[index] as Client;
        if (this.#delayed.size === 0 || !this.#delayed.has(client.sessionId)) live.push(client);
      }
      const changed = applyPatches.call(serializerInternals, live, state, timing);
      this.#afterPatch();
      return changed;
    };
  }

  /** Start keeping a recording at the next patch (a keyframe opens it). */
  startRecording(): void {
    if (this.#finishing !== undefined) {
      this.#restartAfterFinishing = true;
      return;
    }
    this.#recordingWanted = true;
    this.#keyframeWanted = true;
  }

  get recording(): boolean {
    return this.#recordingWanted || this.#recordingFrom !== undefined;
  }

  /** Milliseconds the recording being kept has lasted. */
  get recordedMs(): number {
    const from = this.#recordingFrom === undefined ? undefined : this.frames.at(this.#recordingFrom);
    return from === undefined ? 0 : this.frames.lastTime - from.t;
  }

  /** Stop keeping the recording once the next patch is in it, and hand it to `done`. */
  finishAfterNextPatch(done: (match: RecordedMatch | undefined) => void): void {
    this.#finishing = done;
  }

  /** Stop keeping the recording and hand it over; undefined if it never got its first keyframe. */
  finishRecording(): RecordedMatch | undefined {
    const from = this.#recordingFrom;
    this.#recordingFrom = undefined;
    this.#recordingWanted = false;
    if (from === undefined) return undefined;
    const start = this.frames.at(from)?.t ?? 0;
    const frames: Frame[] = [];
    for (let position = from; position < this.frames.end; position++) {
      const frame = this.frames.at(position);
      if (frame !== undefined) frames.push({ kind: frame.kind, t: frame.t - start, bytes: frame.bytes });
    }
    this.#trim();
    return { frames, durationMs: (frames.at(-1)?.t ?? 0) - (frames[0]?.t ?? 0), startedAt: this.#recordingStartedAt };
  }

  /** The state's type description, as the SDK receives it on joining. */
  handshake(): Uint8Array {
    return this.#serializer.handshake() ?? new Uint8Array();
  }

  /** Note a join or a leave on the timeline. */
  mark(mark: RecordingMark): void {
    if (this.frames.keyframeCount === 0) this.#earlyMarks.push(mark);
    else this.#addMark(mark, this.#now());
  }

  #addMark(mark: RecordingMark, t: number): void {
    this.frames.add({ kind: FrameKind.mark, t, bytes: markText.encode(JSON.stringify(mark)) });
  }

  /** From now on this client sees the state `delayMs` late, from the buffer, never the live patches. */
  delay(client: Client, delayMs: number): void {
    this.#delayed.set(client.sessionId, { client, delayMs, next: undefined });
  }

  isDelayed(sessionId: string): boolean {
    return this.#delayed.has(sessionId);
  }

  /**
   * A delayed spectator's full state is a keyframe from the buffer, sent by the next
   * patch (also after a reconnection: a new client object, the same session, a resync).
   */
  restartDelayed(client: Client): void {
    const delayed = this.#delayed.get(client.sessionId);
    if (delayed !== undefined) this.#delayed.set(client.sessionId, { client, delayMs: delayed.delayMs, next: undefined });
  }

  forget(sessionId: string): void {
    this.#delayed.delete(sessionId);
  }

  #now(): number {
    return this.#options.now() - this.#origin;
  }

  #onPatch(bytes: Uint8Array): void {
    // A heartbeat (a TIMED room's patch frame with no change) or a patch before the first keyframe: nothing to keep.
    const timed = (bytes[0] ?? 0) & ProtocolModifier.TIMED;
    const body = timed ? TIMED_PREFIX_BYTES + 1 : 1;
    if (bytes.byteLength <= body || this.frames.keyframeCount === 0) return;
    const frame = this.#space(bytes.byteLength - body + 1);
    frame[0] = (bytes[0] ?? 0) & ~ProtocolModifier.TIMED;
    frame.set(bytes.subarray(body), 1);
    this.frames.add({ kind: FrameKind.patch, t: this.#now(), bytes: frame });
  }

  #afterPatch(): void {
    const now = this.#now();
    const finishing = this.#finishing;
    if (finishing !== undefined) {
      this.#finishing = undefined;
      finishing(this.finishRecording());
      if (this.#restartAfterFinishing) {
        this.#restartAfterFinishing = false;
        this.startRecording();
      }
    }
    if (this.#keyframeWanted || now - this.#lastKeyframe >= this.#options.keyframeMs) {
      // Right after a patch nothing is pending: the full state is the state that patch left.
      const keyframe = this.frames.end;
      const full = this.#serializer.getFullState();
      const copy = this.#space(full.byteLength);
      copy.set(full);
      this.frames.add({ kind: FrameKind.keyframe, t: now, bytes: copy });
      this.#lastKeyframe = now;
      this.#keyframeWanted = false;
      for (const mark of this.#earlyMarks.splice(0)) this.#addMark(mark, now);
      if (this.#recordingWanted && this.#recordingFrom === undefined) {
        this.#recordingFrom = keyframe;
        this.#recordingStartedAt = Date.now();
      }
      this.#trim();
    }
    if (this.#delayed.size > 0) this.#feedDelayed(now);
  }

  /** `length` bytes for a frame, in the current slab (a new one when it is full; a frame larger than a slab gets its own). */
  #space(length: number): Uint8Array {
    if (length > SLAB_BYTES / 4) return new Uint8Array(length);
    if (this.#slabUsed + length > SLAB_BYTES) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#slabUsed = 0;
    }
    const space = this.#slab.subarray(this.#slabUsed, this.#slabUsed + length);
    this.#slabUsed += length;
    return space;
  }

  /** Send each delayed spectator the frames that are now old enough. */
  #feedDelayed(now: number): void {
    for (const delayed of this.#delayed.values()) {
      if (delayed.client.state !== ClientState.JOINED) continue;
      const due = now - delayed.delayMs;
      if (delayed.next === undefined) {
        const keyframe = this.frames.keyframeAtOrBefore(due);
        const first = this.frames.at(keyframe);
        // The room is younger than the delay: nothing is old enough to show yet.
        if (first === undefined || first.t > due) continue;
        delayed.client.raw(first.bytes);
        delayed.next = keyframe + 1;
      }
      const end = this.frames.endAt(due, delayed.next);
      for (let position = delayed.next; position < end; position++) {
        const frame = this.frames.at(position);
        if (frame?.kind === FrameKind.patch) delayed.client.raw(frame.bytes);
      }
      delayed.next = end;
    }
  }

  /** Drop what neither the recording being kept, nor a delayed spectator, nor one joining at the longest delay could need. */
  #trim(): void {
    if (this.#recordingFrom !== undefined || this.#recordingWanted) return;
    let horizon = this.#now() - this.#options.maxDelayMs;
    for (const delayed of this.#delayed.values()) {
      const next = delayed.next === undefined ? undefined : this.frames.at(delayed.next);
      if (next !== undefined) horizon = Math.min(horizon, next.t);
    }
    this.frames.trimBefore(horizon);
  }
}
