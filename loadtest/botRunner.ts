/**
 * Runs load-test bots: `@colyseus/loadtest`'s `cli` screen in a terminal, a plain run
 * with a summary otherwise (CI, a pipe, a file), and in both the bots leave when the run
 * stops.
 *
 * `cli` ends a run (Ctrl-C in its screen, q, SIGINT, SIGTERM) with `process.exit` at once:
 * the sockets just close, the server takes that for a dropped connection and holds every
 * seat for the reconnection window (20 s by default), so the next run starts against
 * ghosts. Here every room a bot joined (through `botClient`) is left consented first, and
 * the process exits once the server has closed them (at most `LEAVE_TIMEOUT_MS`).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";
import { TrafficMeter } from "../client/web/trafficMeter.ts";
import type { TickroomServer } from "../server/app.config.ts";

/** How long a stopping run waits for the server to confirm its bots' leaves. */
const LEAVE_TIMEOUT_MS = 2000;

/** A room a bot joined, with what the summary reads of it. */
interface Watched {
  readonly traffic: TrafficMeter;
  /** Server-stamped patches' delays (real-time rooms), ms. */
  readonly delays: number[];
  rttMs: number;
}

const joined = new Map<Room, Watched>();
/** Every room ever joined: the summary counts those left too. */
const watched: Watched[] = [];
/** Errors by kind ("join refused: ...", "closed 4002", "warning: ..."), with counts. */
const errors = new Map<string, number>();
const countError = (kind: string): void => {
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
};

/** A client for one bot, whose rooms leave when the run stops (every join goes through `consumeSeatReservation`). */
export function botClient(endpoint: string): Client<TickroomServer> {
  const client = new Client<TickroomServer>(endpoint);
  const consume = client.consumeSeatReservation.bind(client);
  client.consumeSeatReservation = (async (...args: Parameters<typeof consume>) => {
    const room = await consume(...args);
    watch(room);
    return room;
  }) as typeof consume;
  return client;
}

function watch(room: Room): void {
  const entry: Watched = { traffic: new TrafficMeter(room), delays: [], rttMs: 0 };
  joined.set(room, entry);
  watched.push(entry);
  room.onStateChange(() => {
    // Real-time rooms stamp each patch with the server time it describes.
    const sent = room.clock.lastServerTime();
    if (sent > 0 && entry.delays.length < 100_000) entry.delays.push(Math.max(0, room.clock.serverNow() - sent));
    const rtt = room.clock.smoothedRtt();
    if (rtt > 0) entry.rttMs = rtt;
  });
  room.onError((code, message) => countError(`room error ${code}: ${message ?? ""}`));
  room.onLeave((code) => {
    joined.delete(room);
    // 4000: left on purpose (a bot's own leave, or the run's at the end).
    if (code !== 4000 && code !== 1000) countError(`closed by the server or the network (${code})`);
  });
}

/** Leave every room still joined, consented; resolves once all have closed or the timeout passed. */
function leaveAll(): Promise<unknown> {
  const leaving = [...joined.keys()].map((room) => room.leave(true).catch(() => undefined));
  return Promise.race([Promise.all(leaving), new Promise((resolve) => setTimeout(resolve, LEAVE_TIMEOUT_MS))]);
}

/** Bots in a terminal get `cli`'s screen; anywhere else a plain run that prints a summary. Either way they leave when stopped. */
export function runBots(main: (options: Options) => Promise<void>): void {
  if (process.stdout.isTTY) {
    const exit = process.exit.bind(process);
    let exiting = false;
    process.exit = ((code?: number) => {
      if (exiting) return undefined as never;
      exiting = true;
      void leaveAll().then(() => exit(code));
      return undefined as never;
    }) as typeof process.exit;
    // colyseus-internal: loadtest-sdk-override
    cli(main);
    return;
  }
  void runPlain(main);
}

/** `cli`'s options, read the same way (`--room`, `--numClients`, `--endpoint`, `--delay`, `--output`). */
function optionsFromArgs(): Options {
  const { values } = parseArgs({
    strict: false,
    options: {
      endpoint: { type: "string" },
      room: { type: "string" },
      roomId: { type: "string" },
      numClients: { type: "string" },
      delay: { type: "string" },
      output: { type: "string" },
    },
  });
  const text = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);
  return {
    endpoint: text(values.endpoint, "ws://localhost:2567"),
    roomName: text(values.room, ""),
    roomId: text(values.roomId, ""),
    numClients: Number(text(values.numClients, "1")),
    delay: Number(text(values.delay, "0")),
    logLevel: "all",
    reestablishAllDelay: 0,
    retryFailed: 0,
    output: text(values.output, ""),
    clientId: 0,
  };
}

async function runPlain(main: (options: Options) => Promise<void>): Promise<void> {
  const options = optionsFromArgs();
  const startedAt = performance.now();
  let ok = 0;
  let failed = 0;
  let lastJoinAt = startedAt;
  // Repeated warnings are counted once each, not printed thousands of times.
  console.warn = (...args: unknown[]) => countError(`warning: ${args.map(String).join(" ")}`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const stoppedAt = performance.now();
    await leaveAll();
    const summary = summarize(options, { ok, failed, startedAt, lastJoinAt, stoppedAt });
    console.log(summary);
    if (options.output !== "") writeFileSync(options.output, `${summary}\n`);
    process.exit(failed > 0 ? 1 : 0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  console.log(`load test: ${options.numClients} bots for ${options.roomName || options.roomId} at ${options.endpoint}; stop with Ctrl-C or SIGTERM`);
  for (let clientId = 0; clientId < options.numClients && !stopping; clientId++) {
    main({ ...options, clientId }).then(
      () => {
        ok++;
        lastJoinAt = performance.now();
      },
      (error: unknown) => {
        failed++;
        countError(`bot failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    if (options.delay > 0) await new Promise((resolve) => setTimeout(resolve, options.delay));
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);
}

/** The run in a few lines a developer can act on. */
function summarize(
  options: Options,
  run: { readonly ok: number; readonly failed: number; readonly startedAt: number; readonly lastJoinAt: number; readonly stoppedAt: number },
): string {
  const seconds = Math.max(0.001, (run.stoppedAt - run.startedAt) / 1000);
  const clients = Math.max(1, watched.length);
  let patches = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (const each of watched) {
    patches += each.traffic.totalPatches;
    bytesIn += each.traffic.totalBytesIn;
    bytesOut += each.traffic.totalBytesOut;
  }
  const delays = watched.flatMap((each) => each.delays).sort((a, b) => a - b);
  const rtts = watched.map((each) => each.rttMs).filter((rtt) => rtt > 0);
  const ms = (value: number): string => (Number.isNaN(value) ? "n/a (no server-stamped patches: not a real-time room)" : `${value.toFixed(0)} ms`);
  const joinSeconds = Math.max(0.001, (run.lastJoinAt - run.startedAt) / 1000);
  const lines = [
    `load test summary: ${options.roomName || options.roomId} at ${options.endpoint}, ${seconds.toFixed(1)} s`,
    `  connections       ${run.ok} ok, ${run.failed} failed (of ${options.numClients})`,
    `  joins per second  ${(run.ok / joinSeconds).toFixed(1)}`,
    `  patches           ${(patches / clients / seconds).toFixed(1)} per client per second`,
    `  patch delay       p50 ${ms(percentile(delays, 0.5))}, p99 ${ms(percentile(delays, 0.99))}`,
    `  RTT               ${rtts.length === 0 ? "n/a (measured on real-time rooms' inputs)" : `${(rtts.reduce((a, b) => a + b, 0) / rtts.length).toFixed(0)} ms mean`}`,
    `  bytes             ${(bytesIn / clients / seconds).toFixed(0)} in, ${(bytesOut / clients / seconds).toFixed(0)} out per client per second`,
    `  errors            ${errors.size === 0 ? "none" : ""}`,
    ...[...errors].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `    ${String(count).padStart(6)} x ${kind}`),
  ];
  return lines.join("\n");
}
