import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client, Room } from "@colyseus/sdk";
import { enterQueue } from "../../client/queue.ts";
import { RatingsById } from "../../rooms/base/ratings.ts";
import type { ArenaState } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { quietPeriod, startTestServer, type TestServer, untilState } from "../support/harness.ts";

/** Each player's rating, stored by the player id its guest token proves (what a rating store would do). */
const ratingByName = new Map([
  ["ann", 1000],
  ["bob", 1600],
  ["cid", 1020],
  ["dan", 1580],
  ["far", 2000],
  ["near", 1950],
  ["p1", 1200],
  ["p2", 1220],
  ["s1", 1190],
  ["s2", 1210],
]);
const ratingById = new Map<string, number>();
const ratings = new RatingsById(ratingById);
/** Guest token per player name, issued by the server under test. */
const tokens = new Map<string, string>();

describe("ranked queue", () => {
  let server: TestServer;
  before(async () => {
    // Widening fast enough for a test: 100 at once, +400 a second.
    server = await startTestServer({ QUEUE_BASE_GAP: "100", QUEUE_GAP_PER_SECOND: "400", QUEUE_ARENA_TEAM_SIZE: "2" }, { ratings });
    for (const [name, rating] of ratingByName) {
      const response = await fetch(`${server.httpUrl}/auth/guest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const guest = (await response.json()) as { token: string; id: string };
      tokens.set(name, guest.token);
      ratingById.set(guest.id, rating);
    }
  });
  after(async () => {
    await server.close();
  });

  function player(name: string): Client {
    const client = server.client();
    client.auth.token = tokens.get(name)!;
    return client;
  }

  it("pairs 1v1 tic-tac-toe by rating; every member gets a seat and joins the match", async () => {
    // A ranked match is full by its roster: no player is handed a join code to share (the
    // SDK warns of a message no handler takes, so a code sent would show here).
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(" "));
    };
    const tickets = await Promise.all(["ann", "bob", "cid", "dan"].map((name) => enterQueue(player(name), { game: "tictactoe" })));
    const matches = await Promise.all(tickets.map((t) => t.match)).catch((error: unknown) => {
      console.warn = warn;
      throw error;
    });
    const roomOf = (i: number) => matches[i]!.room.roomId;
    assert.equal(roomOf(0), roomOf(2), "ann (1000) plays cid (1020)");
    assert.equal(roomOf(1), roomOf(3), "bob (1600) plays dan (1580)");
    assert.notEqual(roomOf(0), roomOf(1));
    const game = matches[0]!.room as Room<unknown, TicTacToeState>;
    const state = await untilState(game, (s) => s.status === "playing");
    // Colyseus sends a joining client what the room sent it in onJoin (a code) right after its
    // first full state: a ping answered after that state arrived on every match room comes
    // after any code, in order on the same socket.
    await Promise.all(
      matches.map(async ({ room }) => {
        await untilState(room as Room<unknown, TicTacToeState>, (s) => s.status === "playing");
        await new Promise<void>((resolve) => room.ping(() => resolve()));
      }),
    );
    console.warn = warn;
    assert.equal(state.players.size, 2);
    assert.deepEqual(
      warnings.filter((line) => line.includes("joinCode")),
      [],
      "no join code offered in a ranked match",
    );
    // A ranked match is private: a stranger's joinOrCreate never lands in it.
    const stranger = await server.client().joinOrCreate("tictactoe", {});
    assert.ok(!matches.some((m) => m.room.roomId === stranger.roomId));
    await stranger.leave();
    await Promise.all(matches.map((m) => m.room.leave()));
  });

  it("matches distant ratings only after the accepted gap has widened", async () => {
    const [far, near] = await Promise.all([enterQueue(player("far"), { game: "tictactoe" }), enterQueue(player("near"), { game: "tictactoe" })]);
    const [a, b] = await Promise.all([far.match, near.match]);
    assert.equal(a.room.roomId, b.room.roomId);
    // Gap 50 is within the first 100: matched at once (how soon is the bench's business).
    await Promise.all([a.room.leave(), b.room.leave()]);

    const [x, y] = await Promise.all([enterQueue(player("ann"), { game: "tictactoe" }), enterQueue(player("far"), { game: "tictactoe" })]);
    let matched = false;
    void x.match.then(() => {
      matched = true;
    });
    await quietPeriod(1200);
    assert.equal(matched, false, "a 1000-point gap is not accepted after about a second (100 + 400/s)");
    const [mx, my] = await Promise.all([x.match, y.match]);
    assert.equal(mx.room.roomId, my.room.roomId, "...but is after about 2.5 s");
    await Promise.all([mx.room.leave(), my.room.leave()]);
  });

  it("puts a party in the same arena match, on the same team", async () => {
    const [p1, p2, s1, s2] = await Promise.all([
      enterQueue(player("p1"), { game: "arena", party: "friends", partySize: 2 }),
      enterQueue(player("p2"), { game: "arena", party: "friends", partySize: 2 }),
      enterQueue(player("s1"), { game: "arena" }),
      enterQueue(player("s2"), { game: "arena" }),
    ]);
    const seated = await Promise.all([p1, p2, s1, s2].map((t) => t.match));
    assert.equal(new Set(seated.map((m) => m.room.roomId)).size, 1, "one match");
    assert.equal(seated[0]!.team, seated[1]!.team, "the party shares a team");
    assert.notEqual(seated[2]!.team, seated[0]!.team, "the solos fill the other team");
    const arena = seated[0]!.room as Room<unknown, ArenaState>;
    const state = await untilState(arena, (s) => s.players.size === 4);
    assert.equal(state.mode, "teams");
    assert.equal(state.players.get(seated[0]!.room.sessionId)!.team, state.players.get(seated[1]!.room.sessionId)!.team);
    assert.notEqual(state.players.get(seated[2]!.room.sessionId)!.team, state.players.get(seated[0]!.room.sessionId)!.team);
    await Promise.all(seated.map((m) => m.room.leave()));
  });

  it("leaving the queue cancels the ticket", async () => {
    const quitter = await enterQueue(player("ann"), { game: "tictactoe" });
    const quitterMatch = quitter.match.catch((error: Error) => error);
    await quitter.cancel();
    assert.ok((await quitterMatch) instanceof Error, "the cancelled ticket never matches");
    const [a, b] = await Promise.all([enterQueue(player("cid"), { game: "tictactoe" }), enterQueue(player("ann"), { game: "tictactoe" })]);
    const [ma, mb] = await Promise.all([a.match, b.match]);
    assert.equal(ma.room.roomId, mb.room.roomId);
    const state = await untilState(ma.room as Room<unknown, TicTacToeState>, (s) => s.players.size === 2);
    assert.equal(state.players.size, 2, "nobody from the cancelled ticket was seated");
    await Promise.all([ma.room.leave(), mb.room.leave()]);
  });

  it("refuses a party larger than a team, and an unknown game (400)", async () => {
    await assert.rejects(server.client().joinOrCreate("queue", { game: "tictactoe", party: "big", partySize: 2 }), (e: { code?: number }) => e.code === 400);
    await assert.rejects(server.client().joinOrCreate("queue", { game: "chess" }), (e: { code?: number }) => e.code === 400);
  });
});
