import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { Client, type Room } from "@colyseus/sdk";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import type { TickroomServer } from "../../server/app.config.ts";
import type { Health } from "../../server/health.ts";
import { CloseCode } from "../../shared/errors.ts";
import { runServerToExit, type ServerProcess, startServerProcess } from "../../tools/serverProcess.ts";
import { closed, untilState } from "../support/harness.ts";
import { playTopRowWin } from "../support/ticTacToe.ts";

describe("server entry point, end to end", () => {
  let server: ServerProcess;
  let client: Client<TickroomServer>;
  before(async () => {
    server = await startServerProcess({ SHUTDOWN_TIMEOUT_SECONDS: "5" });
    client = new Client<TickroomServer>(`ws://127.0.0.1:${server.port}`);
  });
  after(() => {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
  });

  it("says where it listens: the page, metrics and health, as addresses to click", () => {
    const base = `http://127.0.0.1:${server.port}`;
    assert.match(server.output(), new RegExp(`^tickroom listening on ${base}/ `, "m"));
    assert.match(server.output(), new RegExp(`metrics +${base}/metrics$`, "m"));
    assert.match(server.output(), new RegExp(`health +${base}/health$`, "m"));
    assert.doesNotMatch(server.output(), /monitor/, "dev tools are off here");
  });

  it("a second server on a port in use exits 1 with one line, no stack and no hang", async () => {
    const second = await runServerToExit({ PORT: String(server.port) });
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `tickroom: port ${server.port} is in use; set PORT\n`);
  });

  it("a bad configuration exits 1 with one block naming each variable and its value, no stack", async () => {
    const bad = await runServerToExit({ PORT: "abc", WS_MAX_PAYLOAD_BYTES: "1", METRICS_TOKEN: "short" });
    assert.equal(bad.code, 1);
    const lines = bad.stderr.trimEnd().split("\n");
    assert.equal(lines[0], "tickroom: invalid configuration:");
    assert.deepEqual(
      lines.slice(1, -1).map((line) => line.replace(/:.*/, "")),
      ['  PORT="abc"', '  WS_MAX_PAYLOAD_BYTES="1"', "  METRICS_TOKEN (hidden)"],
    );
    assert.doesNotMatch(bad.stderr, /^\s+at /m, "no stack");
  });

  it("answers /health with status, rooms, clients and uptime", async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/health`);
    assert.equal(response.status, 200);
    const health = (await response.json()) as Health;
    assert.equal(health.status, "ok");
    assert.equal(typeof health.rooms, "number");
    assert.equal(typeof health.clients, "number");
    assert.ok(health.uptimeSeconds >= 0);
  });

  it("plays a whole tic-tac-toe game over WebSocket with the SDK", async () => {
    const x: Room<unknown, TicTacToeState> = await client.joinOrCreate("tictactoe", {});
    const o: Room<unknown, TicTacToeState> = await client.joinOrCreate("tictactoe", {});
    assert.equal(x.roomId, o.roomId);
    await untilState(x, (s) => s.status === "playing" && s.currentTurn === x.sessionId);
    const final = await playTopRowWin(x, o);
    assert.equal(final.winner, x.sessionId);

    const health = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as Health;
    assert.ok(health.rooms >= 1 && health.clients >= 2, JSON.stringify(health));
    await Promise.all([x.leave(), o.leave()]);
  });

  it("shuts down gracefully on SIGTERM: clients are told (4001) and the process exits 0", async () => {
    const chat = await client.joinOrCreate("chat", { name: "last" });
    const arena = await client.joinOrCreate("arena", { name: "last" });
    await untilState(arena, (s) => s.players.size === 1);
    const chatClosed = closed(chat, 10_000);
    const arenaClosed = closed(arena, 10_000);
    const exited = once(server.child, "exit");
    server.child.kill("SIGTERM");
    assert.equal(await chatClosed, CloseCode.SERVER_SHUTDOWN);
    // Clients are told only once the drain began: from then on no new room or seat. Either
    // matchmaking answers 503 or the port is already closed.
    const late = await fetch(`http://127.0.0.1:${server.port}/matchmake/joinOrCreate/tictactoe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    }).then(
      (response) => response.status,
      () => "refused",
    );
    assert.ok(late === 503 || late === "refused", `a join during the drain got ${late}`);
    assert.equal(await arenaClosed, CloseCode.SERVER_SHUTDOWN);
    const [code] = await exited;
    // Exit 0, not the shutdown timer's exit 1: the drain finished within SHUTDOWN_TIMEOUT_SECONDS.
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /SIGTERM received/);
    assert.match(server.output(), /all rooms disposed/);
  });
});
