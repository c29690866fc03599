import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { Client, type Room } from "@colyseus/sdk";
import { joinByCode } from "../../client/joinByCode.ts";
import type { ArenaState } from "../../schema/ArenaState.ts";
import { ArenaInput } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { freePort, type ServerProcess, startServerProcess } from "../../tools/serverProcess.ts";
import { eventually, nextMessage, untilState } from "../support/harness.ts";
import { startRedis, stopProcess } from "../support/privateRedis.ts";

/** A matchmaking call that either answers or, past a generous bound, counts as hanging. */
async function matchmake(server: ServerProcess, method: string, room: string, body: object = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${server.port}/matchmake/${method}/${room}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(8000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Two processes on a Redis this test owns, live matches on both, and Redis taken away:
 * first hung (SIGSTOP, no event fires, the socket stays open), then killed and replaced
 * by an empty one after longer than ioredis retries a command (about 10.5 s). Running
 * matches must go on, matchmaking must answer 503 instead of hanging, and everything must
 * work again for old and new rooms once Redis is back, even empty. No process may crash.
 */
describe("a Redis outage under two processes", () => {
  let redisPort: number;
  let redis: ChildProcess;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: Room[] = [];
  const client = (server: ServerProcess) => new Client(`ws://127.0.0.1:${server.port}`);

  before(async () => {
    ({ process: redis, port: redisPort } = await startRedis());
    const start = async () => {
      const port = await freePort();
      return startServerProcess({
        PORT: String(port),
        PUBLIC_ADDRESS: `127.0.0.1:${port}`,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PROCESS_CHECK_INTERVAL_SECONDS: "2",
      });
    };
    [a, b] = await Promise.all([start(), start()]);
  });

  after(async () => {
    await Promise.all(clients.map((room) => room.leave().catch(() => undefined)));
    await Promise.all([a?.stop(), b?.stop()]);
    if (redis !== undefined) await stopProcess(redis, "SIGKILL");
  });

  it("keeps matches playing, answers 503 meanwhile, and recovers old and new rooms after a hang and after an empty restart", async () => {
    // Live matches: an arena with a player sending inputs, a tic-tac-toe game under way, a
    // private room with a join code and a tic-tac-toe room waiting for its second player.
    const runner = await client(a).joinOrCreate<ArenaState>("arena", { name: "runner" });
    const x = await client(a).create<TicTacToeState>("tictactoe", {});
    const oRoom = await client(b).joinById<TicTacToeState>(x.roomId, {});
    const host = await client(b).create("tictactoe", { private: true });
    const { code } = await nextMessage<{ code: string }>(host, "joinCode");
    const waiting = await client(a).create<TicTacToeState>("tictactoe", {});
    clients.push(runner, x, oRoom, host, waiting);
    await untilState(x, (s) => s.status === "playing", "the game started");
    const input = runner.input({ type: ArenaInput });
    const frames = setInterval(() => {
      input.data.x = 1;
      input.send();
    }, 50);

    const recovered = async (phase: string): Promise<void> => {
      // New rooms, old rooms by id and by code, filters and a fresh lobby, through either process.
      await untilAnswered(async () => (await matchmake(b, "create", "chat", { channel: `after-${phase}` })).status === 200, `${phase}: a new room`);
      // As a spectator: a player's seat reserved here and never taken would hold the room's
      // free player slot for the reservation's 15 s, and the last check wants that slot.
      await untilAnswered(
        async () => (await matchmake(b, "joinById", waiting.roomId, { spectator: true })).status === 200,
        `${phase}: an old room by id, through the other process`,
      );
      await untilAnswered(
        async () => (await joinByCode(client(a), code, { spectator: true }).then((room) => clients.push(room))) > 0,
        `${phase}: the old private room by its code`,
      );
      // A lobby learns of a republished room from its process's lobby update, which may
      // come after the listing itself is back (what the checks above waited for): follow
      // the lobby's "+" and "-" until both old rooms are listed.
      const lobby = await client(b).joinOrCreate("lobby", {});
      clients.push(lobby);
      const listed = new Set<string>();
      lobby.onMessage("+", ([roomId]: [string, unknown]) => listed.add(roomId));
      lobby.onMessage("-", (roomId: string) => listed.delete(roomId));
      for (const room of await nextMessage<Array<{ roomId: string }>>(lobby, "rooms")) listed.add(room.roomId);
      await eventually(() => listed.has(runner.roomId) && listed.has(waiting.roomId), `${phase}: the lobby lists the old rooms`, 10_000).catch(() =>
        assert.fail(`${phase}: the lobby lists the old rooms (${[...listed].join(", ")})`),
      );
    };

    try {
      // 1. A hang: Redis stops answering, its sockets stay open.
      redis.kill("SIGSTOP");
      const hung = await matchmake(a, "joinOrCreate", "chat", { channel: "during-hang" });
      assert.equal(hung.status, 503, JSON.stringify(hung.body));
      assert.match(String(hung.body.error), /unavailable/);
      await playsOn(runner, x, oRoom);
      redis.kill("SIGCONT");
      await recovered("hang");

      // 2. A restart that lost everything, after longer than ioredis retries a command.
      await stopProcess(redis, "SIGKILL");
      const refused = await matchmake(b, "joinOrCreate", "tictactoe", {});
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      const outageEnds = Date.now() + 11_000;
      while (Date.now() < outageEnds) await playsOn(runner, x, oRoom);
      redis = (await startRedis(redisPort)).process;
      await recovered("restart");
      // joinOrCreate finds the old waiting room instead of making a duplicate.
      const second = await client(b).joinOrCreate<TicTacToeState>("tictactoe", {});
      clients.push(second);
      assert.equal(second.roomId, waiting.roomId, "the old waiting room is found by its filters");
    } finally {
      clearInterval(frames);
      redis.kill("SIGCONT");
    }
    assert.equal(a.child.exitCode, null, "process A still running");
    assert.equal(b.child.exitCode, null, "process B still running");
  });
});

/** One round of play that needs no Redis: the arena steps and acknowledges inputs; a tic-tac-toe move reaches the opponent. */
async function playsOn(runner: Room<unknown, ArenaState>, x: Room<unknown, TicTacToeState>, o: Room<unknown, TicTacToeState>): Promise<void> {
  const tick = runner.state.tick;
  await untilState(runner, (s) => s.tick > tick + 30, "the arena keeps stepping");
  const mover = x.state.currentTurn === x.sessionId ? x : o;
  const other = mover === x ? o : x;
  if (x.state.status !== "playing") return;
  const free = [...mover.state.board].indexOf(0);
  const filled = [...mover.state.board].filter((cell) => cell !== 0).length;
  mover.send("move", { index: free });
  await untilState(other, (s) => s.board.filter((cell) => cell !== 0).length === filled + 1, "the move reaches the opponent");
}

/** Retry `attempt` until it succeeds; errors and refusals mean "not yet". */
async function untilAnswered(attempt: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await attempt()) return;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
