/**
 * How a match's end leaves the room: the room type says who placed where (its declared
 * `result`), the base adds who played (ids, names, teams, who left early) and hands one
 * `MatchResult` to the server's sink, once per match. The sink keeps it (an outbox) and
 * records it when it can; a room never waits for it and never talks to the store.
 */

/** Each seated player's place when the match is over, by session id (1 = first; equal places draw). */
export type Standings = Readonly<Record<string, number>>;

export interface MatchPlayer {
  /** The verified account id, or `anon:<sessionId>` for a player who joined without a token (never rated). */
  readonly playerId: string;
  readonly name: string;
  /** The team the queue put the player on (each player its own in a free-for-all). */
  readonly team: number;
  /** 1 = first. A player who left before the end is last, after everyone who stayed. */
  readonly place: number;
  /** Left before the end: rated as a loss whatever the team did. */
  readonly forfeited: boolean;
}

export interface MatchResult {
  /** Unique per match (`<roomId>:<round>`): recording the same id twice changes nothing. */
  readonly matchId: string;
  /** The room type: ratings and leaderboards are per game. */
  readonly game: string;
  /** Made by the ranked queue: rated. */
  readonly ranked: boolean;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly players: readonly MatchPlayer[];
}

/** Where rooms hand their results: the server's outbox, or nowhere when nothing is kept. */
export interface ResultSink {
  /** Take a result; returns at once, never throws (keeping it is the sink's business). */
  report(result: MatchResult): void;
}

/** Results go nowhere: a server without a store (STORE_ENABLED=false). */
export const discardResults: ResultSink = { report: () => undefined };

/** The id a player is recorded under. */
export function playerIdOf(identityId: string | undefined, sessionId: string): string {
  return identityId ?? `anon:${sessionId}`;
}
