import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MatchPlayer, MatchResult } from "../../rooms/base/results.ts";
import { historyOf, leaderboard, positionOf, ratingsOf, recordMatch } from "../../server/store/matchRecords.ts";
import type { Store } from "../../server/store/store.ts";
import { RATING_SCALE } from "../../server/store/wengLin.ts";
import { type OpenedStore, STORE_ENGINES } from "../support/stores.ts";

async function account(store: Store, id: string, name = id): Promise<void> {
  await store.db
    .insertInto("accounts")
    .values({ id, name, username_key: null, username: null, password_hash: null, created_at: 0, deleted_at: null })
    .execute();
}

let clock = 1_000_000;
/** A 1v1 result: `winner` first, `loser` second (or a draw). */
function duel(matchId: string, winner: string, loser: string, options: { draw?: boolean; forfeit?: boolean; game?: string } = {}): MatchResult {
  const players: MatchPlayer[] = [
    { playerId: winner, name: winner, team: 1, place: 1, forfeited: false },
    { playerId: loser, name: loser, team: 2, place: options.draw === true ? 1 : 2, forfeited: options.forfeit === true },
  ];
  clock += 60_000;
  return { matchId, game: options.game ?? "tictactoe", ranked: true, startedAt: clock - 30_000, endedAt: clock, players };
}

for (const engine of STORE_ENGINES) {
  describe(`match results on the ${engine.name} store`, () => {
    let opened: OpenedStore;
    let store: Store;
    before(async () => {
      opened = await engine.open();
      store = opened.store;
      for (const id of ["p-ada", "p-bob", "p-cid", "p-dan", "p-eve"]) await account(store, id, id.slice(2));
    });
    after(async () => {
      await opened?.dispose();
    });

    it("rates a win once, however often the same match is delivered", async () => {
      const result = duel("room1:1", "p-ada", "p-bob");
      assert.equal(await recordMatch(store, result), "recorded");
      assert.equal(await recordMatch(store, result), "duplicate");
      const [ada] = await ratingsOf(store, "p-ada");
      const [bob] = await ratingsOf(store, "p-bob");
      assert.ok(ada !== undefined && bob !== undefined);
      assert.equal(ada.played, 1);
      assert.equal(ada.wins, 1);
      assert.equal(bob.losses, 1);
      assert.ok(ada.rating > RATING_SCALE.mu && bob.rating < RATING_SCALE.mu);
      const rows = await store.db.selectFrom("match_players").select("player_id").where("match_id", "=", "room1:1").execute();
      assert.equal(rows.length, 2, "its players recorded once");
    });

    it("records a draw as a draw for both, and a leaver as a loss even against the odds", async () => {
      await recordMatch(store, duel("room2:1", "p-cid", "p-dan", { draw: true }));
      const [cid] = await ratingsOf(store, "p-cid");
      assert.equal(cid?.draws, 1);
      // Dan leaves a game he was winning: he loses, Cid wins.
      await recordMatch(store, { ...duel("room2:2", "p-cid", "p-dan", { forfeit: true }) });
      const [history] = await historyOf(store, "p-dan", { limit: 1 });
      assert.equal(history?.result, "loss");
      assert.equal(history?.forfeited, true);
      assert.ok(history?.ratingChange !== undefined && history.ratingChange < 0);
    });

    it("never rates a player without an account, nor a match with one rated side", async () => {
      await recordMatch(store, duel("room3:1", "p-eve", "anon:abcd"));
      assert.deepEqual(await ratingsOf(store, "p-eve"), [], "one account alone is not rated");
      const [match] = await historyOf(store, "p-eve", { limit: 1 });
      assert.equal(match?.result, "win");
      assert.equal(match?.ratingChange, undefined);
      assert.deepEqual(
        match?.players.map((player) => player.playerId),
        ["p-eve", "anon:abcd"],
      );
    });

    it("loses no update when matches of one player are recorded at once", async () => {
      const results = ["p-bob", "p-cid", "p-dan", "p-eve"].map((opponent, i) => duel(`burst:${i}`, "p-ada", opponent, { game: "pong" }));
      assert.deepEqual(await Promise.all(results.map((result) => recordMatch(store, result))), ["recorded", "recorded", "recorded", "recorded"]);
      const ada = (await ratingsOf(store, "p-ada")).find((rating) => rating.game === "pong");
      assert.equal(ada?.played, 4);
      // Each match started from the rating the one before it left: one unbroken chain.
      const steps = await store.db
        .selectFrom("match_players")
        .select(["mu_before", "mu_after"])
        .where("player_id", "=", "p-ada")
        .where("match_id", "like", "burst:%")
        .execute();
      let at: number = RATING_SCALE.mu;
      for (let i = 0; i < steps.length; i++) {
        const next = steps.find((step) => step.mu_before === at);
        assert.ok(next !== undefined, `a match starts from ${at}`);
        at = next.mu_after!;
      }
      assert.equal(Math.round(at * 10) / 10, ada?.rating);
    });

    it("ranks the leaderboard by score, pages it, finds a player on it, and lists history newest first", async () => {
      const board = await leaderboard(store, "tictactoe", { offset: 0, limit: 10 });
      assert.ok(board.length >= 4);
      for (let i = 1; i < board.length; i++) assert.ok(board[i - 1]!.score >= board[i]!.score, "best first");
      assert.deepEqual(
        board.map((entry) => entry.rank),
        board.map((_, i) => i + 1),
      );
      const second = await leaderboard(store, "tictactoe", { offset: 1, limit: 1 });
      assert.equal(second[0]?.playerId, board[1]?.playerId);
      const where = await positionOf(store, "tictactoe", board[2]!.playerId);
      assert.equal(where, 2);
      assert.equal(await positionOf(store, "tictactoe", "p-nobody"), undefined);
      const history = await historyOf(store, "p-cid", { limit: 10 });
      // Every game's matches, newest first (Cid also played Ada at pong, last).
      assert.deepEqual(
        history.map((match) => match.matchId),
        ["burst:1", "room2:2", "room2:1"],
      );
      const older = await historyOf(store, "p-cid", { limit: 10, before: history[1]!.endedAt });
      assert.deepEqual(
        older.map((match) => match.matchId),
        ["room2:1"],
      );
    });
  });
}
