/**
 * A match recording: what a spectator received, frame by frame, with the time each was
 * sent. Pure (no Colyseus, no I/O): the live room's recorder, the replay room and the
 * delayed spectators' feed all read frames through `RecordingFrames`.
 *
 * Frames are the bytes Colyseus encoded for clients that hold no `StateView` (the
 * spectators' projection: no `@view` field is in them), so the SDK decodes them as it
 * decodes a live room: a keyframe is a full state (`ROOM_STATE`), a patch a
 * `ROOM_STATE_PATCH`. A keyframe is the state right after the patch before it, so a seek
 * is one keyframe and the patches after it.
 *
 * The container (`encodeRecording` / `decodeRecording`), before compression:
 * `"TKRR"`, format version (u8), header length (u32) and header (JSON), the number of
 * frames (u32), then the frames: kind (u8), time in ms since the recording began (u32),
 * length (u32), bytes. All integers little-endian. Decoding checks every length, the
 * count (a recording cut between two frames is still cut short) and the order of times,
 * and refuses anything else with a `RecordingError`.
 */

/** What a frame holds. */
export const FrameKind = {
  /** The full state (a `ROOM_STATE` frame). */
  keyframe: 0,
  /** The changes since the previous frame (a `ROOM_STATE_PATCH` frame). */
  patch: 1,
  /** A join or a leave, JSON (`RecordingMark`): for the timeline, not for the state. */
  mark: 2,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  readonly kind: FrameKind;
  /** Milliseconds since the recording began. */
  readonly t: number;
  readonly bytes: Uint8Array;
}

/** A join or a leave, as the timeline shows it. */
export interface RecordingMark {
  readonly event: "join" | "leave";
  readonly sessionId: string;
  readonly name?: string;
  readonly spectator: boolean;
}

/** Sent to a spectator watching late, on joining (`"delay"`): how late it watches, a forced least delay included. */
export interface WatchingLate {
  readonly delaySeconds: number;
}

/** What a recording says about itself. */
export interface RecordingHeader {
  /** The match's id (`<roomId>:<round>`), the one its result was reported with. */
  readonly matchId: string;
  /** The room type that recorded it: its state class decodes the frames. */
  readonly roomType: string;
  readonly roomId: string;
  /** Epoch milliseconds of the first frame. */
  readonly startedAt: number;
  /** Milliseconds from the first frame to the last. */
  readonly durationMs: number;
  /**
   * The state's type description (Colyseus's handshake, base64): a replay refuses a
   * recording made with another version of the state's schema instead of decoding garbage.
   */
  readonly handshake: string;
}

export class RecordingError extends Error {
  override readonly name = "RecordingError";
}

const MAGIC = [0x54, 0x4b, 0x52, 0x52]; // "TKRR"
export const RECORDING_FORMAT_VERSION = 1;
const FRAME_HEADER_BYTES = 9;
/** A header larger than this is not one of ours. */
const MAX_HEADER_BYTES = 64 * 1024;

/** Frames in time order, with the index of every keyframe: what playback and seeks read. */
export class RecordingFrames {
  readonly #frames: Frame[] = [];
  /** Positions in `#frames` of the keyframes, in order. */
  readonly #keyframes: number[] = [];
  /** Frames dropped from the front (`trimBefore`): positions stay absolute. */
  #dropped = 0;
  #bytes = 0;

  get first(): number {
    return this.#dropped;
  }

  /** One past the last frame's absolute position. */
  get end(): number {
    return this.#dropped + this.#frames.length;
  }

  /** Bytes of frame payload held. */
  get bytes(): number {
    return this.#bytes;
  }

  get lastTime(): number {
    return this.#frames.at(-1)?.t ?? 0;
  }

  get keyframeCount(): number {
    return this.#keyframes.length;
  }

  /** The frame at absolute position `position`. */
  at(position: number): Frame | undefined {
    return this.#frames[position - this.#dropped];
  }

  add(frame: Frame): void {
    const last = this.#frames.at(-1);
    if (last !== undefined && frame.t < last.t) throw new RecordingError(`frame at ${frame.t} ms after one at ${last.t} ms`);
    if (frame.kind === FrameKind.keyframe) this.#keyframes.push(this.end);
    else if (this.#keyframes.length === 0) throw new RecordingError("a recording starts with a keyframe");
    this.#frames.push(frame);
    this.#bytes += frame.bytes.byteLength;
  }

  /** The absolute position of the last keyframe at or before `t` ms (the first keyframe if `t` precedes it). */
  keyframeAtOrBefore(t: number): number {
    const keyframes = this.#keyframes;
    let low = 0;
    let high = keyframes.length - 1;
    let found = keyframes[0] ?? this.#dropped;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const position = keyframes[middle] ?? 0;
      if ((this.at(position)?.t ?? 0) <= t) {
        found = position;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  }

  /** The absolute position just past the last frame at or before `t` ms, searching from `from`. */
  endAt(t: number, from = this.#dropped): number {
    let low = Math.max(from, this.#dropped);
    let high = this.end;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.at(middle)?.t ?? 0) <= t) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Forget frames no one can need any more: everything before the last keyframe at or
   * before `t` ms (a delayed spectator joining now starts from that keyframe).
   */
  trimBefore(t: number): void {
    const keep = this.keyframeAtOrBefore(t);
    const count = keep - this.#dropped;
    if (count <= 0) return;
    for (let index = 0; index < count; index++) this.#bytes -= this.#frames[index]?.bytes.byteLength ?? 0;
    this.#frames.splice(0, count);
    this.#dropped = keep;
    while ((this.#keyframes[0] ?? keep) < keep) this.#keyframes.shift();
  }

  /** Every frame held, in order. */
  all(): readonly Frame[] {
    return this.#frames;
  }
}

/** A decoded recording: its header and its frames. */
export interface Recording {
  readonly header: RecordingHeader;
  readonly frames: RecordingFrames;
}

/** The container's bytes (uncompressed). */
export function encodeRecording(header: RecordingHeader, frames: readonly Frame[]): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  let size = MAGIC.length + 1 + 4 + headerBytes.byteLength + 4;
  for (const frame of frames) size += FRAME_HEADER_BYTES + frame.bytes.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let offset = MAGIC.length;
  out[offset++] = RECORDING_FORMAT_VERSION;
  view.setUint32(offset, headerBytes.byteLength, true);
  offset += 4;
  out.set(headerBytes, offset);
  offset += headerBytes.byteLength;
  view.setUint32(offset, frames.length, true);
  offset += 4;
  for (const frame of frames) {
    out[offset] = frame.kind;
    view.setUint32(offset + 1, frame.t, true);
    view.setUint32(offset + 5, frame.bytes.byteLength, true);
    offset += FRAME_HEADER_BYTES;
    out.set(frame.bytes, offset);
    offset += frame.bytes.byteLength;
  }
  return out;
}

/** Read a container; anything but a whole, well-formed recording throws a `RecordingError` saying what is wrong. */
export function decodeRecording(bytes: Uint8Array): Recording {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < MAGIC.length + 5 || MAGIC.some((byte, index) => bytes[index] !== byte)) {
    throw new RecordingError("not a tickroom recording");
  }
  let offset = MAGIC.length;
  const version = bytes[offset++];
  if (version !== RECORDING_FORMAT_VERSION) throw new RecordingError(`recording format ${version} (this server reads ${RECORDING_FORMAT_VERSION})`);
  const headerLength = view.getUint32(offset, true);
  offset += 4;
  if (headerLength > MAX_HEADER_BYTES || offset + headerLength + 4 > bytes.byteLength) throw new RecordingError("truncated: the header is cut short");
  const header = parseHeader(bytes.subarray(offset, offset + headerLength));
  offset += headerLength;
  const count = view.getUint32(offset, true);
  offset += 4;
  const frames = new RecordingFrames();
  while (frames.end < count) {
    if (offset + FRAME_HEADER_BYTES > bytes.byteLength) throw new RecordingError(`truncated: frame ${frames.end} is cut short`);
    const kind = bytes[offset] as FrameKind;
    const t = view.getUint32(offset + 1, true);
    const length = view.getUint32(offset + 5, true);
    offset += FRAME_HEADER_BYTES;
    if (kind !== FrameKind.keyframe && kind !== FrameKind.patch && kind !== FrameKind.mark)
      throw new RecordingError(`frame ${frames.end} has unknown kind ${kind}`);
    if (offset + length > bytes.byteLength) throw new RecordingError(`truncated: frame ${frames.end} is cut short`);
    frames.add({ kind, t, bytes: bytes.subarray(offset, offset + length) });
    offset += length;
  }
  if (offset !== bytes.byteLength) throw new RecordingError(`${bytes.byteLength - offset} bytes follow the last frame`);
  if (frames.keyframeCount === 0) throw new RecordingError("the recording holds no keyframe");
  return { header, frames };
}

function parseHeader(bytes: Uint8Array): RecordingHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new RecordingError("the header is not JSON");
  }
  const header = parsed as Partial<Record<keyof RecordingHeader, unknown>>;
  const text = ["matchId", "roomType", "roomId", "handshake"] as const;
  const numbers = ["startedAt", "durationMs"] as const;
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    text.some((key) => typeof header[key] !== "string") ||
    numbers.some((key) => typeof header[key] !== "number" || !Number.isFinite(header[key]))
  ) {
    throw new RecordingError("the header lacks a field");
  }
  return parsed as RecordingHeader;
}
