/**
 * `npm run bench:store`'s results (loadtest/bench/storeBench.ts) and what is derived from
 * them, rendered as Markdown. Pure: no I/O, no clock.
 */

/** A latency or gap distribution: nearest-rank percentiles of the pooled samples (all 0 for none). */
export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function distributionOf(samples: readonly number[]): Distribution {
  if (samples.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] as number };
}

/** The two engines of the store (server/store/store.ts). */
export type Engine = "embedded" | "postgres";

/** Part 1: one engine recording ranked results from concurrent writers. */
export interface ThroughputResult {
  readonly engine: Engine;
  /** Results recorded (each one `recordMatch` transaction: match, players, ratings). */
  readonly recorded: number;
  /** Calls that threw (none expected). */
  readonly failures: number;
  /** Calls answered "duplicate" (none expected: every match id is new). */
  readonly duplicates: number;
  /** 1v1 and 2v2 results among those recorded. */
  readonly oneVsOne: number;
  readonly twoVsTwo: number;
  /** Wall time the writers ran, all rounds together. */
  readonly seconds: number;
  readonly resultsPerSecond: number;
  /** From calling `recordMatch` to its resolution (waiting for the connection included), ms. */
  readonly commitMs: Distribution;
  /** `openStore` on an empty store (creation and migrations), ms. */
  readonly openMs: number;
  /** Creating the accounts, ms. */
  readonly accountsMs: number;
  /** The writer process's resident memory added since just before `openStore`: after opening, and after the writes. */
  readonly rssAddedAtOpenMiB: number;
  readonly rssAddedMiB: number;
  /** Distinct error messages, if any call failed. */
  readonly errors: readonly string[];
}

/** Part 2: one server's queue, everyone entering at once. */
export interface QueueResult {
  /** "no store" (the baseline: everyone at 1000), "embedded" or "postgres". */
  readonly target: string;
  readonly players: number;
  /** Players seated in a match room. */
  readonly matched: number;
  /** Players still waiting at the timeout, and entries refused. */
  readonly unmatched: number;
  readonly failedEntries: number;
  /** From calling `enterQueue` until the match room was joined, ms. */
  readonly timeToMatchMs: Distribution;
  /** From calling `enterQueue` until the queue had the ticket (sign-in check and rating read included), ms. */
  readonly entryMs: Distribution;
  /** From then until the match room was joined: queue cycles, the gap widening, the seat, ms. */
  readonly waitMs: Distribution;
  /** Rating gap within each formed pair (the ratings the store held). */
  readonly ratingGap: Distribution;
  /** Matches formed whose players were not exactly two (none expected for 1v1). */
  readonly oddMatches: number;
  /** Matched players the queue rated as the store held them (its "queued" message), and otherwise (none expected). */
  readonly ratingsAsStored: number;
  readonly ratingsDifferent: number;
  /** Standard deviation of the queued players' ratings (0 for the baseline). */
  readonly ratingSpread: number;
  /** The server process's resident memory after its last round, MiB. */
  readonly serverRssMiB: number;
  /** Rooms the server still hosted once everyone had left (0 expected). */
  readonly roomsLeft: number;
  readonly errors: readonly string[];
}

export interface StoreBenchReport {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly load: readonly number[] };
  readonly settings: {
    readonly engines: readonly Engine[];
    readonly rounds: number;
    readonly seconds: number;
    readonly concurrency: number;
    readonly accounts: number;
    readonly oneVsOneShare: number;
    readonly seed: number;
    readonly queuePlayers: number;
    readonly queueRatingSpread: number;
  };
  /** Part 1, per engine (empty when skipped). */
  readonly throughput: readonly ThroughputResult[];
  /** Embedded ÷ PostgreSQL, when both ran. */
  readonly embeddedVsPostgres: { readonly resultsPerSecond: number; readonly commitP99: number } | undefined;
  /** Part 2, per server (empty when skipped). */
  readonly queue: readonly QueueResult[];
  /** Each store-backed queue ÷ the baseline without a store. */
  readonly queueVsBaseline: ReadonlyArray<{
    readonly target: string;
    readonly timeToMatchP50: number | undefined;
    readonly timeToMatchP99: number | undefined;
  }>;
  /** Why the run counts as failed (a recording failed, a player never matched); empty when it did not. */
  readonly problems: readonly string[];
}

/** The baseline of part 2: a server without a store, every player a guest at 1000. */
export const NO_STORE = "no store";

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/** Embedded ÷ PostgreSQL: results per second, and p99 commit latency. */
export function embeddedVsPostgresOf(results: readonly ThroughputResult[]): StoreBenchReport["embeddedVsPostgres"] {
  const embedded = results.find((r) => r.engine === "embedded");
  const postgres = results.find((r) => r.engine === "postgres");
  const perSecond = ratio(embedded?.resultsPerSecond, postgres?.resultsPerSecond);
  const p99 = ratio(embedded?.commitMs.p99, postgres?.commitMs.p99);
  return perSecond === undefined || p99 === undefined ? undefined : { resultsPerSecond: perSecond, commitP99: p99 };
}

export function queueVsBaselineOf(results: readonly QueueResult[]): StoreBenchReport["queueVsBaseline"] {
  const baseline = results.find((r) => r.target === NO_STORE);
  return results
    .filter((r) => r.target !== NO_STORE)
    .map((r) => ({
      target: r.target,
      timeToMatchP50: ratio(r.timeToMatchMs.p50, baseline?.timeToMatchMs.p50),
      timeToMatchP99: ratio(r.timeToMatchMs.p99, baseline?.timeToMatchMs.p99),
    }));
}

/** Every reason the run failed, one line each. */
export function problemsOf(throughput: readonly ThroughputResult[], queue: readonly QueueResult[]): string[] {
  const problems: string[] = [];
  for (const r of throughput) {
    if (r.failures > 0) problems.push(`${r.engine}: ${r.failures} recordings failed (${r.errors.join("; ")})`);
    if (r.duplicates > 0) problems.push(`${r.engine}: ${r.duplicates} new matches answered "duplicate"`);
  }
  for (const r of queue) {
    if (r.failedEntries > 0 || r.unmatched > 0) {
      problems.push(
        `${r.target}: ${r.failedEntries} entries failed, ${r.unmatched} players unmatched${r.errors.length > 0 ? ` (${r.errors.join("; ")})` : ""}`,
      );
    }
    if (r.oddMatches > 0) problems.push(`${r.target}: ${r.oddMatches} matches without exactly two players`);
    if (r.ratingsDifferent > 0) problems.push(`${r.target}: the queue paired ${r.ratingsDifferent} players on another rating than the stored one`);
  }
  return problems;
}

const fixed = (value: number | undefined, digits: number): string => (value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits));
const ms = (d: Distribution, digits = 1): string => `${fixed(d.p50, digits)} / ${fixed(d.p99, digits)} / ${fixed(d.max, digits)}`;

export function renderStoreMarkdown(report: StoreBenchReport): string {
  const s = report.settings;
  const lines = [
    `# tickroom store benchmark`,
    ``,
    `${report.startedAt}, ${report.durationSeconds.toFixed(0)} s on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}` +
      ` (load average at start ${report.machine.load.map((l) => l.toFixed(2)).join(" ")}).`,
    ``,
  ];
  if (report.throughput.length > 0) {
    lines.push(
      `## Results recorded (${s.engines.join(", ")})`,
      ``,
      `${s.accounts} accounts; ranked results (${Math.round(s.oneVsOneShare * 100)}% 1v1 tic-tac-toe, the rest 2v2 arena; players drawn with seed ${s.seed})` +
        ` recorded by ${s.concurrency} concurrent writers, ${s.rounds} × ${s.seconds} s per engine, engines interleaved round by round.` +
        ` Commit latency: from calling \`recordMatch\` to its resolution.`,
      ``,
      `| engine | results/s | commit p50 / p99 / max ms | recorded (1v1 + 2v2) | failed | open ms | accounts ms | RSS added at open / after writes MiB |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|`,
      ...report.throughput.map(
        (r) =>
          `| ${r.engine} | ${fixed(r.resultsPerSecond, 0)} | ${ms(r.commitMs)} | ${r.recorded} (${r.oneVsOne} + ${r.twoVsTwo}) | ${r.failures} | ${fixed(r.openMs, 0)}` +
          ` | ${fixed(r.accountsMs, 0)} | ${fixed(r.rssAddedAtOpenMiB, 1)} / ${fixed(r.rssAddedMiB, 1)} |`,
      ),
      ``,
    );
    if (report.embeddedVsPostgres !== undefined) {
      lines.push(
        `Embedded ÷ PostgreSQL: ${fixed(report.embeddedVsPostgres.resultsPerSecond, 2)}× the results per second, ${fixed(report.embeddedVsPostgres.commitP99, 2)}× the p99 commit latency.`,
        ``,
      );
    }
  }
  if (report.queue.length > 0) {
    lines.push(
      `## Queue time-to-match, ${s.queuePlayers} players entering tic-tac-toe's queue at once`,
      ``,
      `Ratings persisted in the store, drawn around 1000 (standard deviation ${s.queueRatingSpread}, within 500 of it);` +
        ` the baseline is the same server without a store, everyone at 1000. Time-to-match: from \`enterQueue\` until the match room is joined;` +
        ` entry: until the queue has the ticket (matchmaking, the sign-in check and, with a store, the rating read); then waiting: the rest.`,
      ``,
      `| server | matched | time-to-match p50 / p90 / p99 / max ms | entry p50 / p99 / max ms | then waiting p50 / p99 / max ms | rating gap mean / p99 / max | rating spread | queued at the stored rating | server RSS MiB | rooms left |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
      ...report.queue.map(
        (r) =>
          `| ${r.target} | ${r.matched} / ${r.players} | ${fixed(r.timeToMatchMs.p50, 0)} / ${fixed(r.timeToMatchMs.p90, 0)} / ${fixed(r.timeToMatchMs.p99, 0)} / ${fixed(r.timeToMatchMs.max, 0)}` +
          ` | ${ms(r.entryMs, 0)} | ${ms(r.waitMs, 0)} | ${fixed(r.ratingGap.mean, 1)} / ${fixed(r.ratingGap.p99, 1)} / ${fixed(r.ratingGap.max, 1)} | ${fixed(r.ratingSpread, 0)} | ${r.ratingsAsStored} / ${r.matched} | ${fixed(r.serverRssMiB, 0)} | ${r.roomsLeft} |`,
      ),
      ``,
      ...report.queueVsBaseline.map(
        (r) => `${r.target} ÷ no store: ${fixed(r.timeToMatchP50, 2)}× the p50 time-to-match, ${fixed(r.timeToMatchP99, 2)}× the p99.`,
      ),
      ``,
    );
  }
  lines.push(...(report.problems.length === 0 ? ["No recording failed; every queued player was matched."] : report.problems.map((p) => `- PROBLEM ${p}`)), ``);
  return lines.join("\n");
}
