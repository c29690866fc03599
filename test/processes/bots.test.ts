import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { matchMaker } from "@colyseus/core";
import type { ChatRoom } from "../../rooms/ChatRoom.ts";
import type { PongRoom } from "../../rooms/PongRoom.ts";
import { PONG } from "../../rooms/pong/shapes.ts";
import { eventually, serverRoom, startTestServer, type TestServer } from "../support/harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Starting Node and compiling the bots takes a while on a busy machine. */
const STARTUP_MS = 60_000;

interface Bots {
  readonly process: ChildProcess;
  /** Everything the bots printed so far. */
  output(): string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Run a bot script with its output on a pipe, as in CI: the plain run, not @colyseus/loadtest's screen. */
function startBots(script: string, args: readonly string[]): Bots {
  const bots = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  bots.stdout.on("data", collect);
  bots.stderr.on("data", collect);
  return { process: bots, output: () => output, exited: once(bots, "exit") as Promise<[number | null, NodeJS.Signals | null]> };
}

function killLeftover(bots: Bots): void {
  if (bots.process.exitCode === null && bots.process.signalCode === null) bots.process.kill("SIGKILL");
}

/** Poll an asynchronous condition (an HTTP answer, a room lookup) until it holds. */
async function until(predicate: () => Promise<boolean>, what: string, ms = 4000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The ids of every room of this type on the test server (the bots': concurrent joins may have made more than one). */
async function roomIdsOf(name: string): Promise<string[]> {
  return (await matchMaker.query({ name })).map((room) => (room as { roomId: string }).roomId);
}

describe("load-test bots", () => {
  let server: TestServer;
  before(async () => {
    // The window a bot's seat would be held for if it vanished without leaving.
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "20" });
  });
  after(async () => {
    await server.close();
  });

  /** SIGINT the bots: every seat is freed at once (held seats count in the CCU too: 0 means every bot left for good), and the run exits 0. */
  async function stopAndExpectLeft(bots: Bots): Promise<void> {
    bots.process.kill("SIGINT");
    await eventually(() => matchMaker.stats.local.ccu === 0, "every seat freed", 2000);
    const [code] = await bots.exited;
    assert.equal(code, 0, bots.output());
  }

  it("stopped (SIGINT), leave their rooms (no seat held 2 s later) and print a summary, without a terminal's screen codes", async () => {
    const bots = startBots("loadtest/chat.ts", ["--room", "chat", "--numClients", "4", "--endpoint", `ws://127.0.0.1:${server.port}`]);
    try {
      await eventually(() => matchMaker.stats.local.ccu === 4, "four bots seated", STARTUP_MS);
      await stopAndExpectLeft(bots);
    } finally {
      killLeftover(bots);
    }
    const output = bots.output();
    assert.match(output, /^ {2}connections +4 ok, 0 failed \(of 4\)$/m);
    for (const line of ["joins per second", "patches", "patch delay", "RTT", "bytes", "errors"]) assert.match(output, new RegExp(`^ {2}${line} `, "m"), line);
    assert.ok(!output.includes("\u001b["), "no terminal escape codes");
  });

  it("the generic bot sends a message room type's declared messages, drawn from their schemas, and counts the refusals by code", async () => {
    const rateLimited = async (): Promise<number> => {
      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      return Number(/^tickroom_rejected_messages_total\{type="chat",reason="RATE_LIMITED"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    };
    const limitedBefore = await rateLimited();
    // 20 lines a second: past the chat's 5-line burst within the first second.
    const bots = startBots("loadtest/generic.ts", ["--room", "chat", "--numClients", "2", "--rate", "20", "--endpoint", `ws://127.0.0.1:${server.port}`]);
    try {
      await eventually(() => matchMaker.stats.local.ccu === 2, "two generic bots seated", STARTUP_MS);
      const botLine = async (): Promise<boolean> =>
        (await roomIdsOf("chat")).some((id) => serverRoom<ChatRoom>(id).state.messages.some((line) => /^bot-\d+$/.test(line.name) && line.text.length > 0));
      await until(botLine, "a bot's line in the chat history");
      await until(async () => (await rateLimited()) > limitedBefore, "a bot's line refused as RATE_LIMITED");
      await stopAndExpectLeft(bots);
    } finally {
      killLeftover(bots);
    }
    const output = bots.output();
    assert.match(output, /^generic bot: chat: 20 message\(s\) per second per bot, among say$/m);
    assert.match(output, /^ {2}connections +2 ok, 0 failed \(of 2\)$/m);
    // Counted by code in the summary, one line per code, never printed one by one.
    assert.match(output, /^ +\d+ x refused by the server: RATE_LIMITED$/m);
    assert.equal(output.match(/RATE_LIMITED/g)?.length, 1, output);
  });

  it("the generic bot sends a real-time room type's input frames at its tick rate, through the input channel", async () => {
    const bots = startBots("loadtest/generic.ts", ["--room", "pong", "--numClients", "2", "--endpoint", `ws://127.0.0.1:${server.port}`]);
    try {
      await eventually(() => matchMaker.stats.local.ccu === 2, "two generic bots seated", STARTUP_MS);
      // Paddles are seated centred and move only by their player's inputs.
      const moved = async (): Promise<boolean> =>
        (await roomIdsOf("pong")).flatMap((id) => [...serverRoom<PongRoom>(id).state.players.values()]).filter((paddle) => paddle.y !== PONG.height / 2)
          .length === 2;
      await until(moved, "both paddles moved by the bots' inputs");
      await stopAndExpectLeft(bots);
    } finally {
      killLeftover(bots);
    }
    const output = bots.output();
    assert.match(output, /^generic bot: pong is real-time: one input frame per tick at 60 Hz \(move: float32\)$/m);
    assert.match(output, /^ {2}connections +2 ok, 0 failed \(of 2\)$/m);
  });

  it("the generic bot names the known room types when asked for one the server does not declare", async () => {
    const bots = startBots("loadtest/generic.ts", ["--room", "nope", "--endpoint", `ws://127.0.0.1:${server.port}`]);
    try {
      const [code] = await bots.exited;
      assert.equal(code, 2);
    } finally {
      killLeftover(bots);
    }
    assert.equal(
      bots.output(),
      `generic bot: no room type "nope" at http://127.0.0.1:${server.port}; known types: chat, arena, tictactoe, queue, pong, replay\n`,
    );
  });

  it("in open loop, start bots at Poisson arrivals, end each after its drawn session, and report the traffic model", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "tickroom-bots-"));
    const file = path.join(directory, "summary.txt");
    const args = ["--room", "chat", "--arrivals", "5", "--session", "exponential:1", "--duration", "4", "--seed", "7", "--output", file];
    const bots = startBots("loadtest/generic.ts", [...args, "--endpoint", `ws://127.0.0.1:${server.port}`]);
    try {
      const [code] = await bots.exited;
      assert.equal(code, 0, bots.output());
      // The run left every room before it exited: nothing is held for reconnection.
      await eventually(() => matchMaker.stats.local.ccu === 0, "every seat freed", 2000);
      const output = bots.output();
      const summary = readFileSync(file, "utf8");
      assert.ok(output.includes(summary.trimEnd()), "the file holds the summary printed");
      // An arrival of the run's last moments may still be joining at the stop: it is left at once, and counted apart.
      const connections = /^ {2}connections +(\d+) ok, 0 failed(?:, (\d+) not joined by the stop)? \(of (\d+) arrivals\)$/m.exec(summary);
      assert.ok(connections !== null && Number(connections[1]) > 0 && Number(connections[1]) + Number(connections[2] ?? 0) === Number(connections[3]), summary);
      assert.match(summary, /^ {2}traffic model +open loop: Poisson arrivals at 5\/s \(\d+ arrived, [\d.]+\/s\), sessions exponential, mean 1 s, seed 7$/m);
      for (const [name, unit] of [
        ["set-up time", "ms"],
        ["transfer rate", "(?:B|KiB)/s"],
        ["session length", "s"],
      ] as const) {
        assert.match(summary, new RegExp(`^ {2}${name} +n \\d+[^:]*: p50 [\\d.]+ ${unit}, p90 [\\d.]+ ${unit}, p99 [\\d.]+ ${unit}$`, "m"), name);
      }
      assert.equal(summary.match(/^ +fit exponential: rate /gm)?.length, 3, summary);
      assert.equal(summary.match(/^ +fit Pareto: alpha /gm)?.length, 3, summary);
      assert.equal(summary.match(/^ +fits better: (?:exponential|Pareto) \(AIC /gm)?.length, 3, summary);
      assert.match(
        summary,
        /^ {2}CCU +mean [\d.]+ over the run, [\d.]+ over its second half; steady state by Little's law \(arrival rate x mean session\): 5\.00$/m,
      );
    } finally {
      killLeftover(bots);
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
