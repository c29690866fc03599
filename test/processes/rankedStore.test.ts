import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import { enterQueue } from "../../client/queue.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { startTestServer, type TestServer, untilState } from "../support/harness.ts";
import { type PrivatePostgres, startPrivatePostgres } from "../support/privatePostgres.ts";
import { freshEmbeddedStore } from "../support/stores.ts";
import { playTopRowWin } from "../support/ticTacToe.ts";

interface Player {
  readonly id: string;
  readonly name: string;
  readonly token: string;
}

async function signIn(server: TestServer, name: string): Promise<Player> {
  const response = await fetch(`${server.httpUrl}/auth/guest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { id: string; token: string };
  return { id: body.id, name, token: body.token };
}

/** Both players queue for tic-tac-toe and land in one match; returns their rooms, X first. */
async function rankedMatch(server: TestServer, a: Player, b: Player): Promise<[Room<unknown, TicTacToeState>, Room<unknown, TicTacToeState>]> {
  const tickets = await Promise.all(
    [a, b].map((player) => {
      const client = server.client();
      client.auth.token = player.token;
      return enterQueue(client, { game: "tictactoe" });
    }),
  );
  const rooms = (await Promise.all(tickets.map((ticket) => ticket.match))).map(({ room }) => room as Room<unknown, TicTacToeState>);
  const [first, second] = rooms as [Room<unknown, TicTacToeState>, Room<unknown, TicTacToeState>];
  assert.equal(first.roomId, second.roomId, "one match");
  const state = await untilState(first, (s) => s.status === "playing");
  return state.currentTurn === first.sessionId ? [first, second] : [second, first];
}

interface Profile {
  readonly ratings: ReadonlyArray<{ game: string; rating: number; played: number; wins: number; losses: number }>;
  readonly recent: ReadonlyArray<{ matchId: string; result: string; ratingChange?: number }>;
}

async function profile(server: TestServer, id: string): Promise<{ status: number; body: Profile }> {
  const response = await fetch(`${server.httpUrl}/players/${id}`);
  return { status: response.status, body: (await response.json()) as Profile };
}

/** Poll the profile until a recorded match shows (the outbox records it a moment after the end). */
async function rated(server: TestServer, id: string, ms = 10_000): Promise<Profile> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { status, body } = await profile(server, id);
    if (status === 200 && body.ratings.some((rating) => rating.game === "tictactoe" && rating.played > 0)) return body;
    if (Date.now() > deadline) throw new Error(`${id} was not rated within ${ms} ms (last answer ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a ranked match, persisted", () => {
  describe("on the embedded store", () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ STORE_ENABLED: "true" });
    });
    after(async () => {
      await server?.close();
    });

    it("ends with a result that moves both ratings, shows in both histories and on the leaderboard", async () => {
      const [ada, bob] = [await signIn(server, "Ada"), await signIn(server, "Bob")];
      const [x, o] = await rankedMatch(server, ada, bob);
      const names = (await untilState(x, (s) => s.names.size === 2, "both named")).names;
      const winner = names.get(x.sessionId) === ada.name ? ada : bob;
      await playTopRowWin(x, o);
      await untilState(x, (s) => s.status === "finished", "the game is over for X too");
      const loser = winner === ada ? bob : ada;
      const won = await rated(server, winner.id);
      const lost = await rated(server, loser.id);
      assert.ok(won.ratings[0]!.rating > 1000 && lost.ratings[0]!.rating < 1000);
      assert.equal(won.recent[0]?.matchId, `${x.roomId}:1`);
      assert.equal(won.recent[0]?.result, "win");
      assert.ok((won.recent[0]?.ratingChange ?? 0) > 0);
      assert.equal(lost.recent[0]?.result, "loss");
      const board = (await (await fetch(`${server.httpUrl}/leaderboards/tictactoe`)).json()) as { entries: Array<{ playerId: string }> };
      assert.deepEqual(
        board.entries.map((entry) => entry.playerId),
        [winner.id, loser.id],
      );
      await Promise.all([x.leave(), o.leave()]);
    });
  });

  describe("cut short by a server shutdown", () => {
    it("is not reported: a deploy is nobody's forfeit", async () => {
      const opened = await freshEmbeddedStore();
      try {
        const server = await startTestServer(
          { STORE_ENABLED: "true", DATA_DIR: opened.settings.kind === "off" ? "" : opened.settings.dataDir },
          { store: opened.store },
        );
        const [ada, bob] = [await signIn(server, "Ada"), await signIn(server, "Bob")];
        const [x, o] = await rankedMatch(server, ada, bob);
        x.send("move", { index: 0 });
        await untilState(o, (s) => s.board.some((cell) => cell !== 0), "a move made");
        // The path SIGTERM takes (Colyseus's graceful shutdown), not the harness's clean-up.
        await server.colyseus.shutdown();
        const matches = await opened.store.db.selectFrom("matches").select("id").execute();
        assert.deepEqual(matches, [], "no match recorded");
        const outbox = opened.settings.kind === "off" ? [] : await readdir(join(opened.settings.dataDir, "outbox")).catch(() => []);
        assert.deepEqual(outbox, [], "nothing kept to record later either");
      } finally {
        await opened.dispose();
      }
    });
  });

  describe("with its PostgreSQL stopped mid-match", () => {
    let postgres: PrivatePostgres;
    let server: TestServer;
    before(async () => {
      postgres = await startPrivatePostgres();
      server = await startTestServer({ STORE_ENABLED: "true", DATABASE_URL: postgres.url });
    });
    after(async () => {
      await server?.close();
      await postgres?.destroy();
    });

    it("ends normally for its players, and is rated once the database is back", async () => {
      const [ada, bob] = [await signIn(server, "Ada"), await signIn(server, "Bob")];
      const [x, o] = await rankedMatch(server, ada, bob);
      await postgres.stop();
      await playTopRowWin(x, o);
      await untilState(x, (s) => s.status === "finished", "the game is over for X too");
      // The players saw their game end; the store cannot be read meanwhile (503, not a hang).
      assert.equal((await profile(server, ada.id)).status, 503);
      await postgres.start();
      const [first, second] = [await rated(server, ada.id, 20_000), await rated(server, bob.id, 20_000)];
      assert.equal(first.ratings[0]!.played + second.ratings[0]!.played, 2, "rated once each");
      assert.equal(first.recent.length, 1);
      await Promise.all([x.leave(), o.leave()]);
    });
  });
});
