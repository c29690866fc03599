import type { HistoryEntry, LeaderboardEntry, ShownRating } from "../../../server/store/matchRecords.ts";
import { RANKED_GAMES } from "../../../shared/rankedQueue.ts";
import { el } from "../elements.ts";
import { formatRoute } from "../routes.ts";
import { type ServerLink, ServerUnreachable } from "../serverLink.ts";

/**
 * What the server keeps of players and matches (server/playerRoutes.ts), as the page reads
 * it: the leaderboards, profiles and match histories, who "me" is, and the few ways the
 * views write ratings, changes and times. Read-only: nothing here changes a record.
 */

/** `GET /leaderboards/:game`. */
export interface LeaderboardPage {
  readonly game: string;
  readonly total: number;
  readonly offset: number;
  readonly entries: readonly LeaderboardEntry[];
}

/** `GET /players/:id`. */
export interface PlayerProfile {
  readonly id: string;
  readonly name: string;
  readonly guest: boolean;
  readonly createdAt: number;
  readonly ratings: readonly ShownRating[];
  /** The last 10 matches, newest first. */
  readonly recent: readonly HistoryEntry[];
}

/** `GET /players/:id/matches`: `next` is the `before` of the following page, null at the end. */
export interface MatchPage {
  readonly matches: readonly HistoryEntry[];
  readonly next: number | null;
}

export type { HistoryEntry, LeaderboardEntry, ShownRating };

/** The server keeps no records: it runs without a store, and the record routes do not exist (404). */
export class NoRecords extends Error {
  constructor() {
    super("This server keeps no ratings (STORE_ENABLED=false).");
    this.name = "NoRecords";
  }
}

/** The server answered a record route with a refusal it explained (`{ code, error }`). */
export class RecordRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RecordRefused";
  }
}

/**
 * GET one of the record routes (`path` starts with `/`). A 404 the routes did not explain
 * in JSON is a server without a store; any other failure carries the server's words.
 */
export async function readRecords<T>(link: ServerLink, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${link.endpoint.http}${path}`, { cache: "no-store" });
  } catch (error) {
    throw new ServerUnreachable(link.endpoint.http, error);
  }
  const body = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
  if (response.ok && body !== undefined) return body as T;
  const explained = typeof body?.error === "string" ? body.error : undefined;
  if (response.status === 404 && explained === undefined) throw new NoRecords();
  throw new RecordRefused(response.status, explained ?? `the server answered ${response.status}`);
}

/** The signed-in player's id (the `sub` of the guest token), or undefined before any sign-in. */
export function myPlayerId(link: ServerLink): string | undefined {
  const token = link.client.auth.token;
  return typeof token === "string" ? subjectOf(token) : undefined;
}

/** The `sub` claim of a JWT, read without checking the signature (the server checks it). */
export function subjectOf(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined || payload === "") return undefined;
  try {
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))) as { sub?: unknown };
    return typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

/** How the page names a ranked game ("Tic-tac-toe (1v1)"); another game by its room type. */
export function gameLabel(game: string): string {
  return (RANKED_GAMES as Readonly<Record<string, { label: string } | undefined>>)[game]?.label ?? game;
}

/** A rating as a whole number (the server keeps a tenth). */
export const wholeRating = (rating: number): string => String(Math.round(rating));

/** "+16", "-16", "±0": a change always says which way it went. */
export function signed(change: number): string {
  const whole = Math.round(change);
  return whole > 0 ? `+${whole}` : whole < 0 ? `-${-whole}` : "±0";
}

/** Which way a change went, for its colour (`data-sign` on the element). */
export function signOf(change: number): "up" | "down" | "none" {
  const whole = Math.round(change);
  return whole > 0 ? "up" : whole < 0 ? "down" : "none";
}

/**
 * "Rating 1000 → 1016 (+16)", for a match that rated this player; the change is the
 * difference of the rounded ratings shown, so the line always adds up.
 */
export function describeRatingChange(ratingAfter: number, ratingChange: number): { before: number; after: number; change: number; text: string } {
  const after = Math.round(ratingAfter);
  const before = Math.round(ratingAfter - ratingChange);
  const change = after - before;
  return { before, after, change, text: `Rating ${before} → ${after} (${signed(change)})` };
}

/** "W-L-D" of a rating: "3-1-0". */
export function record(rating: Pick<ShownRating, "wins" | "losses" | "draws">): string {
  return `${rating.wins}-${rating.losses}-${rating.draws}`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", then the date. */
export function timeAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 7) return `${days} d ago`;
  return new Date(at).toLocaleDateString();
}

/** A link to a player's profile; a player who never had an account (`anon:...`) is just a name. */
export function playerLink(id: string, name: string): HTMLElement {
  if (id.startsWith("anon:")) return el("span", { class: "player-name" }, name);
  return el("a", { class: "player-name", href: formatRoute({ view: "profile", id }), "data-player-id": id }, name);
}

/** What a failed read says to a player. */
export function describeRecordsError(error: unknown): string {
  if (error instanceof NoRecords || error instanceof RecordRefused) return error.message;
  if (error instanceof ServerUnreachable) return `${error.message}: is it running?`;
  return error instanceof Error ? error.message : String(error);
}
