import { PROTOCOL_CODE_MASK } from "@colyseus/shared-types";

/**
 * Colyseus's wire framing, as far as tickroom reads it itself: the first byte of every
 * frame is a protocol code in bits 0-4 and modifiers (TIMED, UNRELIABLE) in bits 5-7.
 * The masks are Colyseus's own (`@colyseus/shared-types`, which its server and SDK share);
 * the server's wire guard, the benchmark's bots and the web client's traffic meter read
 * frames through here.
 */
// colyseus-internal: protocol-framing
export { PROTOCOL_MODIFIER_MASK } from "@colyseus/shared-types";

/** A frame's protocol code: bits 0-4 of its first byte (the rest are modifiers). */
export function protocolCodeOf(frame: Uint8Array): number {
  return (frame[0] as number) & PROTOCOL_CODE_MASK;
}
