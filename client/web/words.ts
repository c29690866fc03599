import type { QueueStatus } from "../queue.ts";

/** How the page puts things in words. Pure, so the unit tests read it without a page. */

/** "an arena", "a tic-tac-toe": the article English wants before `word`. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}

/** "1 of 2 players here, 0:07 waited": how a search stands, for the player waiting. */
export function describeSearch(status: QueueStatus, now: number): string {
  const seconds = Math.max(0, Math.floor((now - status.since) / 1000));
  const waited = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} waited`;
  if (status.playersPerMatch === 0) return waited;
  const here = Math.min(status.waiting, status.playersPerMatch);
  return `${here} of ${status.playersPerMatch} players here, ${waited}`;
}
