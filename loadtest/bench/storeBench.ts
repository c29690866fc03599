/**
 * `npm run bench:store`: the store under the load ranked play puts on it, on both engines
 * in the same run, and the ranked queue with persisted ratings against the same queue
 * without a store.
 *
 *   npm run bench:store -- [--engines embedded,postgres] [--database-url postgres://postgres@127.0.0.1:5432/test]
 *     [--accounts 1000] [--seconds 10] [--concurrency 8] [--one-vs-one 0.5] [--rounds 2] [--seed 1]
 *     [--queue-players 200] [--queue-spread 200] [--queue-timeout-seconds 60] [--parts store,queue] [--out .bench/store]
 *
 * Part 1 (`store`): per engine, a writer process (loadtest/bench/storeWriter.ts) opens an
 * empty store (the embedded one in a temporary folder; PostgreSQL in a database created for
 * the run and dropped after), creates `--accounts` accounts, then `--concurrency` writers
 * record ranked results (1v1 and 2v2, players drawn with a seeded random) with
 * `recordMatch` for `--seconds`; engines alternate for `--rounds` rounds. Reported: results
 * per second, commit latency p50/p99/max, open time and the resident memory added.
 *
 * Part 2 (`queue`): a tickroom server process per target (no store, the baseline where
 * everyone is at 1000; the embedded store; PostgreSQL), `--queue-players` players signed in
 * and, with a store, given ratings drawn around 1000, entering tic-tac-toe's queue at once.
 * Reported: time-to-match p50/p90/p99/max and the rating gap within pairs.
 *
 * PostgreSQL is used when it answers at `--database-url` (default engines: embedded, and
 * postgres when it answers). Writes report.json and report.md to `--out`, prints the
 * Markdown, and exits 1 when a recording failed or a queued player was never matched (2 on
 * a usage error).
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import type { StoreSettings } from "../../server/store/store.ts";
import { type QueueRound, type QueueTarget, queueResultOf, runQueueRound, startQueueTarget, stopQueueTarget } from "./queueTimeToMatch.ts";
import {
  distributionOf,
  type Engine,
  embeddedVsPostgresOf,
  NO_STORE,
  problemsOf,
  queueVsBaselineOf,
  renderStoreMarkdown,
  type StoreBenchReport,
  type ThroughputResult,
} from "./storeReport.ts";
import type { WriterCommand, WriterReply, WriterWindow } from "./storeWriter.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

const { values: flags } = parseArgs({
  options: {
    /** Default: embedded, and postgres when it answers at --database-url. */
    engines: { type: "string" },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    accounts: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "8" },
    "one-vs-one": { type: "string", default: "0.5" },
    rounds: { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    "queue-players": { type: "string", default: "200" },
    "queue-spread": { type: "string", default: "200" },
    "queue-timeout-seconds": { type: "string", default: "60" },
    parts: { type: "string", default: "store,queue" },
    out: { type: "string", default: ".bench/store" },
  },
  strict: true,
});

function usage(message: string): never {
  console.error(`bench:store: ${message}`);
  process.exit(2);
}

function number(name: string, raw: string, { min = 0, integer = false }: { min?: number; integer?: boolean } = {}): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    usage(`--${name} must be ${integer ? "an integer" : "a number"} of at least ${min}, got "${raw}"`);
  }
  return value;
}

const accounts = number("accounts", flags.accounts, { min: 4, integer: true });
const seconds = number("seconds", flags.seconds, { min: 0.1 });
const concurrency = number("concurrency", flags.concurrency, { min: 1, integer: true });
const oneVsOneShare = number("one-vs-one", flags["one-vs-one"]);
if (oneVsOneShare > 1) usage(`--one-vs-one is a share between 0 and 1, got ${oneVsOneShare}`);
const rounds = number("rounds", flags.rounds, { min: 1, integer: true });
const seed = number("seed", flags.seed, { integer: true });
const queuePlayers = number("queue-players", flags["queue-players"], { min: 2, integer: true });
if (queuePlayers % 2 !== 0) usage(`--queue-players must be even (1v1 matches), got ${queuePlayers}`);
const queueSpread = number("queue-spread", flags["queue-spread"]);
const queueTimeoutMs = number("queue-timeout-seconds", flags["queue-timeout-seconds"], { min: 1 }) * 1000;
const parts = flags.parts.split(",");
for (const part of parts) if (part !== "store" && part !== "queue") usage(`unknown part "${part}" (store, queue)`);

const adminUrl = flags["database-url"];
const postgresHere = await postgresAnswers(adminUrl);
const engines = (flags.engines?.split(",") ?? (postgresHere ? ["embedded", "postgres"] : ["embedded"])) as Engine[];
for (const engine of engines) if (engine !== "embedded" && engine !== "postgres") usage(`unknown engine "${engine}" (embedded, postgres)`);
if (flags.engines === undefined && !postgresHere) console.error(`bench:store: no PostgreSQL at ${adminUrl}: embedded store only`);
if (engines.includes("postgres") && !postgresHere) usage(`--engines postgres needs PostgreSQL answering at --database-url (${adminUrl})`);
// The servers started here must take their store from these settings alone.
delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One statement on the admin database (database names cannot be parameters; ours are generated hex). */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Where one engine keeps its data for this run, and how to delete it after. */
interface Scratch {
  readonly settings: StoreSettings;
  remove(): Promise<void>;
}

/** An empty store: a temporary folder, and for PostgreSQL a database of its own, dropped after. */
async function scratch(engine: Engine | "off"): Promise<Scratch> {
  const dataDir = mkdtempSync(join(tmpdir(), "tickroom-bench-store-"));
  const removeDir = (): void => rmSync(dataDir, { recursive: true, force: true });
  if (engine === "off") return { settings: { kind: "off" }, remove: async () => removeDir() };
  if (engine === "embedded") return { settings: { kind: "embedded", dataDir }, remove: async () => removeDir() };
  const name = `tickroom_bench_${randomBytes(6).toString("hex")}`;
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    settings: { kind: "postgres", url: url.href, dataDir },
    remove: async () => {
      await admin(`drop database if exists ${name} with (force)`);
      removeDir();
    },
  };
}

/** A writer process and a typed request/response over its IPC channel. */
class Writer {
  readonly child: ChildProcess;
  #waiting: ((reply: WriterReply) => void) | undefined;

  constructor(readonly engine: Engine) {
    this.child = fork(join(root, "loadtest/bench/storeWriter.ts"), [], {
      execArgv: ["--import", "tsx"],
      cwd: root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (reply: WriterReply) => this.#waiting?.(reply));
    this.child.once("exit", (code, signal) => {
      this.#waiting?.({ cmd: "error", message: `the ${engine} writer exited (${signal ?? `code ${code}`})` });
    });
  }

  async request<C extends WriterReply["cmd"]>(command: WriterCommand & { cmd: C }): Promise<Extract<WriterReply, { cmd: C }>> {
    const reply = await new Promise<WriterReply>((resolve) => {
      this.#waiting = resolve;
      this.child.send(command);
    });
    this.#waiting = undefined;
    if (reply.cmd === "error") throw new Error(`${this.engine} writer: ${reply.message}`);
    return reply as Extract<WriterReply, { cmd: C }>;
  }
}

const MiB = 1024 * 1024;

async function measureThroughput(): Promise<ThroughputResult[]> {
  /** What to close and delete at the end, whatever happens. */
  const started: Array<{ writer: Writer; scratch: Scratch }> = [];
  const opened: Array<{ engine: Engine; writer: Writer; open: Extract<WriterReply, { cmd: "open" }> }> = [];
  const windows = new Map<Engine, WriterWindow[]>(engines.map((engine) => [engine, []]));
  try {
    for (const engine of engines) {
      const data = await scratch(engine);
      const writer = new Writer(engine);
      started.push({ writer, scratch: data });
      const open = await writer.request({ cmd: "open", settings: data.settings, accounts });
      opened.push({ engine, writer, open });
      console.error(`bench:store: ${engine} opened in ${open.openMs.toFixed(0)} ms, ${accounts} accounts in ${open.accountsMs.toFixed(0)} ms`);
    }
    for (let round = 0; round < rounds; round++) {
      // Rotate who goes first each round, so no engine always follows the other.
      const order = opened.map((_, i) => opened[(i + round) % opened.length] as (typeof opened)[number]);
      for (const { engine, writer } of order) {
        const { window } = await writer.request({ cmd: "run", round, seconds, concurrency, oneVsOneShare, seed });
        windows.get(engine)?.push(window);
        const commit = distributionOf(window.commitMs);
        console.error(
          `bench:store: ${engine} round ${round + 1}: ${(window.recorded / window.seconds).toFixed(0)} results/s, ` +
            `commit p50 ${commit.p50.toFixed(1)} ms, p99 ${commit.p99.toFixed(1)} ms, ${window.failures} failed`,
        );
      }
    }
    return opened.map(({ engine, open }) => {
      const all = windows.get(engine) ?? [];
      const total = (pick: (w: WriterWindow) => number): number => all.reduce((sum, w) => sum + pick(w), 0);
      const recorded = total((w) => w.recorded);
      const wall = total((w) => w.seconds);
      return {
        engine,
        recorded,
        failures: total((w) => w.failures),
        duplicates: total((w) => w.duplicates),
        oneVsOne: total((w) => w.oneVsOne),
        twoVsTwo: total((w) => w.twoVsTwo),
        seconds: wall,
        resultsPerSecond: wall === 0 ? 0 : recorded / wall,
        commitMs: distributionOf(all.flatMap((w) => w.commitMs)),
        openMs: open.openMs,
        accountsMs: open.accountsMs,
        rssAddedAtOpenMiB: (open.rssOpenBytes - open.rssBeforeBytes) / MiB,
        rssAddedMiB: (Math.max(open.rssOpenBytes, ...all.map((w) => w.rssBytes)) - open.rssBeforeBytes) / MiB,
        errors: [...new Set(all.flatMap((w) => w.errors))].slice(0, 5),
      };
    });
  } finally {
    for (const { writer, scratch: data } of started) {
      await writer.request({ cmd: "close" }).catch(() => writer.child.kill());
      await data.remove();
    }
  }
}

async function measureQueue(): Promise<StoreBenchReport["queue"]> {
  const authSecret = randomBytes(32).toString("hex");
  const names = [NO_STORE, ...engines];
  const scratches = await Promise.all(names.map((name) => scratch(name === NO_STORE ? "off" : (name as Engine))));
  const targets: QueueTarget[] = [];
  const rounds_ = new Map<string, QueueRound[]>(names.map((name) => [name, []]));
  try {
    // Started together (their start-up is not measured), then queued one at a time.
    const started = await Promise.allSettled(names.map((name, i) => startQueueTarget(name, (scratches[i] as Scratch).settings, authSecret)));
    for (const s of started) if (s.status === "fulfilled") targets.push(s.value);
    for (const s of started) if (s.status === "rejected") throw s.reason;
    for (let round = 0; round < rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as QueueTarget);
      for (const target of order) {
        const result = await runQueueRound(target, { count: queuePlayers, round, seed, spread: queueSpread, timeoutMs: queueTimeoutMs });
        rounds_.get(target.name)?.push(result);
        const time = distributionOf(result.timeToMatchMs);
        console.error(
          `bench:store: queue, ${target.name}, round ${round + 1}: ${result.matched}/${result.players} matched, ` +
            `time-to-match p50 ${time.p50.toFixed(0)} ms, p99 ${time.p99.toFixed(0)} ms`,
        );
      }
    }
    return targets.map((target) => queueResultOf(target, rounds_.get(target.name) ?? []));
  } finally {
    await Promise.all(targets.map(stopQueueTarget));
    for (const data of scratches) await data.remove();
  }
}

const started = new Date();
const startedAt = performance.now();
const load = loadavg();
const throughput = parts.includes("store") ? await measureThroughput() : [];
const queue = parts.includes("queue") ? await measureQueue() : [];
const report: StoreBenchReport = {
  startedAt: started.toISOString(),
  durationSeconds: (performance.now() - startedAt) / 1000,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, load },
  settings: { engines, rounds, seconds, concurrency, accounts, oneVsOneShare, seed, queuePlayers, queueRatingSpread: queueSpread },
  throughput,
  embeddedVsPostgres: embeddedVsPostgresOf(throughput),
  queue,
  queueVsBaseline: queueVsBaselineOf(queue),
  problems: problemsOf(throughput, queue),
};
const out = resolve(root, flags.out);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderStoreMarkdown(report);
writeFileSync(join(out, "report.md"), markdown);
console.log(markdown);
console.error(`bench:store: wrote ${join(out, "report.{json,md}")}`);
process.exit(report.problems.length === 0 ? 0 : 1);
