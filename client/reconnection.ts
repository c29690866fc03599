import type { Room } from "@colyseus/sdk";

/** How soon tickroom's clients try again after a dropped room connection, where the SDK waits 200 ms. */
export const FIRST_RETRY_MS = 20;

/**
 * The SDK's automatic reconnection, as tickroom's clients (the web client, `RealtimeSession`)
 * set it for every room they join:
 * - from the first second: the SDK skips connections younger than `minUptime` (5 s by
 *   default, counted from the first join), and a player who joined just before a deploy
 *   moved its room (4010), or whose Wi-Fi blinked, deserves the same recovery as anyone;
 * - promptly: a 4010 means the room is already waiting on its new process, so the first
 *   attempt goes after 20 ms, not 200 (the freeze a move costs is mostly this wait and the
 *   reconnection itself). The SDK waits max(minDelay, 2^attempt x delay), capped at its
 *   `maxDelay` (5 s): 20, 40, 80 ... ms, its 15 attempts still spanning about 40 s, twice
 *   the reconnection window.
 */
// colyseus-internal: sdk-reconnection-rules
export function reconnectPromptly(room: Room): void {
  room.reconnection.minUptime = 0;
  room.reconnection.minDelay = FIRST_RETRY_MS;
  room.reconnection.delay = FIRST_RETRY_MS / 2;
}
