import type { Kysely, Transaction } from "kysely";
import type { MatchPlayer, MatchResult } from "../../rooms/base/results.ts";
import type { Database } from "./schema.ts";
import type { Store } from "./store.ts";
import { newRating, ordinal, type Rating, rate } from "./wengLin.ts";

/** A player's result as history shows it, from their side. */
type Outcome = "win" | "loss" | "draw";

function outcomeOf(player: MatchPlayer, players: readonly MatchPlayer[]): Outcome {
  if (player.forfeited || player.place > 1) return "loss";
  // First: a win unless another side shares first place (a draw).
  return players.some((other) => other.team !== player.team && !other.forfeited && other.place === player.place) ? "draw" : "win";
}

/**
 * The sides a match is rated by: the queue's teams, except that a player who left early is
 * rated alone, last (a leaver loses even when the team it left went on to win).
 */
function sidesOf(players: readonly MatchPlayer[]): Array<{ place: number; members: MatchPlayer[] }> {
  const sides = new Map<string, { place: number; members: MatchPlayer[] }>();
  for (const player of players) {
    const key = player.forfeited ? `left:${player.playerId}` : `team:${player.team}`;
    const side = sides.get(key) ?? { place: player.place, members: [] };
    side.place = Math.min(side.place, player.place);
    side.members.push(player);
    sides.set(key, side);
  }
  return [...sides.values()];
}

/**
 * Record one finished match: the match, its players, and (for a ranked match with at least
 * two sides holding an account) everyone's new rating, in one transaction. A match id
 * already recorded changes nothing ("duplicate"): the outbox may deliver a result twice.
 * Concurrent matches of the same player lose no update: on PostgreSQL the rating rows are
 * locked (in id order, so two matches never deadlock); SQLite has one writer at a time.
 */
export async function recordMatch(store: Store, reported: MatchResult, now = Date.now()): Promise<"recorded" | "duplicate"> {
  const result = onePerPlayer(reported);
  return store.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("matches")
      .values({
        id: result.matchId,
        game: result.game,
        started_at: result.startedAt,
        ended_at: result.endedAt,
        duration_ms: Math.max(0, result.endedAt - result.startedAt),
        ranked: result.ranked ? 1 : 0,
        outcome: result.players.some((player) => outcomeOf(player, result.players) === "draw") ? "draw" : "decided",
        replay_id: null,
        recorded_at: now,
      })
      .onConflict((conflict) => conflict.column("id").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return "duplicate";

    const before = await ratingsFor(trx, store.rowLocks, result);
    const after = new Map<string, Rating>();
    const sides = sidesOf(result.players);
    if (result.ranked && sides.filter((side) => side.members.some((member) => before.has(member.playerId))).length >= 2) {
      // A player without an account plays at a newcomer's rating; only accounts keep theirs.
      const rated = rate(
        sides.map((side) => side.members.map((member) => before.get(member.playerId) ?? newRating())),
        sides.map((side) => side.place),
      );
      sides.forEach((side, s) => {
        side.members.forEach((member, m) => {
          if (before.has(member.playerId)) after.set(member.playerId, rated[s]![m]!);
        });
      });
    }

    for (const player of result.players) {
      const outcome = outcomeOf(player, result.players);
      const old = before.get(player.playerId);
      const updated = after.get(player.playerId);
      await trx
        .insertInto("match_players")
        .values({
          match_id: result.matchId,
          player_id: player.playerId,
          name: player.name,
          team: player.team,
          place: player.place,
          result: outcome,
          forfeited: player.forfeited ? 1 : 0,
          mu_before: updated !== undefined ? (old?.mu ?? null) : null,
          sigma_before: updated !== undefined ? (old?.sigma ?? null) : null,
          mu_after: updated?.mu ?? null,
          sigma_after: updated?.sigma ?? null,
        })
        .execute();
      if (updated === undefined) continue;
      await trx
        .updateTable("ratings")
        .set((eb) => ({
          mu: updated.mu,
          sigma: updated.sigma,
          ordinal: ordinal(updated),
          played: eb("played", "+", 1),
          wins: eb("wins", "+", outcome === "win" ? 1 : 0),
          losses: eb("losses", "+", outcome === "loss" ? 1 : 0),
          draws: eb("draws", "+", outcome === "draw" ? 1 : 0),
          updated_at: now,
        }))
        .where("account_id", "=", player.playerId)
        .where("game", "=", result.game)
        .execute();
    }
    return "recorded";
  });
}

/**
 * One entry per player id: the same account seated twice in one match (two tabs queued at
 * once, before the queue refused that) is recorded once, at its better place, and never
 * rated against itself.
 */
function onePerPlayer(result: MatchResult): MatchResult {
  const byId = new Map<string, MatchPlayer>();
  for (const player of result.players) {
    const seen = byId.get(player.playerId);
    if (seen === undefined || player.place < seen.place) byId.set(player.playerId, player);
  }
  return byId.size === result.players.length ? result : { ...result, players: [...byId.values()] };
}

/**
 * The current ratings of the match's players who hold a (live) account, their rows created
 * at a newcomer's rating if missing and, where row locks exist, locked until the commit.
 */
async function ratingsFor(trx: Transaction<Database>, rowLocks: boolean, result: MatchResult): Promise<Map<string, Rating>> {
  const ids = [...new Set(result.players.map((player) => player.playerId))].sort();
  if (ids.length === 0) return new Map();
  const accounts = await trx.selectFrom("accounts").select("id").where("id", "in", ids).where("deleted_at", "is", null).orderBy("id").execute();
  if (accounts.length === 0) return new Map();
  const fresh = newRating();
  await trx
    .insertInto("ratings")
    .values(
      accounts.map(({ id }) => ({
        account_id: id,
        game: result.game,
        mu: fresh.mu,
        sigma: fresh.sigma,
        ordinal: ordinal(fresh),
        played: 0,
        wins: 0,
        losses: 0,
        draws: 0,
        updated_at: result.endedAt,
      })),
    )
    .onConflict((conflict) => conflict.columns(["account_id", "game"]).doNothing())
    .execute();
  const query = trx
    .selectFrom("ratings")
    .select(["account_id", "mu", "sigma"])
    .where("game", "=", result.game)
    .where(
      "account_id",
      "in",
      accounts.map(({ id }) => id),
    )
    .orderBy("account_id");
  const rows = await (rowLocks ? query.forUpdate() : query).execute();
  return new Map(rows.map((row) => [row.account_id, { mu: row.mu, sigma: row.sigma }]));
}

/** A player's rating in one game, as shown: the mean (what matchmaking pairs on), the uncertainty, the record. */
export interface ShownRating {
  readonly game: string;
  readonly rating: number;
  readonly uncertainty: number;
  /** mu - 3 sigma: the leaderboard's order. */
  readonly score: number;
  readonly played: number;
  readonly wins: number;
  readonly losses: number;
  readonly draws: number;
}

export interface LeaderboardEntry extends ShownRating {
  /** 1-based position on the board. */
  readonly rank: number;
  readonly playerId: string;
  readonly name: string;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

function shown(row: { game: string; mu: number; sigma: number; ordinal: number; played: number; wins: number; losses: number; draws: number }): ShownRating {
  return {
    game: row.game,
    rating: round1(row.mu),
    uncertainty: round1(row.sigma),
    score: round1(row.ordinal),
    played: row.played,
    wins: row.wins,
    losses: row.losses,
    draws: row.draws,
  };
}

function boardQuery(db: Kysely<Database>, game: string) {
  return db
    .selectFrom("ratings")
    .innerJoin("accounts", "accounts.id", "ratings.account_id")
    .where("ratings.game", "=", game)
    .where("accounts.deleted_at", "is", null)
    .where("ratings.played", ">", 0);
}

/** One page of a game's leaderboard, best first (ties by player id, so pages never overlap). */
export async function leaderboard(store: Store, game: string, page: { offset: number; limit: number }): Promise<LeaderboardEntry[]> {
  const rows = await boardQuery(store.db, game)
    .select([
      "ratings.account_id as playerId",
      "accounts.name as name",
      "ratings.game as game",
      "ratings.mu as mu",
      "ratings.sigma as sigma",
      "ratings.ordinal as ordinal",
      "ratings.played as played",
      "ratings.wins as wins",
      "ratings.losses as losses",
      "ratings.draws as draws",
    ])
    .orderBy("ratings.ordinal", "desc")
    .orderBy("ratings.account_id")
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  return rows.map((row, i) => ({ ...shown(row), rank: page.offset + i + 1, playerId: row.playerId, name: row.name }));
}

/** How many players are on a game's board. */
export async function leaderboardSize(store: Store, game: string): Promise<number> {
  const row = await boardQuery(store.db, game)
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Where a player stands on a game's board (0-based offset), or undefined if not on it. */
export async function positionOf(store: Store, game: string, playerId: string): Promise<number | undefined> {
  const mine = await boardQuery(store.db, game).select("ratings.ordinal as ordinal").where("ratings.account_id", "=", playerId).executeTakeFirst();
  if (mine === undefined) return undefined;
  const ahead = await boardQuery(store.db, game)
    .where((eb) =>
      eb.or([eb("ratings.ordinal", ">", mine.ordinal), eb.and([eb("ratings.ordinal", "=", mine.ordinal), eb("ratings.account_id", "<", playerId)])]),
    )
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirst();
  return Number(ahead?.count ?? 0);
}

/** A player's rating per game they have played. */
export async function ratingsOf(store: Store, playerId: string): Promise<ShownRating[]> {
  const rows = await store.db
    .selectFrom("ratings")
    .select(["game", "mu", "sigma", "ordinal", "played", "wins", "losses", "draws"])
    .where("account_id", "=", playerId)
    .where("played", ">", 0)
    .orderBy("game")
    .execute();
  return rows.map(shown);
}

/** One match in a player's history, from their side. */
export interface HistoryEntry {
  readonly matchId: string;
  readonly game: string;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly ranked: boolean;
  readonly result: Outcome;
  readonly place: number;
  readonly team: number;
  readonly forfeited: boolean;
  /** The rating's change (undefined when the match did not rate this player). */
  readonly ratingChange: number | undefined;
  readonly ratingAfter: number | undefined;
  /** Everyone in it: names, teams, places. */
  readonly players: ReadonlyArray<{
    readonly playerId: string;
    readonly name: string;
    readonly team: number;
    readonly place: number;
    readonly result: Outcome;
  }>;
  /** Set once the match has a recording. */
  readonly replayId: string | null;
}

/** A player's matches, newest first; `before` (an `endedAt` of the last page) continues a listing. */
export async function historyOf(store: Store, playerId: string, page: { before?: number | undefined; limit: number }): Promise<HistoryEntry[]> {
  let query = store.db
    .selectFrom("match_players as me")
    .innerJoin("matches", "matches.id", "me.match_id")
    // A match's replay is its recording, kept under the match's id.
    .leftJoin("recordings", "recordings.match_id", "matches.id")
    .select([
      "matches.id as matchId",
      "matches.game as game",
      "matches.ended_at as endedAt",
      "matches.duration_ms as durationMs",
      "matches.ranked as ranked",
      "recordings.match_id as replayId",
      "me.result as result",
      "me.place as place",
      "me.team as team",
      "me.forfeited as forfeited",
      "me.mu_before as muBefore",
      "me.mu_after as muAfter",
    ])
    .where("me.player_id", "=", playerId);
  if (page.before !== undefined) query = query.where("matches.ended_at", "<", page.before);
  const matches = await query.orderBy("matches.ended_at", "desc").orderBy("matches.id", "desc").limit(page.limit).execute();
  if (matches.length === 0) return [];
  const everyone = await store.db
    .selectFrom("match_players")
    .select(["match_id", "player_id", "name", "team", "place", "result"])
    .where(
      "match_id",
      "in",
      matches.map((match) => match.matchId),
    )
    .orderBy("place")
    .orderBy("player_id")
    .execute();
  return matches.map((match) => ({
    matchId: match.matchId,
    game: match.game,
    endedAt: match.endedAt,
    durationMs: match.durationMs,
    ranked: match.ranked === 1,
    result: match.result as Outcome,
    place: match.place,
    team: match.team,
    forfeited: match.forfeited === 1,
    ratingChange: match.muAfter !== null && match.muBefore !== null ? round1(match.muAfter - match.muBefore) : undefined,
    ratingAfter: match.muAfter !== null ? round1(match.muAfter) : undefined,
    players: everyone
      .filter((row) => row.match_id === match.matchId)
      .map((row) => ({ playerId: row.player_id, name: row.name, team: row.team, place: row.place, result: row.result as Outcome })),
    replayId: match.replayId,
  }));
}
