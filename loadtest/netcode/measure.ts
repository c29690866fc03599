/**
 * Measure the arena netcode through the impairment proxy: prediction corrections (how
 * often, how far), RTT and jitter as clients see them, and how smooth interpolated remote
 * players are drawn. Starts its own server and proxy on loopback; bounded in time.
 *
 *   npm run netcode:measure -- [--seconds 10] [--players 6]
 *
 * Prints a Markdown table (docs/netcode.md quotes it).
 */
import { parseArgs } from "node:util";
import { Client } from "@colyseus/sdk";
import { type ArenaSession, arenaNetcode } from "../../client/arena.ts";
import { RealtimeSession } from "../../client/netcode.ts";
import { ARENA } from "../../rooms/arena/shapes.ts";
import type { ArenaInput } from "../../schema/ArenaState.ts";
import { startServerProcess } from "../../tools/serverProcess.ts";
import { ImpairmentProxy, type LinkImpairment } from "../impairment/ImpairmentProxy.ts";
import { ScriptedPlayer } from "./ScriptedPlayer.ts";

const { values } = parseArgs({ options: { seconds: { type: "string" }, players: { type: "string" }, interpolation: { type: "string" } } });
const seconds = Number(values.seconds ?? 10);
const playerCount = Number(values.players ?? 6);
const interpolation = values.interpolation === "damped" ? "damped" : "lerp";

interface Scenario {
  readonly name: string;
  readonly link: Partial<LinkImpairment>;
}

const scenarios: Scenario[] = [
  { name: "100 ms RTT, 20 ms jitter", link: { latencyMs: 50, jitterMs: 10 } },
  { name: "100 ms RTT, 20 ms jitter, stalls (0.5/s x 250 ms each way)", link: { latencyMs: 50, jitterMs: 10, stallsPerSecond: 0.5, stallMs: 250 } },
  { name: "200 ms RTT, 40 ms jitter", link: { latencyMs: 100, jitterMs: 20 } },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The server runs in its own process, as in production; this process is only the clients.
const server = await startServerProcess();
const serverPort = server.port;

const rows: string[] = [];
for (const scenario of scenarios) {
  const proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: serverPort }, up: scenario.link, down: scenario.link, seed: 3 });
  const port = await proxy.listen();
  const client = new Client(`ws://127.0.0.1:${port}`);
  const first = await client.create("arena", {});
  const sessions: ArenaSession[] = [await RealtimeSession.attach(first, arenaNetcode, { interpolation })];
  for (let i = 1; i < playerCount; i++) sessions.push(await RealtimeSession.attach(await client.joinById(first.roomId, {}), arenaNetcode, { interpolation }));

  // Every player wanders on its own curve; the first also watches the second, to
  // measure the largest per-frame step of an interpolated remote player.
  let largestDrawnStep = 0;
  let previousDrawn: { x: number; y: number } | undefined;
  const measureFrom = performance.now() + 1000;
  const watched = sessions[1]!.room.sessionId;
  const players = sessions.map(
    (session, index) =>
      new ScriptedPlayer<object, ArenaInput>(
        session as never,
        (input, step) => {
          input.x = Math.cos(step / (31 + index * 7));
          input.y = Math.sin(step / (23 + index * 5));
          input.angle = step / 40;
          input.fire = false;
        },
        index === 0
          ? () => {
              const remote = session.room.state.players.get(watched);
              if (remote === undefined) return;
              const drawn = { x: session.remoteValue(remote, "x"), y: session.remoteValue(remote, "y") };
              if (previousDrawn !== undefined && performance.now() > measureFrom) {
                largestDrawnStep = Math.max(largestDrawnStep, Math.hypot(drawn.x - previousDrawn.x, drawn.y - previousDrawn.y));
              }
              previousDrawn = drawn;
            }
          : undefined,
      ),
  );
  await sleep(seconds * 1000);
  for (const player of players) player.stop();
  await sleep(1500);
  for (const session of sessions) session.checkAcknowledgement();

  const stats = sessions.map((session) => session.stats());
  const sum = (pick: (s: (typeof stats)[number]) => number) => stats.reduce((total, s) => total + pick(s), 0);
  const corrections = sum((s) => s.corrections);
  const reconciliations = sum((s) => s.reconciliations);
  const max = Math.max(...stats.map((s) => s.maxCorrection));
  const mean = corrections === 0 ? 0 : sum((s) => s.totalCorrection) / corrections;
  const rtt = sum((s) => s.rttMs) / stats.length;
  const jitter = sum((s) => s.jitterMs) / stats.length;
  rows.push(
    `| ${scenario.name} | ${sum((s) => s.inputsSent)} | ${reconciliations} | ${corrections} (${(corrections / (playerCount * seconds)).toFixed(2)}/player/s) | ${mean.toFixed(2)} | ${max.toFixed(2)} | ${rtt.toFixed(0)} | ${jitter.toFixed(1)} | ${largestDrawnStep.toFixed(2)} |`,
  );
  await Promise.all(sessions.map((session) => session.room.leave()));
  await proxy.close();
}

console.log(
  `\nArena netcode, ${playerCount} players, ${seconds} s per scenario, inputs at 60 Hz, patches at 20 Hz, ${interpolation} interpolation 100 ms behind.`,
);
console.log(`A frame of motion is ${(ARENA.speed / 60).toFixed(1)} units; a patch of motion is ${(ARENA.speed / 20).toFixed(1)}.\n`);
console.log(
  "| link | inputs | reconciliations | corrections | mean correction (units) | max correction | RTT seen (ms) | jitter seen (ms) | largest drawn step of a remote player (units/frame) |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
await server.stop();
process.exit(0);
