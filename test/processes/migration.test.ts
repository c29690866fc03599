import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, type Room, type SeatReservation } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { joinByCode } from "../../client/joinByCode.ts";
import type { ArenaState } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { MIGRATION_KEYS } from "../../server/migration.ts";
import { CloseCode } from "../../shared/errors.ts";
import { redisAnswers } from "../../tools/redisCommand.ts";
import { freePort, type ServerProcess, startServerProcess } from "../../tools/serverProcess.ts";
import { allowQuickReconnect, nextMessage, untilState } from "../support/harness.ts";

/**
 * `npm run start:cluster` as players meet it: the router in front of two processes on a real
 * Redis. A rolling restart (SIGHUP) moves every room twice over and no one notices but a
 * freeze; a SIGKILLed process's rooms come back from their checkpoints. Each client is a
 * real SDK client that only ever knew the router's address.
 */
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const DATABASE = 9;
const redisUrl = `redis://${REDIS.host}/${DATABASE}`;

const available = await redisAnswers(REDIS.href);
if (!available && process.env.CI === "true") throw new Error(`Redis does not answer at ${REDIS.host}: under CI=true this is a failure.`);

/** Poll the launcher's output (or anything else without an event) until `predicate` holds. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a client went through: its drops (close codes) and whether it left for good. */
interface Watched {
  readonly drops: number[];
  left: number | undefined;
}

function watch(room: Room): Watched {
  allowQuickReconnect(room);
  const watched: Watched = { drops: [], left: undefined };
  room.onDrop((code: number) => watched.drops.push(code));
  room.onLeave((code: number) => {
    watched.left = code;
  });
  return watched;
}

describe("a cluster behind its router", { skip: !available && "no Redis" }, () => {
  let launcher: ServerProcess;
  let redis: Redis;
  let client: Client;
  let httpUrl: string;

  before(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    const port = await freePort();
    launcher = await startServerProcess(
      {
        PORT: String(port),
        REDIS_URL: redisUrl,
        CLUSTER_PROCESSES: "2",
        FAILOVER_DETECT_SECONDS: "1.5",
        SHUTDOWN_TIMEOUT_SECONDS: "5",
        RECONNECTION_WINDOW_SECONDS: "20",
      },
      90_000,
      ["server/cluster.ts"],
    );
    await until(() => (launcher.output().match(/tickroom: process \S+ on Redis/g) ?? []).length >= 2, "both processes", 90_000);
    client = new Client(`ws://127.0.0.1:${launcher.port}`);
    httpUrl = `http://127.0.0.1:${launcher.port}`;
  });

  after(async () => {
    await launcher?.stop(20_000);
    await redis?.flushdb();
    redis?.disconnect();
  });

  it("keeps every match through a rolling restart of both processes: boards, scores, seats, spectators, join codes, pending seats and listings", async () => {
    // A private tic-tac-toe game joined by its code, with a spectator; X has played.
    const a = await client.create<TicTacToeState>("tictactoe", { private: true });
    const { code } = await nextMessage<{ code: string }>(a, "joinCode");
    const b = (await joinByCode(client, code)) as Room<unknown, TicTacToeState>;
    const spectator = await client.joinById<TicTacToeState>(a.roomId, { spectator: true });
    await untilState(a, (state) => state.status === "playing");
    const x = a.state.currentTurn === a.sessionId ? a : b;
    const o = x === a ? b : a;
    x.send("move", { index: 4 });
    await untilState(spectator, (state) => state.board[4] !== 0);

    // Two arena players, and a seat matchmaking reserved for a third who has not come yet.
    const p1 = await client.joinOrCreate<ArenaState>("arena", {});
    const p2 = await client.joinById<ArenaState>(p1.roomId, {});
    await untilState(p1, (state) => state.players.size === 2);
    const pending = (await (
      await fetch(`${httpUrl}/matchmake/joinById/${p1.roomId}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    ).json()) as SeatReservation;
    assert.equal(pending.roomId, p1.roomId);

    // Someone in the ranked queue: a room type that cannot move (its tickets live in it).
    const queued = await client.joinOrCreate("queue", { game: "arena" });

    const watched = new Map<Room, Watched>([a, b, spectator, p1, p2].map((room) => [room, watch(room)]));
    const queueWatch = watch(queued);
    const boardBefore = JSON.stringify(a.state.toJSON());
    const arenaBefore = (room: Room<unknown, ArenaState>): string =>
      JSON.stringify([...room.state.players.entries()].map(([id, player]) => [id, player.name, player.score, player.slot, player.team]));
    const scoresBefore = arenaBefore(p1);

    const restarted = launcher.output().length;
    launcher.child.kill("SIGHUP");
    await until(() => launcher.output().slice(restarted).includes("rolling restart done"), "the rolling restart", 90_000);
    // Both processes are new: every room moved at least once. Wait for everyone to be back.
    await until(() => [...watched.values()].every((seen) => seen.drops.length > 0), "every client's move", 10_000);
    for (const room of watched.keys()) await until(() => room.connection.isOpen, "the reconnections", 10_000);

    for (const [room, seen] of watched) {
      assert.equal(seen.left, undefined, `${room.sessionId} never left`);
      assert.ok(
        seen.drops.every((code) => code === CloseCode.MAY_TRY_RECONNECT),
        `moved, not dropped: ${seen.drops.join(",")}`,
      );
    }
    assert.equal(JSON.stringify(a.state.toJSON()), boardBefore, "the board as it was");
    assert.equal(arenaBefore(p1), scoresBefore, "the arena's players and scores as they were");

    // Play goes on in the moved rooms.
    o.send("move", { index: 0 });
    await untilState(spectator, (state) => state.board[0] !== 0, "the next move, seen by the spectator");
    assert.equal(spectator.state.currentTurn, x.sessionId);

    // The pending seat is still there for its player, in the same room.
    const third = await client.consumeSeatReservation<ArenaState>(pending);
    assert.equal(third.roomId, p1.roomId);
    await untilState(p1, (state) => state.players.has(third.sessionId), "the third arena player");

    // The code still finds the game; the lobby still lists the arena.
    const viaCode = await fetch(`${httpUrl}/join-code/${code}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"spectator":true}',
    });
    assert.equal(((await viaCode.json()) as SeatReservation).roomId, a.roomId);
    const lobby = await client.joinOrCreate("lobby");
    const listed = await nextMessage<{ roomId: string }[]>(lobby, "rooms");
    assert.ok(
      listed.some((room) => room.roomId === p1.roomId),
      "the arena is listed",
    );

    // The queue could not move: its player was closed the old way once its process drained.
    assert.equal(queueWatch.left, CloseCode.SERVER_SHUTDOWN);
    assert.match(launcher.output().slice(restarted), /room\(s\) moved to \d+ peer\(s\), 0 failed to move, [1-9]\d* left to finish here/);
    await Promise.all([a, b, spectator, p1, p2, third, lobby].map((room) => room.leave()));
  });

  it("brings a killed process's rooms back from their last checkpoint", async () => {
    const a = await client.create<TicTacToeState>("tictactoe", {});
    const b = await client.joinById<TicTacToeState>(a.roomId, {});
    const watchedA = watch(a);
    const watchedB = watch(b);
    await untilState(a, (state) => state.status === "playing");
    const x = a.state.currentTurn === a.sessionId ? a : b;
    const o = x === a ? b : a;
    x.send("move", { index: 4 });
    await untilState(a, (state) => state.board[4] !== 0);

    // Which process hosts it, and its checkpoint with the move in it.
    const listing = JSON.parse((await redis.hget("roomcaches", a.roomId)) ?? "{}") as { processId: string };
    await until(
      async () => {
        const text = await redis.hget(MIGRATION_KEYS.checkpoints(listing.processId), a.roomId);
        return text !== null && (JSON.parse(text) as { state: { board: number[] } }).state.board[4] !== 0;
      },
      "a checkpoint with the move",
      10_000,
    );
    const output = launcher.output();
    const port = [...output.matchAll(/\[(\d+)\] tickroom: process (\S+) on Redis/g)].find((match) => match[2] === listing.processId)?.[1];
    const pid = [...output.matchAll(/process on port (\d+) is pid (\d+)/g)].filter((match) => match[1] === port).at(-1)?.[2];
    assert.ok(pid !== undefined, `the pid of process ${listing.processId}`);
    process.kill(Number(pid), "SIGKILL");

    await until(() => watchedA.drops.length > 0 && watchedB.drops.length > 0, "the drops", 10_000);
    await until(() => a.connection.isOpen && b.connection.isOpen, "both players back", 20_000);
    assert.equal(watchedA.left, undefined);
    assert.equal(watchedB.left, undefined);
    assert.equal(a.state.board[4], x === a ? 1 : 2, "the checkpointed move survived");
    assert.match(launcher.output(), new RegExp(`adopted room ${a.roomId} of dead process ${listing.processId}`));

    o.send("move", { index: 8 });
    await untilState(x, (state) => state.board[8] !== 0, "the next move in the adopted room");
    await Promise.all([a.leave(), b.leave()]);
  });
});
