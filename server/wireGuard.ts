import { Protocol } from "@colyseus/core";
import { decode } from "@colyseus/schema";
import { unpack } from "msgpackr";
import { PROTOCOL_MODIFIER_MASK, protocolCodeOf } from "../shared/protocol.ts";

/**
 * The structural check every client frame passes before Colyseus sees it. Colyseus
 * ignores frames with an unknown protocol code and logs every undecodable message, so a
 * hostile client could send them forever and fill the log; tickroom closes it instead
 * (4002, no reconnection window). Payload shapes are the rooms' business (zod).
 */
export type WireViolation = "text_frame" | "empty_frame" | "unknown_protocol_code" | "bad_modifier" | "undecodable_message";

/** What a client may send; the input codes alone may carry modifiers (TIMED). */
const CLIENT_CODES: ReadonlySet<number> = new Set([
  Protocol.JOIN_ROOM,
  Protocol.LEAVE_ROOM,
  Protocol.ROOM_DATA,
  Protocol.ROOM_DATA_BYTES,
  Protocol.PING,
  Protocol.ROOM_INPUT_RELIABLE,
  Protocol.ROOM_INPUT_UNRELIABLE,
  Protocol.ROOM_REQUEST,
]);
const MAY_CARRY_MODIFIERS: ReadonlySet<number> = new Set([Protocol.ROOM_INPUT_RELIABLE, Protocol.ROOM_INPUT_UNRELIABLE]);

/**
 * Where a Colyseus string starting at `offset` claims to end (msgpack-style prefixes with
 * little-endian lengths). Colyseus's own reader stops at the end of the frame instead of
 * failing, so a truncated type would pass as a shorter one.
 */
// colyseus-internal: wire-guard-message-layout
function declaredStringEnd(frame: Uint8Array, offset: number): number {
  const prefix = frame[offset] as number;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if ((prefix & 0xe0) === 0xa0) return offset + 1 + (prefix & 0x1f);
  if (prefix === 0xd9) return offset + 2 + (frame[offset + 1] ?? Infinity);
  if (prefix === 0xda) return offset + 3 + view.getUint16(offset + 1, true);
  return offset + 5 + view.getUint32(offset + 1, true);
}

/** A message's type: a Colyseus string or number, as `RoomMessages` reads it. */
function readMessageType(frame: Uint8Array, it: { offset: number }): void {
  if (decode.stringCheck(frame, it)) {
    if (declaredStringEnd(frame, it.offset) > frame.length) throw new RangeError("truncated message type");
    decode.string(frame, it);
  } else {
    decode.number(frame, it);
  }
  if (it.offset > frame.length) throw new RangeError("truncated message type");
}

// colyseus-internal: wire-guard-message-layout
export function wireViolation(data: Uint8Array, isBinary: boolean): WireViolation | undefined {
  if (!isBinary) return "text_frame";
  if (data.length === 0) return "empty_frame";
  const head = data[0] as number;
  const code = protocolCodeOf(data);
  if (!CLIENT_CODES.has(code)) return "unknown_protocol_code";
  if ((head & PROTOCOL_MODIFIER_MASK) !== 0 && !MAY_CARRY_MODIFIERS.has(code)) return "bad_modifier";
  if (code !== Protocol.ROOM_DATA && code !== Protocol.ROOM_REQUEST) return undefined;
  try {
    const it = { offset: 1 };
    if (code === Protocol.ROOM_REQUEST) decode.number(data, it);
    readMessageType(data, it);
    if (data.length > it.offset) unpack(data.subarray(it.offset));
    return undefined;
  } catch {
    return "undecodable_message";
  }
}
