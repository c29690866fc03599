import { el } from "../elements.ts";
import type { HandedRoom } from "../joinedRoom.ts";
import { formatRoute } from "../routes.ts";
import type { ServerLink } from "../serverLink.ts";
import { describeRatingChange, type MatchPage, myPlayerId, readRecords, signOf } from "./records.ts";

/**
 * The rating change a ranked match made, shown by the game views (tic-tac-toe, pong, the
 * arena) near the result: "Rating 1000 → 1016 (+16) · Your profile".
 *
 * A match's result reaches the store a moment after it ends (the server's outbox), so once
 * the view sees the match finished, this polls the player's history, backing off, for up to
 * about ten seconds, until a match of this room (`<roomId>:<round>`) it has not shown yet
 * appears. Only rooms the ranked queue made are asked about (casual matches are never
 * recorded): the lobby marks the room it hands over from the queue, and the mark outlives
 * a reload of the page (by room id, in this tab's session storage).
 */

/** Waits between reads of the history, ms: about 10 s in all. */
const POLL_DELAYS_MS = [300, 600, 900, 1200, 1500, 2000, 2500];
const HISTORY_PAGE = 5;
const RANKED_KEY = "tickroom:ranked-rooms";
/** The room ids remembered as ranked: the most recent only. */
const RANKED_KEPT = 20;

const rankedRooms = new WeakSet<HandedRoom>();

/** This room was made by the ranked queue: its matches are rated. */
export function markRanked(joined: HandedRoom): void {
  rankedRooms.add(joined);
  const ids = rememberedRanked().filter((id) => id !== joined.room.roomId);
  ids.push(joined.room.roomId);
  try {
    sessionStorage.setItem(RANKED_KEY, JSON.stringify(ids.slice(-RANKED_KEPT)));
  } catch {
    // Storage full or refused: the mark on the room itself still holds until a reload.
  }
}

/** Was this room made by the ranked queue (as far as this tab knows)? */
function isRanked(joined: HandedRoom): boolean {
  return rankedRooms.has(joined) || rememberedRanked().includes(joined.room.roomId);
}

function rememberedRanked(): string[] {
  try {
    const stored = JSON.parse(sessionStorage.getItem(RANKED_KEY) ?? "[]") as unknown;
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/**
 * One game view's rating-change line. The view puts `element` near its result, calls
 * `finished()` whenever its match is over (every patch while it is, or once: repeated calls
 * change nothing) and `playing()` when a new match starts (a rematch), and `stop()` on unmount.
 * In a room that is not ranked, or before any sign-in, the line stays hidden.
 */
export class RatingChangeLine {
  readonly element = el("p", { class: "rating-change", "data-testid": "rating-change", role: "status", hidden: true });
  readonly #ranked: boolean;
  readonly #roomId: string;
  /** Matches of this room already shown (a rematch is a new match id). */
  readonly #shown = new Set<string>();
  #polling = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    private readonly link: ServerLink,
    joined: HandedRoom,
  ) {
    this.#ranked = !joined.spectator && isRanked(joined);
    this.#roomId = joined.room.roomId;
    // After a reload mid-rematch the history already holds this room's earlier matches:
    // they are not the one about to end, so they count as shown.
    this.#earlier = this.#ranked ? this.#recordedHere() : Promise.resolve();
  }

  /** This room's matches recorded when the view opened. */
  readonly #earlier: Promise<void>;

  async #recordedHere(): Promise<void> {
    const me = myPlayerId(this.link);
    if (me === undefined) return;
    try {
      const page = await readRecords<MatchPage>(this.link, `/players/${encodeURIComponent(me)}/matches?limit=${HISTORY_PAGE}`);
      for (const entry of page.matches) if (entry.matchId.startsWith(`${this.#roomId}:`)) this.#shown.add(entry.matchId);
    } catch {
      // No store or no answer: nothing recorded to skip.
    }
  }

  /** The match is over: look for its rating change, once. */
  finished(): void {
    if (!this.#ranked || this.#polling || this.#stopped || !this.element.hidden) return;
    const me = myPlayerId(this.link);
    if (me === undefined) return;
    this.#polling = true;
    this.#show("Rating: waiting for the result to be recorded…", "pending");
    void this.#poll(me, 0);
  }

  /** A new match has started in the room: the last one's line goes. */
  playing(): void {
    if (this.#polling) return;
    this.element.hidden = true;
    this.element.replaceChildren();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #poll(me: string, attempt: number): Promise<void> {
    await this.#earlier;
    let page: MatchPage | undefined;
    try {
      page = await readRecords<MatchPage>(this.link, `/players/${encodeURIComponent(me)}/matches?limit=${HISTORY_PAGE}`);
    } catch {
      // No store, or a store that does not answer yet: the same as "not recorded yet".
    }
    if (this.#stopped) return;
    const match = page?.matches.find((entry) => entry.matchId.startsWith(`${this.#roomId}:`) && !this.#shown.has(entry.matchId));
    if (match !== undefined) {
      this.#polling = false;
      this.#shown.add(match.matchId);
      if (match.ratingAfter === undefined || match.ratingChange === undefined) this.#show("This match did not change your rating.", "none", me);
      else {
        const change = describeRatingChange(match.ratingAfter, match.ratingChange);
        this.#show(change.text, signOf(change.change), me, change.change);
      }
      return;
    }
    const wait = POLL_DELAYS_MS[attempt];
    if (wait === undefined) {
      this.#polling = false;
      this.#show("The rating change is not in yet: your profile will have it.", "pending", me);
      return;
    }
    this.#timer = setTimeout(() => void this.#poll(me, attempt + 1), wait);
  }

  #show(text: string, sign: string, me?: string, change?: number): void {
    this.element.hidden = false;
    this.element.dataset.sign = sign;
    if (change !== undefined) this.element.dataset.change = String(change);
    else delete this.element.dataset.change;
    this.element.replaceChildren(
      el("span", { class: "change-text" }, text),
      me === undefined ? "" : " · ",
      me === undefined ? "" : el("a", { href: formatRoute({ view: "profile", id: me }), "data-testid": "rating-profile" }, "Your profile"),
    );
  }
}
