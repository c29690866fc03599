/**
 * `npm run bench`: tickroom's arena against two baselines on the same workload, in the
 * same run, interleaved step by step so machine noise hits all of them alike.
 *
 *   npm run bench -- [--steps 16,64,160,320,480] [--warmup 2] [--seconds 6] [--workers 2]
 *     [--targets tickroom,tickroom-2proc,tickroom-no-metrics,tickroom-recording,tickroom-no-tap,naive-json,wire-limit] [--out .bench]
 *     [--redis redis://127.0.0.1:6379]
 *     [--impair latency=40,jitter=10,stalls=0.1] [--slo-tick-p99-ms 2] [--slo-patch-p99-ms 50]
 *     [--slo-setup-p99-ms 1000] [--slo-failed-joins 0] [--capacity] [--max-event-loop-delay-ms 100]
 *
 * `--capacity` ramps each server until a step breaches an SLO (default ramp 160 to 1280 by
 * 160) and reports, per server, the highest CCU that met them all; a server stops at its
 * first breach, the others go on, still interleaved. The exit code then ignores breaches.
 *
 * `tickroom` records no match (`RECORD_MATCHES=none`; the arena's tap still buffers for
 * late spectators), `tickroom-recording` records every arena match (`RECORD_MATCHES=all`):
 * their ratio is recording's CPU budget, reported per CCU as the median of the rounds when
 * a step is repeated (`--steps 320,320,320`). `tickroom-no-tap` (not run by default) is
 * tickroom with the tap taken off the arena, to price the tap itself.
 *
 * Every server runs in its own process; bots run in `--workers` other processes.
 * `tickroom-2proc` is two tickroom processes sharing Redis (database 12 of `--redis`,
 * flushed first), the bots matchmaking through the first; it runs by default when Redis
 * answers, and the impairment proxy sits only in front of its matchmaking. Writes
 * report.json, report.md and report.svg to `--out`, prints the Markdown, and exits 1 when
 * tickroom breached an SLO (2 on a usage error).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ARENA } from "../../rooms/arena/shapes.ts";
import { flushRedisDatabase, redisAnswers } from "../../tools/redisCommand.ts";
import { freePort, type ServerProcess, startServerProcess } from "../../tools/serverProcess.ts";
import { ImpairmentProxy, type LinkImpairment } from "../impairment/ImpairmentProxy.ts";
import type { TargetKind } from "./benchBots.ts";
import { BotProcess } from "./botProcess.ts";
import type { ConnectResult, WindowReport } from "./botWorker.ts";
import { cpuSeconds, residentBytes } from "./processStats.ts";
import { bucketsBetween, bucketsOf, parsePrometheusText, quantileOf, type Sample, sumOf } from "./prometheusText.ts";
import {
  type BenchReport,
  capacityOf,
  defaultSlos,
  LIMIT,
  NAIVE,
  percentiles,
  ratiosOf,
  renderMarkdown,
  renderSvg,
  type SloThresholds,
  type StepResult,
  sloBreaches,
  stepBreaches,
  TICKROOM,
  TICKROOM_RECORDING,
  TICKROOM_TWO_PROCESSES,
  TICKROOM_WITHOUT_METRICS,
  TICKROOM_WITHOUT_TAP,
} from "./report.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

const { values: flags } = parseArgs({
  options: {
    steps: { type: "string" },
    capacity: { type: "boolean", default: false },
    /** tickroom's MAX_EVENT_LOOP_DELAY_MS; blank: the server's default (load shedding as deployed), 0: never shed. */
    "max-event-loop-delay-ms": { type: "string", default: "" },
    warmup: { type: "string", default: "2" },
    seconds: { type: "string", default: "6" },
    workers: { type: "string", default: "2" },
    "join-concurrency": { type: "string", default: "2" },
    /** Default: all of them but tickroom-no-tap; tickroom-2proc only when Redis answers at --redis. */
    targets: { type: "string" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
    out: { type: "string", default: ".bench" },
    impair: { type: "string", default: "" },
    "slo-tick-p99-ms": { type: "string", default: String(defaultSlos.tickP99Ms) },
    "slo-patch-p99-ms": { type: "string", default: String(defaultSlos.patchDelayP99Ms) },
    "slo-setup-p99-ms": { type: "string", default: String(defaultSlos.setupP99Ms) },
    "slo-failed-joins": { type: "string", default: String(defaultSlos.failedJoins) },
  },
  strict: true,
});

function usage(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) usage(`--${name} must be a non-negative number, got "${raw}"`);
  return value;
}

const playersPerRoom = ARENA.maxPlayers;
const steps = (flags.steps ?? (flags.capacity ? "160,320,480,640,800,960,1120,1280" : "16,64,160,320,480")).split(",").map((raw) => positive("steps", raw));
for (const step of steps)
  if (step === 0 || step % playersPerRoom !== 0) usage(`every step must be a positive multiple of ${playersPerRoom} (full rooms), got ${step}`);
if (flags.capacity && steps.some((step, i) => i > 0 && step <= (steps[i - 1] as number))) usage("--capacity ramps up: give --steps in increasing order");
const warmupSeconds = positive("warmup", flags.warmup);
const windowSeconds = positive("seconds", flags.seconds);
const workerCount = Math.max(1, Math.round(positive("workers", flags.workers)));
const joinConcurrency = Math.max(1, Math.round(positive("join-concurrency", flags["join-concurrency"])));
const knownTargets = [TICKROOM, TICKROOM_TWO_PROCESSES, TICKROOM_WITHOUT_METRICS, TICKROOM_RECORDING, TICKROOM_WITHOUT_TAP, NAIVE, LIMIT];
/** Diagnostic targets, run only when named. */
const namedOnly = new Set([TICKROOM_WITHOUT_TAP]);
/** Database index the two-process target flushes and uses, away from anything else's. */
const BENCH_REDIS_DATABASE = 12;
const redisReachable = await redisAnswers(flags.redis);
if (flags.targets === undefined && !redisReachable) console.error(`bench: no Redis at ${flags.redis}: skipping ${TICKROOM_TWO_PROCESSES}`);
const targets = flags.targets?.split(",") ?? knownTargets.filter((t) => !namedOnly.has(t) && (t !== TICKROOM_TWO_PROCESSES || redisReachable));
for (const target of targets) if (!knownTargets.includes(target)) usage(`unknown target "${target}" (${knownTargets.join(", ")})`);
const slos: SloThresholds = {
  tickP99Ms: positive("slo-tick-p99-ms", flags["slo-tick-p99-ms"]),
  patchDelayP99Ms: positive("slo-patch-p99-ms", flags["slo-patch-p99-ms"]),
  setupP99Ms: positive("slo-setup-p99-ms", flags["slo-setup-p99-ms"]),
  failedJoins: positive("slo-failed-joins", flags["slo-failed-joins"]),
};
const impairment = parseImpairment(flags.impair);

function parseImpairment(spec: string): Partial<LinkImpairment> | undefined {
  if (spec === "") return undefined;
  const names: Record<string, keyof LinkImpairment> = {
    latency: "latencyMs",
    jitter: "jitterMs",
    bandwidth: "bandwidthBytesPerSecond",
    stalls: "stallsPerSecond",
    "stall-ms": "stallMs",
  };
  const link: Partial<LinkImpairment> = {};
  for (const pair of spec.split(",")) {
    const [name, raw] = pair.split("=");
    const field = names[name ?? ""];
    if (field === undefined || raw === undefined) usage(`--impair takes ${Object.keys(names).join("|")}=<number>, comma-separated`);
    link[field] = positive("impair", raw);
  }
  return link;
}

interface Target {
  readonly name: string;
  readonly kind: TargetKind;
  /** The server processes; bots matchmake through the first. */
  readonly servers: readonly ServerProcess[];
  /** Port the bots dial: the first server's, or the impairment proxy's in front of it. */
  readonly port: number;
  readonly proxy: ImpairmentProxy | undefined;
  readonly hasMetrics: boolean;
}

const authSecret = randomBytes(32).toString("hex");
/**
 * Production settings, load shedding included (as deployed unless --max-event-loop-delay-ms
 * says otherwise). No match recorded: the deployed default ("declared") records only ranked
 * matches, and the bench's arenas are casual, so this is the same, said outright.
 */
const tickroomEnv = { NODE_ENV: "production", AUTH_SECRET: authSecret, MAX_EVENT_LOOP_DELAY_MS: flags["max-event-loop-delay-ms"], RECORD_MATCHES: "none" };

async function startServers(name: string): Promise<ServerProcess[]> {
  if (name === TICKROOM || name === TICKROOM_WITHOUT_METRICS) {
    return [await startServerProcess({ ...tickroomEnv, METRICS_ENABLED: name === TICKROOM ? "true" : "false" })];
  }
  if (name === TICKROOM_RECORDING) return [await startServerProcess({ ...tickroomEnv, RECORD_MATCHES: "all" })];
  if (name === TICKROOM_WITHOUT_TAP) return [await startServerProcess(tickroomEnv, undefined, ["loadtest/bench/baselines/tickroomWithoutTap.ts"])];
  if (name === TICKROOM_TWO_PROCESSES) {
    if (!redisReachable) usage(`${TICKROOM_TWO_PROCESSES} needs Redis at --redis (${flags.redis})`);
    await flushRedisDatabase(flags.redis, BENCH_REDIS_DATABASE);
    const redisUrl = new URL(`/${BENCH_REDIS_DATABASE}`, flags.redis).href;
    // Ports known in advance: each process announces 127.0.0.1:<port> in its seats.
    const ports = [await freePort(), await freePort()];
    return Promise.all(ports.map((port) => startServerProcess({ ...tickroomEnv, PORT: String(port), REDIS_URL: redisUrl })));
  }
  return [await startServerProcess({}, undefined, ["loadtest/bench/baselines/serve.ts", name])];
}

/** Set once the bench itself stops the servers: an exit before that is a crash worth its log. */
let stopping = false;

async function startTarget(name: string): Promise<Target> {
  const servers = await startServers(name);
  for (const server of servers) {
    server.child.once("exit", (code, signal) => {
      if (!stopping) console.error(`bench: ${name} server exited on its own (${signal ?? `code ${code}`}); its last output:\n${server.output().slice(-4000)}`);
    });
  }
  const server = servers[0] as ServerProcess;
  let port = server.port;
  let proxy: ImpairmentProxy | undefined;
  if (impairment !== undefined) {
    proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: server.port }, up: impairment, down: impairment });
    port = await proxy.listen();
  }
  const kind: TargetKind = name === NAIVE ? "naive-json" : name === LIMIT ? "wire-limit" : "tickroom";
  return { name, kind, servers, port, proxy, hasMetrics: name !== TICKROOM_WITHOUT_METRICS };
}

/** Every server's samples together: sums and histogram buckets then cover the whole target. */
async function scrape(target: Target): Promise<Sample[] | undefined> {
  if (!target.hasMetrics) return undefined;
  const texts = await Promise.all(target.servers.map(async (server) => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text()));
  return texts.flatMap(parsePrometheusText);
}

const serverCpuSeconds = (target: Target): number => target.servers.reduce((sum, s) => sum + cpuSeconds(s.child.pid ?? 0), 0);
const serverResidentBytes = (target: Target): number => target.servers.reduce((sum, s) => sum + residentBytes(s.child.pid ?? 0), 0);

const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function runStep(target: Target, requested: number, step: number, workers: BotProcess[]): Promise<StepResult> {
  // Groups of a full room each, dealt round-robin to the workers; each group has its own
  // region, so rooms fill to exactly 16 whatever order the joins land in.
  const groups = requested / playersPerRoom;
  const connects = workers.map(async (worker, index) => {
    const mine = Array.from({ length: groups }, (_, g) => g)
      .filter((g) => g % workers.length === index)
      .map((g) => ({ region: `s${step}-g${g}`, count: playersPerRoom }));
    const reply = await worker.request({ cmd: "connect", kind: target.kind, port: target.port, groups: mine, concurrency: joinConcurrency });
    return reply.cmd === "connect" ? [reply.result] : [];
  });
  const connected: ConnectResult[] = (await Promise.all(connects)).flat();
  const failedJoins = connected.reduce((sum, r) => sum + r.failed, 0);
  for (const error of new Set(connected.flatMap((r) => r.errors))) console.error(`bench: ${target.name} join failed: ${error}`);
  await sleep(warmupSeconds);

  const metricsBefore = await scrape(target);
  const cpuBefore = serverCpuSeconds(target);
  const generatorBefore = workers.reduce((sum, w) => sum + cpuSeconds(w.pid), 0);
  const startedAt = performance.now();
  await Promise.all(workers.map((w) => w.request({ cmd: "measure" })));
  await sleep(windowSeconds);
  const windows = (await Promise.all(workers.map((w) => w.request({ cmd: "report" })))).flatMap((reply) => (reply.cmd === "report" ? [reply.result] : []));
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpuUsed = serverCpuSeconds(target) - cpuBefore;
  const generatorUsed = workers.reduce((sum, w) => sum + cpuSeconds(w.pid), 0) - generatorBefore;
  const rss = serverResidentBytes(target);
  const metricsAfter = await scrape(target);

  const clients = windows.reduce((sum, w) => sum + w.clients, 0);
  const seconds = Math.max(...windows.map((w: WindowReport) => w.seconds), 1e-9);
  const total = (pick: (w: WindowReport) => number): number => windows.reduce((sum, w) => sum + pick(w), 0);
  let tickMs: StepResult["tickMs"];
  let tickOverruns: number | undefined;
  let eventLoopUtilization: number | undefined;
  if (metricsBefore !== undefined && metricsAfter !== undefined) {
    const ticks = bucketsBetween(
      bucketsOf(metricsBefore, "tickroom_tick_duration_seconds", { type: "arena" }),
      bucketsOf(metricsAfter, "tickroom_tick_duration_seconds", { type: "arena" }),
    );
    const q = (p: number): number => (quantileOf(ticks, p) ?? 0) * 1000;
    tickMs = { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
    tickOverruns =
      sumOf(metricsAfter, "tickroom_tick_overruns_total", { type: "arena" }) - sumOf(metricsBefore, "tickroom_tick_overruns_total", { type: "arena" });
    // Each server's gauge covers the time since the scrape that opened the window.
    eventLoopUtilization = sumOf(metricsAfter, "tickroom_event_loop_utilization") / target.servers.length;
  }

  await Promise.all(workers.map((w) => w.request({ cmd: "disconnect" })));
  // Let the server dispose the rooms before the next server is loaded.
  await sleep(0.5);
  return {
    target: target.name,
    requested,
    ccu: clients,
    failedJoins,
    dropped: total((w) => w.dropped),
    setupMs: percentiles(connected.flatMap((r) => r.setupMs)),
    patchHz: clients === 0 ? 0 : total((w) => w.patches) / clients / seconds,
    slowestRoomPatchHz: slowestRoomPatchHz(windows, seconds),
    patchDelayMs: percentiles(windows.flatMap((w) => w.delaysMs)),
    tickMs,
    tickOverruns,
    eventLoopUtilization,
    ccuPerProcess: clients / target.servers.length,
    cpuUsPerClientSecond: clients === 0 ? 0 : (cpuUsed * 1e6) / (clients * wallSeconds),
    serverCpuPercent: (cpuUsed / wallSeconds) * 100,
    bytesPerClientSecond: clients === 0 ? 0 : total((w) => w.bytes) / clients / seconds,
    serverRssMiB: rss / (1024 * 1024),
    generatorCpuPercent: (generatorUsed / wallSeconds) * 100,
  };
}

/** Patches per client per second in the room whose clients got the fewest (rooms merged across bot processes). */
function slowestRoomPatchHz(windows: readonly WindowReport[], seconds: number): number {
  const rooms = new Map<string, { patches: number; clients: number }>();
  for (const window of windows) {
    for (const [region, room] of Object.entries(window.rooms)) {
      const merged = rooms.get(region) ?? { patches: 0, clients: 0 };
      merged.patches += room.patches;
      merged.clients += room.clients;
      rooms.set(region, merged);
    }
  }
  const rates = [...rooms.values()].filter((room) => room.clients > 0).map((room) => room.patches / room.clients / seconds);
  return rates.length === 0 ? 0 : Math.min(...rates);
}

const started = new Date();
const startedAt = performance.now();
const load = loadavg();
const running: Target[] = [];
const workers = Array.from({ length: workerCount }, (_, i) => new BotProcess(i));
const results: StepResult[] = [];
try {
  // Started side by side (each is a process of its own; nothing is measured yet), in the
  // targets' order; the ones that started are stopped below even if another failed.
  const starts = await Promise.allSettled(targets.map(startTarget));
  for (const start of starts) if (start.status === "fulfilled") running.push(start.value);
  for (const start of starts) if (start.status === "rejected") throw start.reason;
  // In capacity mode a server leaves the ramp at its first breach.
  let ramping = [...running];
  for (const [index, requested] of steps.entries()) {
    if (ramping.length === 0) break;
    // Rotate who goes first at each step, so no server always follows the same one.
    const order = ramping.map((_, i) => ramping[(i + index) % ramping.length] as Target);
    for (const target of order) {
      const result = await runStep(target, requested, index, workers);
      results.push(result);
      if (flags.capacity && stepBreaches(result, slos).length > 0) ramping = ramping.filter((t) => t !== target);
      console.error(
        `bench: ${target.name} @ ${requested}: ${result.ccu} CCU, ${result.cpuUsPerClientSecond.toFixed(0)} µs CPU/client·s, ` +
          `${result.bytesPerClientSecond.toFixed(0)} B/client·s, patch delay p99 ${result.patchDelayMs.p99.toFixed(1)} ms, generator ${result.generatorCpuPercent.toFixed(0)}%`,
      );
    }
  }
} finally {
  stopping = true;
  for (const worker of workers) worker.child.kill();
  await Promise.all(
    running.map(async (t) => {
      await t.proxy?.close();
      await Promise.all(t.servers.map((s) => s.stop()));
    }),
  );
}

const report: BenchReport = {
  startedAt: started.toISOString(),
  durationSeconds: (performance.now() - startedAt) / 1000,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, load },
  settings: {
    steps,
    playersPerRoom,
    warmupSeconds,
    windowSeconds,
    workers: workerCount,
    impairment: impairment === undefined ? "loopback, unimpaired" : `impaired both ways (${flags.impair})`,
  },
  results: [...results].sort((a, b) => a.requested - b.requested || targets.indexOf(a.target) - targets.indexOf(b.target)),
  ratios: ratiosOf(results),
  slos,
  breaches: sloBreaches(results, slos),
  ...(flags.capacity ? { capacity: capacityOf(results, targets, slos) } : {}),
};
const out = resolve(root, flags.out);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderMarkdown(report);
writeFileSync(join(out, "report.md"), markdown);
writeFileSync(join(out, "report.svg"), renderSvg(report));
console.log(markdown);
console.error(`bench: wrote ${join(out, "report.{json,md,svg}")}`);
process.exit(flags.capacity || report.breaches.length === 0 ? 0 : 1);
