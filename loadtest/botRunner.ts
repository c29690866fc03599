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
 *
 * Open loop (`--arrivals <per second> --session exponential:<mean s> | pareto:<alpha>:<min s>`):
 * the seed's traffic model. Bots arrive at Poisson times whatever the earlier ones are
 * doing (`cli` starts the next bot only once the previous one has joined: a slow server
 * would slow the arrivals and hide its own overload), each leaves when a session length
 * drawn for it ends, so the CCU settles where arrivals and departures balance. The summary
 * then adds the measured set-up times, transfer rates and session lengths, with fits and
 * the CCU over time (loadtest/traffic/trafficReport.ts). Always a plain run: `cli`'s
 * screen has no place for it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";
import { TrafficMeter } from "../client/web/trafficMeter.ts";
import type { TickroomServer } from "../server/app.config.ts";
import { seededRandom } from "../shared/random.ts";
import { trafficReport } from "./traffic/trafficReport.ts";
import { describeModel, type Observation, parseSessionModel, type SessionModel, type Step, sampleExponential, sampleSession } from "./traffic/trafficStats.ts";

/** How long a stopping run waits for joins in flight and the server's confirmations of its bots' leaves. */
const LEAVE_TIMEOUT_MS = 2000;
/** An open-loop run prints how many bots are connected this often. */
const PROGRESS_MS = 5000;

/** A room a bot joined, with what the summary reads of it. */
interface Watched {
  readonly traffic: TrafficMeter;
  /** Server-stamped patches' delays (real-time rooms), ms. */
  readonly delays: number[];
  rttMs: number;
  readonly joinedAt: number;
  closedAt?: number;
}

/** One open-loop bot's life: what the traffic model measures of it. Times from `performance.now()`, ms. */
interface BotLife {
  /** Its session length, drawn at its arrival. */
  readonly drawnMs: number;
  /** Its first join request started. */
  joinStartedAt?: number;
  /** Its first room's first state arrived. */
  firstStateAt?: number;
  /** Its first room was joined: its session starts. */
  joinedAt?: number;
  /** Its session ended: the drawn length passed, the run stopped, or its connection was lost. */
  endedAt?: number;
  /** The run stopped before its session's end: the length measured is a lower bound. */
  censored: boolean;
  /** No more joins: its session is over. */
  over: boolean;
  readonly rooms: Set<Room>;
  readonly meters: TrafficMeter[];
  /** When its last room closed (a bot that left on its own). */
  lastClosedAt?: number;
  sessionTimer?: ReturnType<typeof setTimeout>;
}

/**
 * A join refused because the bot's session or the run is over. Bot code that joins again on
 * its own (a rematch loop) stops there; it is no failure.
 */
class SessionOver extends Error {}

const joined = new Map<Room, Watched>();
/** Every room ever joined: the summary counts those left too. */
const watched: Watched[] = [];
/** Errors by kind ("join refused: ...", "closed 4002", "warning: ..."), with counts. */
const errors = new Map<string, number>();
/** Joins in flight: a stopping run waits for them, and leaves what they joined. */
const pendingJoins = new Set<Promise<unknown>>();
/** Each room's consented leave, asked once. */
const leaves = new WeakMap<Room, Promise<unknown>>();
/** The open-loop bot whose code is running (its joins, timers and callbacks carry it along). */
const currentBot = new AsyncLocalStorage<BotLife>();
const lives: BotLife[] = [];
/** Open-loop bots connected, from each change on. */
const ccu: Step[] = [];
let connected = 0;
let stopping = false;

/** Count one more of this kind of error for the summary (a bot's refusals, say), instead of printing each. */
export function countBotError(kind: string): void {
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
}

/** Wrap a join method: refused once the bot's session or the run is over; its first call starts the set-up time. */
function gated<F extends (...args: never[]) => Promise<unknown>>(join: F, life: BotLife | undefined): F {
  return (async (...args: Parameters<F>) => {
    if (stopping || life?.over === true) throw new SessionOver("the session is over");
    if (life !== undefined && life.joinStartedAt === undefined) life.joinStartedAt = performance.now();
    const joining = join(...args);
    pendingJoins.add(joining);
    const settled = (): void => void pendingJoins.delete(joining);
    joining.then(settled, settled);
    return joining;
  }) as unknown as F;
}

/** A client for one bot, whose rooms leave when the run stops (every join goes through `consumeSeatReservation`). */
export function botClient(endpoint: string): Client<TickroomServer> {
  const client = new Client<TickroomServer>(endpoint);
  const life = currentBot.getStore();
  client.joinOrCreate = gated(client.joinOrCreate.bind(client), life);
  client.join = gated(client.join.bind(client), life);
  client.create = gated(client.create.bind(client), life);
  client.joinById = gated(client.joinById.bind(client), life);
  const consume = client.consumeSeatReservation.bind(client);
  client.consumeSeatReservation = (async (...args: Parameters<typeof consume>) => {
    const room = await consume(...args);
    watch(room, life);
    // Joined while the run stopped or the session ended: left at once, no ghost seat.
    if (stopping || life?.over === true) {
      void leaveOnce(room);
      throw new SessionOver("the session is over");
    }
    return room;
  }) as typeof consume;
  return client;
}

function leaveOnce(room: Room): Promise<unknown> {
  let leaving = leaves.get(room);
  if (leaving === undefined) {
    leaving = room.leave(true).catch(() => undefined);
    leaves.set(room, leaving);
  }
  return leaving;
}

function countConnected(change: number): void {
  connected += change;
  ccu.push({ at: performance.now(), count: connected });
}

function watch(room: Room, life: BotLife | undefined): void {
  const entry: Watched = { traffic: new TrafficMeter(room), delays: [], rttMs: 0, joinedAt: performance.now() };
  joined.set(room, entry);
  watched.push(entry);
  // A session counts from its bot's first join, and only if that came before its end.
  const inSession = life !== undefined && !stopping && !life.over;
  if (inSession) {
    life.rooms.add(room);
    life.meters.push(entry.traffic);
    if (life.rooms.size === 1) countConnected(1);
    if (life.joinedAt === undefined) {
      life.joinedAt = entry.joinedAt;
      life.sessionTimer = setTimeout(() => endSession(life, performance.now(), false), life.drawnMs);
    }
  }
  room.onStateChange(() => {
    if (life !== undefined && life.firstStateAt === undefined) life.firstStateAt = performance.now();
    // Real-time rooms stamp each patch with the server time it describes.
    const sent = room.clock.lastServerTime();
    if (sent > 0 && entry.delays.length < 100_000) entry.delays.push(Math.max(0, room.clock.serverNow() - sent));
    const rtt = room.clock.smoothedRtt();
    if (rtt > 0) entry.rttMs = rtt;
  });
  room.onError((code, message) => countBotError(`room error ${code}: ${message ?? ""}`));
  room.onLeave((code) => {
    joined.delete(room);
    entry.closedAt = performance.now();
    // 4000: left on purpose (a bot's own leave, or the run's at the end).
    const consented = code === 4000 || code === 1000;
    if (!consented) countBotError(`closed by the server or the network (${code})`);
    if (inSession && life.rooms.delete(room) && life.rooms.size === 0) {
      countConnected(-1);
      life.lastClosedAt = entry.closedAt;
      // Lost, not left: the session ends here, shorter than drawn.
      if (!consented && !life.over) endSession(life, entry.closedAt, false);
    }
  });
}

/** End a bot's session at `at` (or when its last room closed, if it has none left): no more joins, its rooms left consented. */
function endSession(life: BotLife, at: number, censored: boolean): void {
  if (life.over) return;
  life.over = true;
  life.endedAt = life.rooms.size === 0 && life.lastClosedAt !== undefined ? life.lastClosedAt : at;
  life.censored = censored;
  clearTimeout(life.sessionTimer);
  for (const room of life.rooms) void leaveOnce(room);
}

/** Leave every room still joined (and those joins in flight will join), consented; resolves once all have closed or the timeout passed. */
function leaveAll(): Promise<unknown> {
  const leaving = (async () => {
    await Promise.allSettled([...pendingJoins]);
    await Promise.all([...joined.keys()].map(leaveOnce));
  })();
  return Promise.race([leaving, new Promise((resolve) => setTimeout(resolve, LEAVE_TIMEOUT_MS))]);
}

/** The open-loop options, when `--arrivals` is given. */
interface OpenLoop {
  readonly arrivalsPerSecond: number;
  readonly model: SessionModel;
  readonly seed: number;
}

interface RunOptions {
  readonly options: Options;
  readonly openLoop: OpenLoop | undefined;
  /** Stop on its own after this long, ms. */
  readonly durationMs: number | undefined;
}

/** Bots in a terminal get `cli`'s screen; anywhere else, or in open loop, a plain run that prints a summary. Either way they leave when stopped. */
export function runBots(main: (options: Options) => Promise<void>): void {
  let run: RunOptions;
  try {
    run = runFromArgs();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  if (process.stdout.isTTY && run.openLoop === undefined) {
    const exit = process.exit.bind(process);
    let exiting = false;
    process.exit = ((code?: number) => {
      if (exiting) return undefined as never;
      exiting = true;
      void leaveAll().then(() => exit(code));
      return undefined as never;
    }) as typeof process.exit;
    // `cli` ends the run on SIGINT, as on its screen's Ctrl-C.
    if (run.durationMs !== undefined) setTimeout(() => process.kill(process.pid, "SIGINT"), run.durationMs);
    // colyseus-internal: loadtest-sdk-override
    cli(main);
    return;
  }
  void runPlain(main, run);
}

/** An error in one line: its message (or its name when it has none), its code, and what caused it ("fetch failed: connect ECONNREFUSED ..."). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = "code" in error && (typeof error.code === "string" || typeof error.code === "number") ? ` (${error.code})` : "";
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message || error.name}${code}${cause}`;
}

/** A number from the command line that must be positive, or an error naming the option. */
function positive(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === "string" ? Number(value) : Number.NaN;
  if (!(number > 0) || !Number.isFinite(number)) throw new Error(`--${name} ${String(value)}: expected a number > 0`);
  return number;
}

/** `cli`'s options, read the same way (`--room`, `--numClients`, `--endpoint`, `--delay`, `--output`), and the plain run's own. */
function runFromArgs(): RunOptions {
  const { values } = parseArgs({
    strict: false,
    options: {
      endpoint: { type: "string" },
      room: { type: "string" },
      roomId: { type: "string" },
      numClients: { type: "string" },
      delay: { type: "string" },
      output: { type: "string" },
      arrivals: { type: "string" },
      session: { type: "string" },
      duration: { type: "string" },
      seed: { type: "string" },
    },
  });
  const text = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);
  const options: Options = {
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
  const arrivalsPerSecond = positive("arrivals", values.arrivals);
  const duration = positive("duration", values.duration);
  if (arrivalsPerSecond === undefined) {
    if (values.session !== undefined) throw new Error("--session needs --arrivals <bots per second>");
    return { options, openLoop: undefined, durationMs: duration === undefined ? undefined : duration * 1000 };
  }
  if (typeof values.session !== "string") throw new Error("--arrivals needs --session exponential:<mean seconds> or pareto:<alpha>:<min seconds>");
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed ${String(values.seed)}: expected an integer`);
  return {
    options,
    openLoop: { arrivalsPerSecond, model: parseSessionModel(values.session), seed },
    durationMs: duration === undefined ? undefined : duration * 1000,
  };
}

async function runPlain(main: (options: Options) => Promise<void>, run: RunOptions): Promise<void> {
  const { options, openLoop } = run;
  const startedAt = performance.now();
  let ok = 0;
  let failed = 0;
  let started = 0;
  let lastJoinAt = startedAt;
  // Repeated warnings are counted once each, not printed thousands of times.
  console.warn = (...args: unknown[]) => countBotError(`warning: ${args.map(String).join(" ")}`);
  const failure = (error: unknown): string => `bot failed: ${describeError(error)}`;
  // A bot's own loop failing later (a rematch join refused) is counted, not the run's end.
  process.on("unhandledRejection", (error) => {
    if (!(error instanceof SessionOver)) countBotError(failure(error));
  });
  const startBot = (clientId: number, life?: BotLife): void => {
    started++;
    const bot = () => main({ ...options, clientId });
    (life === undefined ? bot() : currentBot.run(life, bot)).then(
      () => {
        ok++;
        lastJoinAt = performance.now();
      },
      (error: unknown) => {
        if (error instanceof SessionOver) return;
        failed++;
        countBotError(failure(error));
      },
    );
  };
  let arrivalTimer: ReturnType<typeof setTimeout> | undefined;
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearTimeout(arrivalTimer);
    clearInterval(progressTimer);
    const stoppedAt = performance.now();
    // Still connected: cut short by the stop (censored). Joined and gone on its own: ended when it left.
    for (const life of lives) endSession(life, stoppedAt, life.rooms.size > 0);
    await leaveAll();
    const summary = summarize(options, { ok, failed, started, startedAt, lastJoinAt, stoppedAt }, openLoop);
    console.log(summary);
    if (options.output !== "") writeFileSync(options.output, `${summary}\n`);
    process.exit(failed > 0 ? 1 : 0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  if (run.durationMs !== undefined) setTimeout(() => void stop(), run.durationMs);
  const target = options.roomName || options.roomId;
  const until = run.durationMs === undefined ? "stop with Ctrl-C or SIGTERM" : `for ${run.durationMs / 1000} s (or until Ctrl-C or SIGTERM)`;
  if (openLoop !== undefined) {
    console.log(
      `load test (open loop): bots for ${target} at ${options.endpoint} arrive at ${openLoop.arrivalsPerSecond}/s (Poisson), sessions ${describeModel(openLoop.model)}, seed ${openLoop.seed}; ${until}`,
    );
    // One seeded source for the gaps and the sessions: the same seed gives the same schedule.
    const random = seededRandom(openLoop.seed);
    const meanGapMs = 1000 / openLoop.arrivalsPerSecond;
    let nextAt = startedAt + sampleExponential(meanGapMs, random);
    // Scheduled on absolute times: timer lateness does not slow the arrival rate.
    const arrive = (): void => {
      if (stopping) return;
      while (nextAt <= performance.now()) {
        const life: BotLife = { drawnMs: sampleSession(openLoop.model, random) * 1000, censored: false, over: false, rooms: new Set(), meters: [] };
        lives.push(life);
        startBot(lives.length - 1, life);
        nextAt += sampleExponential(meanGapMs, random);
      }
      arrivalTimer = setTimeout(arrive, nextAt - performance.now());
    };
    arrivalTimer = setTimeout(arrive, nextAt - performance.now());
    progressTimer = setInterval(() => {
      console.log(`  ${((performance.now() - startedAt) / 1000).toFixed(0)} s: ${connected} connected, ${started} arrived, ${failed} failed`);
    }, PROGRESS_MS);
    return;
  }
  console.log(`load test: ${options.numClients} bots for ${target} at ${options.endpoint}; ${until}`);
  for (let clientId = 0; clientId < options.numClients && !stopping; clientId++) {
    startBot(clientId);
    if (options.delay > 0) await new Promise((resolve) => setTimeout(resolve, options.delay));
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);
}

/** What the open-loop bots measured, for the report. */
function lifeMeasurements(stoppedAt: number): { setupMs: number[]; bytesPerSecond: number[]; sessions: Observation[] } {
  const setupMs: number[] = [];
  const bytesPerSecond: number[] = [];
  const sessions: Observation[] = [];
  for (const life of lives) {
    if (life.joinStartedAt !== undefined && life.firstStateAt !== undefined) setupMs.push(life.firstStateAt - life.joinStartedAt);
    if (life.joinedAt === undefined) continue;
    const endedAt = life.endedAt ?? life.lastClosedAt ?? stoppedAt;
    const seconds = (endedAt - life.joinedAt) / 1000;
    sessions.push({ value: seconds, censored: life.censored });
    if (seconds > 0) bytesPerSecond.push(life.meters.reduce((sum, meter) => sum + meter.totalBytesIn, 0) / seconds);
  }
  return { setupMs, bytesPerSecond, sessions };
}

interface RunCounts {
  readonly ok: number;
  readonly failed: number;
  readonly started: number;
  readonly startedAt: number;
  readonly lastJoinAt: number;
  readonly stoppedAt: number;
}

/** The run in a few lines a developer can act on. */
function summarize(options: Options, run: RunCounts, openLoop: OpenLoop | undefined): string {
  const seconds = Math.max(0.001, (run.stoppedAt - run.startedAt) / 1000);
  let patches = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  // Per client per second: over the seconds each room was joined (in open loop most bots are there for part of the run only).
  let clientSeconds = 0;
  for (const each of watched) {
    patches += each.traffic.totalPatches;
    bytesIn += each.traffic.totalBytesIn;
    bytesOut += each.traffic.totalBytesOut;
    clientSeconds += ((each.closedAt ?? run.stoppedAt) - each.joinedAt) / 1000;
  }
  clientSeconds = Math.max(0.001, clientSeconds);
  const delays = watched.flatMap((each) => each.delays).sort((a, b) => a - b);
  const rtts = watched.map((each) => each.rttMs).filter((rtt) => rtt > 0);
  const ms = (value: number): string => (Number.isNaN(value) ? "n/a (no server-stamped patches: not a real-time room)" : `${value.toFixed(0)} ms`);
  const joinSeconds = Math.max(0.001, (run.lastJoinAt - run.startedAt) / 1000);
  // Bots still joining when the run stopped: neither ok nor failed (in open loop, arrivals of its last moments).
  const unfinished = run.started - run.ok - run.failed;
  const lines = [
    `load test summary: ${options.roomName || options.roomId} at ${options.endpoint}, ${seconds.toFixed(1)} s`,
    `  connections       ${run.ok} ok, ${run.failed} failed${unfinished > 0 ? `, ${unfinished} not joined by the stop` : ""} (of ${openLoop === undefined ? options.numClients : `${run.started} arrivals`})`,
    `  joins per second  ${(run.ok / joinSeconds).toFixed(1)}`,
    `  patches           ${(patches / clientSeconds).toFixed(1)} per client per second`,
    `  patch delay       p50 ${ms(percentile(delays, 0.5))}, p99 ${ms(percentile(delays, 0.99))}`,
    `  RTT               ${rtts.length === 0 ? "n/a (measured on real-time rooms' inputs)" : `${(rtts.reduce((a, b) => a + b, 0) / rtts.length).toFixed(0)} ms mean`}`,
    `  bytes             ${(bytesIn / clientSeconds).toFixed(0)} in, ${(bytesOut / clientSeconds).toFixed(0)} out per client per second`,
    ...(openLoop === undefined
      ? []
      : trafficReport({
          ...openLoop,
          ...lifeMeasurements(run.stoppedAt),
          arrivals: run.started,
          startedAt: run.startedAt,
          stoppedAt: run.stoppedAt,
          ccu,
        })),
    `  errors            ${errors.size === 0 ? "none" : ""}`,
    ...[...errors].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `    ${String(count).padStart(6)} x ${kind}`),
  ];
  return lines.join("\n");
}
