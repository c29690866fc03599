/**
 * The benchmark's results and what is derived from them (ratios against the baselines,
 * SLO verdicts), rendered as JSON, Markdown and an SVG chart. Pure: no I/O, no clock.
 */

export const TICKROOM = "tickroom";
export const TICKROOM_WITHOUT_METRICS = "tickroom-no-metrics";
/** Two tickroom processes sharing Redis, bots matchmaking through the first. */
export const TICKROOM_TWO_PROCESSES = "tickroom-2proc";
/** tickroom recording every arena match (`RECORD_MATCHES=all`); `tickroom` itself records none. */
export const TICKROOM_RECORDING = "tickroom-recording";
/** tickroom with the recorder's tap taken off the arena (loadtest/bench/baselines/tickroomWithoutTap.ts). */
export const TICKROOM_WITHOUT_TAP = "tickroom-no-tap";
export const NAIVE = "naive-json";
export const LIMIT = "wire-limit";

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** One server under test at one step of the ramp. */
export interface StepResult {
  readonly target: string;
  /** Clients asked for at this step. */
  readonly requested: number;
  /** Clients connected when the window opened (the CCU measured). */
  readonly ccu: number;
  readonly failedJoins: number;
  /** Clients whose connection ended during the step without being asked to. */
  readonly dropped: number;
  /** Matchmake + WebSocket + join until the full state arrived, ms. */
  readonly setupMs: Percentiles;
  /** State frames per client per second. */
  readonly patchHz: number;
  /** The same in the worst-served room: near `patchHz` when an overloaded server degrades evenly. */
  readonly slowestRoomPatchHz: number;
  /** Patch delay: arrival minus server simulation time, above the connection's fastest delivery, ms. */
  readonly patchDelayMs: Percentiles;
  /** Server step duration, ms, from the server's own histogram; undefined without /metrics. */
  readonly tickMs: Percentiles | undefined;
  readonly tickOverruns: number | undefined;
  /** Share of the window the server's event loop was busy (mean over its processes); undefined without /metrics. */
  readonly eventLoopUtilization: number | undefined;
  /** Clients per server process (the two-process target spreads them over two). */
  readonly ccuPerProcess: number;
  /** Server CPU time per connected client per second of wall time, microseconds. */
  readonly cpuUsPerClientSecond: number;
  /** Server CPU, % of one core. */
  readonly serverCpuPercent: number;
  /** WebSocket payload bytes received per client per second. */
  readonly bytesPerClientSecond: number;
  readonly serverRssMiB: number;
  /** All load-generator processes together, % of one core. */
  readonly generatorCpuPercent: number;
}

export interface Ratios {
  /** The step asked for (rounds of one step share it), and tickroom's clients measured there. */
  readonly requested: number;
  readonly ccu: number;
  /** tickroom / naive JSON, and tickroom / wire limit. Below 1 means tickroom spends less. */
  readonly cpuVsNaive: number | undefined;
  readonly bytesVsNaive: number | undefined;
  readonly cpuVsLimit: number | undefined;
  readonly bytesVsLimit: number | undefined;
  /** tickroom with metrics / without: the price of leaving /metrics on. */
  readonly cpuMetricsOnVsOff: number | undefined;
  /** Two processes on Redis / one process: p99 connection setup, and CPU per client (both processes). */
  readonly setupP99TwoVsOne: number | undefined;
  readonly cpuTwoVsOne: number | undefined;
  /** Every arena match recorded / none recorded: what recording costs (its budget: at most 1.05 at 320 CCU). */
  readonly cpuRecordingVsNone: number | undefined;
  /** None recorded (the arena's tap still buffering for late spectators) / the tap removed. */
  readonly cpuNoneVsNoTap: number | undefined;
}

export interface SloThresholds {
  /** p99 server step duration, ms. */
  readonly tickP99Ms: number;
  /** p99 patch delay, ms. */
  readonly patchDelayP99Ms: number;
  /** Failed joins allowed per step. */
  readonly failedJoins: number;
  /** p99 connection setup, ms. */
  readonly setupP99Ms: number;
}

export const defaultSlos: SloThresholds = Object.freeze({ tickP99Ms: 2, patchDelayP99Ms: 50, failedJoins: 0, setupP99Ms: 1000 });

export interface BenchReport {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly load: readonly number[] };
  readonly settings: {
    readonly steps: readonly number[];
    readonly playersPerRoom: number;
    readonly warmupSeconds: number;
    readonly windowSeconds: number;
    readonly workers: number;
    readonly impairment: string;
  };
  readonly results: readonly StepResult[];
  readonly ratios: readonly Ratios[];
  readonly slos: SloThresholds;
  readonly breaches: readonly string[];
  /** With `--capacity`: each server ramped until it breached an SLO. */
  readonly capacity?: readonly Capacity[];
}

/** Nearest-rank percentile of unsorted samples; 0 for none. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/**
 * One row per run of tickroom at each step. A step repeated in `--steps` (320,320,320:
 * rounds, for a ratio finer than one run's noise) gives one row per round, each against
 * the baselines' run of the same round.
 */
export function ratiosOf(results: readonly StepResult[]): Ratios[] {
  const steps = [...new Set(results.map((r) => r.requested))].sort((a, b) => a - b);
  return steps.flatMap((requested) => {
    const runsOf = (target: string): StepResult[] => results.filter((r) => r.requested === requested && r.target === target);
    return runsOf(TICKROOM).map((tickroom, round) => {
      const of = (target: string): StepResult | undefined => runsOf(target)[round];
      const naive = of(NAIVE);
      const limit = of(LIMIT);
      const bare = of(TICKROOM_WITHOUT_METRICS);
      const two = of(TICKROOM_TWO_PROCESSES);
      return {
        requested,
        ccu: tickroom.ccu,
        cpuVsNaive: ratio(tickroom.cpuUsPerClientSecond, naive?.cpuUsPerClientSecond),
        bytesVsNaive: ratio(tickroom.bytesPerClientSecond, naive?.bytesPerClientSecond),
        cpuVsLimit: ratio(tickroom.cpuUsPerClientSecond, limit?.cpuUsPerClientSecond),
        bytesVsLimit: ratio(tickroom.bytesPerClientSecond, limit?.bytesPerClientSecond),
        cpuMetricsOnVsOff: ratio(tickroom.cpuUsPerClientSecond, bare?.cpuUsPerClientSecond),
        setupP99TwoVsOne: ratio(two?.setupMs.p99, tickroom.setupMs.p99),
        cpuTwoVsOne: ratio(two?.cpuUsPerClientSecond, tickroom.cpuUsPerClientSecond),
        cpuRecordingVsNone: ratio(of(TICKROOM_RECORDING)?.cpuUsPerClientSecond, tickroom.cpuUsPerClientSecond),
        cpuNoneVsNoTap: ratio(tickroom.cpuUsPerClientSecond, of(TICKROOM_WITHOUT_TAP)?.cpuUsPerClientSecond),
      };
    });
  });
}

/** Recording's CPU budget: every arena recorded costs at most this much more server CPU per client than none. */
const RECORDING_CPU_BUDGET = 1.05;

/** The median of the recording ratios at one step (its rounds), with each round's. */
interface RecordingCost {
  readonly requested: number;
  readonly median: number;
  readonly rounds: readonly number[];
  readonly met: boolean;
}

function recordingCostOf(ratios: readonly Ratios[]): RecordingCost[] {
  const byStep = new Map<number, number[]>();
  for (const r of ratios) if (r.cpuRecordingVsNone !== undefined) byStep.set(r.requested, [...(byStep.get(r.requested) ?? []), r.cpuRecordingVsNone]);
  return [...byStep].map(([requested, rounds]) => {
    const sorted = [...rounds].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    return { requested, median, rounds, met: median <= RECORDING_CPU_BUDGET };
  });
}

/** The SLOs one step breached, one short reason each (none: the step met them all). */
export function stepBreaches(r: StepResult, slos: SloThresholds): string[] {
  const reasons: string[] = [];
  if (r.tickMs !== undefined && r.tickMs.p99 > slos.tickP99Ms) reasons.push(`p99 tick ${r.tickMs.p99.toFixed(3)} ms > ${slos.tickP99Ms} ms`);
  if (r.patchDelayMs.p99 > slos.patchDelayP99Ms) reasons.push(`p99 patch delay ${r.patchDelayMs.p99.toFixed(1)} ms > ${slos.patchDelayP99Ms} ms`);
  if (r.failedJoins + r.dropped > slos.failedJoins) reasons.push(`${r.failedJoins} failed joins and ${r.dropped} drops > ${slos.failedJoins} allowed`);
  if (r.setupMs.p99 > slos.setupP99Ms) reasons.push(`p99 connection setup ${r.setupMs.p99.toFixed(1)} ms > ${slos.setupP99Ms} ms`);
  return reasons;
}

/** Every SLO the tickroom target breached, one readable line each. */
export function sloBreaches(results: readonly StepResult[], slos: SloThresholds): string[] {
  return results.filter((r) => r.target === TICKROOM).flatMap((r) => stepBreaches(r, slos).map((reason) => `at ${r.requested} CCU: ${reason}`));
}

/** One server's capacity: the highest CCU of a ramp at which it met every SLO. */
export interface Capacity {
  readonly target: string;
  /** Undefined when even the first step breached. */
  readonly highestMet: number | undefined;
  /** The first step that breached, and why; undefined when the ramp ended first (capacity is at least `highestMet`). */
  readonly firstBreach: { readonly ccu: number; readonly reasons: readonly string[] } | undefined;
  /** Load generators' CPU at the last step measured: near 100% per generator, the ramp measured them, not the server. */
  readonly generatorCpuPercent: number;
}

/** Each target's capacity from a ramp, read in order of CCU up to its first breach. */
export function capacityOf(results: readonly StepResult[], targets: readonly string[], slos: SloThresholds): Capacity[] {
  return targets.map((target) => {
    const ramp = results.filter((r) => r.target === target).sort((a, b) => a.requested - b.requested);
    let highestMet: number | undefined;
    for (const step of ramp) {
      const reasons = stepBreaches(step, slos);
      if (reasons.length > 0) return { target, highestMet, firstBreach: { ccu: step.ccu, reasons }, generatorCpuPercent: step.generatorCpuPercent };
      highestMet = step.ccu;
    }
    return { target, highestMet, firstBreach: undefined, generatorCpuPercent: ramp.at(-1)?.generatorCpuPercent ?? 0 };
  });
}

const fixed = (value: number | undefined, digits: number): string => (value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits));

function capacityLines(capacity: readonly Capacity[]): string[] {
  return [
    `## Capacity (each server ramped until it breached an SLO)`,
    ``,
    `| server | highest CCU meeting every SLO | first breach | generator CPU % there |`,
    `|---|---:|---|---:|`,
    ...capacity.map(
      (c) =>
        `| ${c.target} | ${c.highestMet ?? "none"}${c.firstBreach === undefined ? " or more (the ramp ended)" : ""} | ` +
        `${c.firstBreach === undefined ? "–" : `${c.firstBreach.ccu} CCU: ${c.firstBreach.reasons.join("; ")}`} | ${fixed(c.generatorCpuPercent, 0)} |`,
    ),
    ``,
  ];
}

/** The recording budget's verdict, per CCU: reported, never the exit code (a single run's noise is about the size of the budget). */
function recordingLines(costs: readonly RecordingCost[]): string[] {
  if (costs.length === 0) return [];
  return [
    `## Recording's CPU budget (every arena recorded ÷ none recorded, at most ${RECORDING_CPU_BUDGET.toFixed(2)})`,
    ``,
    `| CCU asked for | median | rounds | met |`,
    `|---:|---:|---|---|`,
    ...costs.map((c) => `| ${c.requested} | ${fixed(c.median, 3)} | ${c.rounds.map((r) => fixed(r, 3)).join(", ")} | ${c.met ? "yes" : "**no**"} |`),
    ``,
    `On a shared machine one round's ratio swings by far more than the budget (±20% on this project's 2-core machine): repeat the step` +
      ` (\`--steps 320,320,320,320,320,320,320\`) and read the median; \`npm run bench:recording\` times the recorder's own cost directly.`,
    ``,
  ];
}

export function renderMarkdown(report: BenchReport): string {
  const s = report.settings;
  const lines = [
    `# tickroom benchmark`,
    ``,
    `${report.startedAt}, ${report.durationSeconds.toFixed(0)} s on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}` +
      ` (load average at start ${report.machine.load.map((l) => l.toFixed(2)).join(" ")}).`,
    `Arena, ${s.playersPerRoom} players per room, 60 Hz tick, 20 Hz patches; ramp ${s.steps.join(", ")} CCU;` +
      ` ${s.warmupSeconds} s warm-up then a ${s.windowSeconds} s window per step and server; ${s.workers} load-generator processes; link: ${s.impairment}.`,
    ``,
    `## Ratios (tickroom ÷ baseline, same step, same run)`,
    ``,
    `| CCU | CPU/client vs naive JSON | bytes/client vs naive JSON | CPU/client vs wire limit | bytes/client vs wire limit | CPU with /metrics vs without | p99 setup, 2 processes vs 1 | CPU/client, 2 processes vs 1 | CPU/client, every arena recorded vs none | CPU/client, none recorded vs tap removed |`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...report.ratios.map(
      (r) =>
        `| ${r.ccu} | ${fixed(r.cpuVsNaive, 2)} | ${fixed(r.bytesVsNaive, 3)} | ${fixed(r.cpuVsLimit, 2)} | ${fixed(r.bytesVsLimit, 2)} | ${fixed(r.cpuMetricsOnVsOff, 2)} | ${fixed(r.setupP99TwoVsOne, 2)} | ${fixed(r.cpuTwoVsOne, 2)} | ${fixed(r.cpuRecordingVsNone, 3)} | ${fixed(r.cpuNoneVsNoTap, 3)} |`,
    ),
    ``,
    ...recordingLines(recordingCostOf(report.ratios)),
    `## Every step`,
    ``,
    `| server | CCU | CCU per process | failed joins / drops | setup p50/p95/p99 ms | patches/s per client (all / slowest room) | patch delay p50/p99 ms | tick p50/p99 ms | overruns | event loop busy % | CPU µs per client·s | server CPU % | bytes per client·s | RSS MiB | generator CPU % |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...report.results.map(
      (r) =>
        `| ${r.target} | ${r.ccu} | ${fixed(r.ccuPerProcess, 0)} | ${r.failedJoins} / ${r.dropped} | ${fixed(r.setupMs.p50, 1)} / ${fixed(r.setupMs.p95, 1)} / ${fixed(r.setupMs.p99, 1)}` +
        ` | ${fixed(r.patchHz, 1)} / ${fixed(r.slowestRoomPatchHz, 1)} | ${fixed(r.patchDelayMs.p50, 1)} / ${fixed(r.patchDelayMs.p99, 1)} | ${r.tickMs === undefined ? "–" : `${fixed(r.tickMs.p50, 3)} / ${fixed(r.tickMs.p99, 3)}`}` +
        ` | ${fixed(r.tickOverruns, 0)} | ${r.eventLoopUtilization === undefined ? "–" : fixed(r.eventLoopUtilization * 100, 1)} | ${fixed(r.cpuUsPerClientSecond, 0)} | ${fixed(r.serverCpuPercent, 1)} | ${fixed(r.bytesPerClientSecond, 0)} | ${fixed(r.serverRssMiB, 0)} | ${fixed(r.generatorCpuPercent, 0)} |`,
    ),
    ``,
    `## SLOs (tickroom)`,
    ``,
    `p99 tick ≤ ${report.slos.tickP99Ms} ms, p99 patch delay ≤ ${report.slos.patchDelayP99Ms} ms, p99 setup ≤ ${report.slos.setupP99Ms} ms, failed joins + drops ≤ ${report.slos.failedJoins} per step.`,
    ``,
    ...(report.breaches.length === 0 ? ["All met."] : report.breaches.map((b) => `- BREACHED ${b}`)),
    ``,
    ...(report.capacity === undefined ? [] : capacityLines(report.capacity)),
  ];
  return lines.join("\n");
}

const COLORS: Record<string, string> = {
  [TICKROOM_TWO_PROCESSES]: "#9467bd",
  [TICKROOM]: "#1f77b4",
  [TICKROOM_WITHOUT_METRICS]: "#9ecae1",
  [TICKROOM_RECORDING]: "#ff7f0e",
  [TICKROOM_WITHOUT_TAP]: "#8c564b",
  [NAIVE]: "#d62728",
  [LIMIT]: "#2ca02c",
};

/** Two panels against CCU: server CPU per client (linear) and bytes per client (log scale). */
export function renderSvg(report: BenchReport): string {
  const targets = [...new Set(report.results.map((r) => r.target))];
  // The legend: four servers a row, a row more of height for each four more.
  const legendPerRow = 4;
  const legendRows = Math.max(1, Math.ceil(targets.length / legendPerRow));
  const width = 960,
    height = 380 + 18 * (legendRows - 1),
    panel = 440,
    top = 40,
    plotHeight = 280,
    left = 60;
  const ccus = report.results.map((r) => r.ccu);
  const maxCcu = Math.max(1, ...ccus);
  const x = (offset: number, ccu: number): number => offset + left + (ccu / maxCcu) * (panel - left - 20);
  const panels: Array<{ title: string; value: (r: StepResult) => number; log: boolean; offset: number }> = [
    { title: "server CPU µs per client·second", value: (r) => r.cpuUsPerClientSecond, log: false, offset: 0 },
    { title: "bytes per client·second (log scale)", value: (r) => r.bytesPerClientSecond, log: true, offset: panel + 60 },
  ];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  for (const p of panels) {
    const values = report.results.map(p.value).filter((v) => v > 0);
    const maxValue = Math.max(1, ...values);
    const minValue = p.log ? Math.max(1, Math.min(...values, maxValue) / 2) : 0;
    const y = (v: number): number => {
      const share = p.log
        ? (Math.log10(Math.max(v, minValue)) - Math.log10(minValue)) / (Math.log10(maxValue * 1.1) - Math.log10(minValue))
        : v / (maxValue * 1.1);
      return top + plotHeight - share * plotHeight;
    };
    parts.push(`<text x="${p.offset + left}" y="24" font-weight="bold">${p.title}</text>`);
    parts.push(`<line x1="${p.offset + left}" y1="${top + plotHeight}" x2="${p.offset + panel - 20}" y2="${top + plotHeight}" stroke="#333"/>`);
    parts.push(`<line x1="${p.offset + left}" y1="${top}" x2="${p.offset + left}" y2="${top + plotHeight}" stroke="#333"/>`);
    parts.push(`<text x="${p.offset + left - 6}" y="${top + 4}" text-anchor="end">${Math.round(maxValue * 1.1)}</text>`);
    parts.push(`<text x="${p.offset + left - 6}" y="${top + plotHeight}" text-anchor="end">${Math.round(minValue)}</text>`);
    for (const ccu of [...new Set(ccus)]) parts.push(`<text x="${x(p.offset, ccu)}" y="${top + plotHeight + 16}" text-anchor="middle">${ccu}</text>`);
    parts.push(`<text x="${p.offset + panel / 2}" y="${top + plotHeight + 34}" text-anchor="middle">CCU</text>`);
    for (const target of targets) {
      const points = report.results.filter((r) => r.target === target).map((r) => `${x(p.offset, r.ccu).toFixed(1)},${y(p.value(r)).toFixed(1)}`);
      parts.push(`<polyline fill="none" stroke="${COLORS[target] ?? "#777"}" stroke-width="2" points="${points.join(" ")}"/>`);
      for (const point of points) {
        const [px, py] = point.split(",");
        parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${COLORS[target] ?? "#777"}"/>`);
      }
    }
  }
  targets.forEach((target, i) => {
    const legendX = left + (i % legendPerRow) * 200;
    const legendY = height - 18 * (legendRows - Math.floor(i / legendPerRow));
    parts.push(`<rect x="${legendX}" y="${legendY + 4}" width="12" height="12" fill="${COLORS[target] ?? "#777"}"/>`);
    parts.push(`<text x="${legendX + 18}" y="${legendY + 14}">${target}</text>`);
  });
  parts.push(`</svg>`);
  return parts.join("\n");
}
