/**
 * Measure the arena netcode through the impairment proxy: prediction corrections (how
 * often, how far), RTT as clients see it, the interpolation delay chosen, and how remote
 * players are drawn: how smoothly (drawn steps), how often past their newest snapshot, and
 * how far from where they really were (against a spectator on a clean link). Starts its
 * own server and proxy on loopback; bounded in time.
 *
 *   npm run netcode:measure -- [--seconds 10] [--players 6]
 *
 * Prints a Markdown table (docs/netcode.md quotes it).
 */
import { parseArgs } from "node:util";
import { Client } from "@colyseus/sdk";
import { type ArenaSession, arenaNetcode } from "../../client/arena.ts";
import { RealtimeSession } from "../../client/netcode.ts";
import { listenUntil } from "../../client/signals.ts";
import { ARENA } from "../../rooms/arena/shapes.ts";
import type { ArenaInput, ArenaState } from "../../schema/ArenaState.ts";
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
  /** The uplinks' impairment when it differs from the downlinks' (`link`). */
  readonly up?: Partial<LinkImpairment>;
}

/**
 * Over TCP a lost packet is a stall of one retransmission timeout (200 ms or more), after
 * which everything sent meanwhile arrives at once. About 20 packets a second flow each way
 * (patches down, input batches up), so a loss rate of p is about 20p stalls a second.
 */
const lossStalls = (lossPercent: number, rttMs: number): Partial<LinkImpairment> => ({
  stallsPerSecond: (20 * lossPercent) / 100,
  stallMs: Math.max(200, rttMs + 100),
});

const scenarios: Scenario[] = [
  { name: "100 ms RTT, 20 ms jitter", link: { latencyMs: 50, jitterMs: 10 } },
  { name: "200 ms RTT, 40 ms jitter", link: { latencyMs: 100, jitterMs: 20 } },
  { name: "100 ms RTT, 20 ms jitter, stalls (0.5/s x 250 ms each way)", link: { latencyMs: 50, jitterMs: 10, stallsPerSecond: 0.5, stallMs: 250 } },
  ...[50, 100, 200].flatMap((rtt) =>
    [1, 2].map((loss) => ({
      name: `${rtt} ms RTT, ${rtt / 5} ms jitter, ${loss}% loss (stalls ${((20 * loss) / 100).toFixed(1)}/s x ${Math.max(200, rtt + 100)} ms)`,
      link: { latencyMs: rtt / 2, jitterMs: rtt / 10, ...lossStalls(loss, rtt) },
    })),
  ),
  // Stalls only on the way down: every player's inputs reach the server on time, so the
  // true track is smooth and what is left is how well clients draw through their stalls.
  {
    name: "100 ms RTT, 20 ms jitter, 2% loss on the way down only (stalls 0.4/s x 200 ms)",
    link: { latencyMs: 50, jitterMs: 10, ...lossStalls(2, 100) },
    up: { latencyMs: 50, jitterMs: 10 },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FRAME_OF_MOTION = ARENA.speed / 60;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);
}
const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** Positions of one player by server time, from a client on a clean link: the true track. */
class TrueTrack {
  readonly #samples: { t: number; x: number; y: number }[] = [];
  record(t: number, x: number, y: number): void {
    const last = this.#samples.at(-1);
    if (last === undefined || t > last.t) this.#samples.push({ t, x, y });
  }
  /** Where the player was at server time `t`, between the two patches around it; undefined outside them. */
  at(t: number): { x: number; y: number } | undefined {
    const s = this.#samples;
    let lo = 0;
    let hi = s.length - 1;
    if (hi < 1 || t < (s[0] as { t: number }).t || t > (s[hi] as { t: number }).t) return undefined;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((s[mid] as { t: number }).t <= t) lo = mid;
      else hi = mid;
    }
    const a = s[lo] as { t: number; x: number; y: number };
    const b = s[hi] as { t: number; x: number; y: number };
    const u = b.t > a.t ? (t - a.t) / (b.t - a.t) : 0;
    return { x: a.x + (b.x - a.x) * u, y: a.y + (b.y - a.y) * u };
  }
}

// The server runs in its own process, as in production; this process is only the clients.
const server = await startServerProcess();
const serverPort = server.port;

const rows: string[] = [];
for (const scenario of scenarios) {
  const proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: serverPort }, up: scenario.up ?? scenario.link, down: scenario.link, seed: 3 });
  const port = await proxy.listen();
  const client = new Client(`ws://127.0.0.1:${port}`);
  const first = await client.create("arena", {});
  const sessions: ArenaSession[] = [await RealtimeSession.attach(first, arenaNetcode, { interpolation })];
  for (let i = 1; i < playerCount; i++) sessions.push(await RealtimeSession.attach(await client.joinById(first.roomId, {}), arenaNetcode, { interpolation }));
  const watched = sessions[1]!.room.sessionId;

  // A spectator on a clean link records where the watched player really was.
  const reference = await new Client(`ws://127.0.0.1:${serverPort}`).joinById<ArenaState>(first.roomId, { spectator: true });
  const truth = new TrueTrack();
  const stopReference = listenUntil(reference.onStateChange, (state: ArenaState) => {
    const player = state.players.get(watched);
    if (player !== undefined) truth.record(reference.clock.lastServerTime(), player.x, player.y);
    return false;
  });

  // Every player wanders on its own curve; the first also watches the second: each frame,
  // how far it was drawn from the last frame, and where (checked against the truth later).
  const steps: number[] = [];
  /** Each step as a multiple of the motion the frame's real duration allows (timers are late under load). */
  const stepsInFrames: number[] = [];
  let previousAt = 0;
  const drawn: { t: number; x: number; y: number }[] = [];
  const delays: number[] = [];
  let previousDrawn: { x: number; y: number } | undefined;
  let measuredFrom = 0;
  const measureFrom = performance.now() + 1000;
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
              const now = performance.now();
              const here = { x: session.remoteValue(remote, "x"), y: session.remoteValue(remote, "y") };
              if (now > measureFrom) {
                if (measuredFrom === 0) measuredFrom = session.stats().extrapolatingMs;
                if (previousDrawn !== undefined) {
                  const step = Math.hypot(here.x - previousDrawn.x, here.y - previousDrawn.y);
                  steps.push(step);
                  stepsInFrames.push(step / ((ARENA.speed * Math.max(now - previousAt, 1000 / 60)) / 1000));
                }
                const clock = session.room.clock;
                const { interpolationDelayMs } = session.stats();
                delays.push(interpolationDelayMs);
                drawn.push({ t: clock.serverNow() - interpolationDelayMs - clock.smoothedRtt() / 2, ...here });
              }
              previousDrawn = here;
              previousAt = now;
            }
          : undefined,
      ),
  );
  await sleep(seconds * 1000);
  for (const player of players) player.stop();
  await sleep(1500);
  for (const session of sessions) session.checkAcknowledgement();
  stopReference();

  const stats = sessions.map((session) => session.stats());
  const sum = (pick: (s: (typeof stats)[number]) => number) => stats.reduce((total, s) => total + pick(s), 0);
  const corrections = sum((s) => s.corrections);
  const max = Math.max(...stats.map((s) => s.maxCorrection));
  const rtt = sum((s) => s.rttMs) / stats.length;
  const sortedSteps = [...steps].sort((a, b) => a - b);
  const largest = sortedSteps.at(-1) ?? 0;
  const sortedFrames = [...stepsInFrames].sort((a, b) => a - b);
  const errors = drawn.flatMap((d) => {
    const real = truth.at(d.t);
    return real === undefined ? [] : [Math.hypot(d.x - real.x, d.y - real.y)];
  });
  const sortedErrors = [...errors].sort((a, b) => a - b);
  const sortedDelays = [...delays].sort((a, b) => a - b);
  const watchedMs = seconds * 1000 - 1000;
  // Only the watched player is drawn by the first session.
  const extrapolating = (100 * ((stats[0]?.extrapolatingMs ?? 0) - measuredFrom)) / watchedMs;
  rows.push(
    `| ${scenario.name} | ${corrections} (${(corrections / (playerCount * seconds)).toFixed(2)}/player/s) | ${max.toFixed(2)} | ${rtt.toFixed(0)} | ` +
      `${mean(delays).toFixed(0)} / ${percentile(sortedDelays, 0.99).toFixed(0)} | ${extrapolating.toFixed(1)}% | ` +
      `${largest.toFixed(1)} (${(sortedFrames.at(-1) ?? 0).toFixed(2)}) | ${percentile(sortedSteps, 0.99).toFixed(1)} (${percentile(sortedFrames, 0.99).toFixed(2)}) | ` +
      `${mean(errors).toFixed(1)} / ${percentile(sortedErrors, 0.99).toFixed(1)} |`,
  );
  await reference.leave();
  await Promise.all(sessions.map((session) => session.room.leave()));
  await proxy.close();
}

console.log(
  `\nArena netcode, ${playerCount} players, ${seconds} s per scenario, inputs at 60 Hz, patches at 20 Hz, ${interpolation} interpolation` +
    `${interpolation === "lerp" ? " with an adaptive delay and bounded extrapolation" : ""}.`,
);
console.log(
  `A frame of motion is ${FRAME_OF_MOTION.toFixed(1)} units; a patch of motion is ${(ARENA.speed / 20).toFixed(1)}; a player's radius ${ARENA.playerRadius}.\n`,
);
console.log(
  "| link | corrections | max correction (units) | RTT seen (ms) | interpolation delay mean / p99 (ms) | time a remote player was drawn past its newest snapshot | largest drawn step of a remote player, units (largest in frames of motion of its frame's duration) | p99 drawn step | drawn vs true track, mean / p99 (units) |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
await server.stop();
process.exit(0);
