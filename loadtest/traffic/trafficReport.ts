/**
 * The traffic model's part of a load test's summary, as text (pure): for each of the
 * seed's three variables (set-up time, per-client transfer rate, session length) its
 * percentiles, a small histogram and both fits, then the CCU over time against Little's
 * law. ASCII only: the summary goes to CI logs and files.
 */
import {
  type Bin,
  betterFit,
  describeModel,
  type Fit,
  fitExponential,
  fitPareto,
  histogram,
  meanSession,
  type Observation,
  percentile,
  type SessionModel,
  type Step,
  timeWeightedMean,
} from "./trafficStats.ts";

/** What an open-loop run measured. Times in ms from `performance.now()`. */
export interface TrafficMeasurements {
  readonly arrivalsPerSecond: number;
  readonly model: SessionModel;
  readonly seed: number;
  readonly arrivals: number;
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** Per bot: from the start of its join request to its first state, ms. */
  readonly setupMs: readonly number[];
  /** Per bot: bytes received over its session, per second of it. */
  readonly bytesPerSecond: readonly number[];
  /** Per bot: how long it stayed connected, s; censored when the run stopped first. */
  readonly sessions: readonly Observation[];
  /** Bots connected, from each change on. */
  readonly ccu: readonly Step[];
}

/** How one variable's values are written. */
interface Unit {
  readonly name: string;
  readonly format: (value: number) => string;
}

/** Three significant digits or so, none lost to small values (a 4 ms session is 0.0040 s, not 0.00 s). */
const fixed = (value: number): string => {
  const size = Math.abs(value);
  if (size > 0 && size < 0.1) return value.toPrecision(2);
  return size < 10 ? value.toFixed(2) : size < 100 ? value.toFixed(1) : value.toFixed(0);
};

const MS: Unit = { name: "ms", format: (value) => `${fixed(value)} ms` };
const SECONDS: Unit = { name: "s", format: (value) => `${fixed(value)} s` };
const BYTES_PER_SECOND: Unit = { name: "B/s", format: (value) => (value >= 1024 ? `${fixed(value / 1024)} KiB/s` : `${fixed(value)} B/s`) };

/** The label column of the summary (two spaces, then 18 wide). */
const label = (text: string): string => `  ${text.padEnd(18)}`;
const indent = " ".repeat(20);

/** A number with three significant digits, for parameters of any magnitude. */
const significant = (value: number): string =>
  value === 0 || (Math.abs(value) >= 0.01 && Math.abs(value) < 1e6) ? String(Number(value.toPrecision(3))) : value.toExponential(2);

function fitLine(fit: Fit | undefined, model: "exponential" | "Pareto", unit: Unit): string {
  if (fit === undefined) return `${indent}fit ${model}: n/a (${model === "Pareto" ? "needs positive values, not all equal" : "needs values"})`;
  const scale =
    fit.model === "exponential"
      ? `rate ${significant(fit.parameter)} per ${unit.name} (mean ${unit.format(1 / fit.parameter)})`
      : `alpha ${significant(fit.parameter)}, x_min ${unit.format(fit.xMin ?? Number.NaN)}`;
  return `${indent}fit ${model}: ${scale}, log-likelihood ${fit.logLikelihood.toFixed(1)}`;
}

function histogramLines(bins: readonly Bin[], unit: Unit): string[] {
  const most = Math.max(1, ...bins.map((bin) => bin.count));
  const ranges = bins.map((bin) => `${unit.format(bin.low)} - ${unit.format(bin.high)}`);
  const width = Math.max(0, ...ranges.map((range) => range.length));
  return bins.map(
    (bin, index) => `${indent}${(ranges[index] as string).padEnd(width)}  ${"#".repeat(Math.round((bin.count / most) * 30)).padEnd(30)} ${bin.count}`,
  );
}

/**
 * One variable: n and percentiles of the values described (`shown`), both fits over all
 * observations (censored ones included as such), which fits better, and a histogram.
 */
function variableLines(name: string, observations: readonly Observation[], unit: Unit, note = ""): string[] {
  const shown = observations.filter((each) => each.censored !== true).map((each) => each.value);
  const sorted = [...shown].sort((a, b) => a - b);
  if (observations.length === 0) return [`${label(name)}n/a (no bot got this far)`];
  const exponential = fitExponential(observations);
  const pareto = fitPareto(observations);
  const best = betterFit([exponential, pareto]);
  const other = best === exponential ? pareto : exponential;
  const at = (p: number): string => (sorted.length === 0 ? "n/a" : unit.format(percentile(sorted, p)));
  return [
    `${label(name)}n ${sorted.length}${note}: p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}`,
    fitLine(exponential, "exponential", unit),
    fitLine(pareto, "Pareto", unit),
    best === undefined
      ? `${indent}fits better: n/a`
      : `${indent}fits better: ${best.model} (AIC ${best.aic.toFixed(1)}${other !== undefined ? ` vs ${other.aic.toFixed(1)}` : ""})`,
    ...histogramLines(histogram(shown), unit),
  ];
}

/** CCU over the run in `buckets` equal slices, each its time-weighted mean. */
function ccuLines(run: TrafficMeasurements, buckets = 10): string[] {
  const span = run.stoppedAt - run.startedAt;
  const means = Array.from({ length: buckets }, (_, index) =>
    timeWeightedMean(run.ccu, run.startedAt + (span * index) / buckets, run.startedAt + (span * (index + 1)) / buckets),
  );
  const most = Math.max(1, ...means.filter(Number.isFinite));
  return means.map((mean, index) => {
    const from = `${((span * index) / buckets / 1000).toFixed(1)} s`.padStart(8);
    return `${indent}${from}  ${"#".repeat(Math.round((mean / most) * 30)).padEnd(30)} ${mean.toFixed(1)}`;
  });
}

export function trafficReport(run: TrafficMeasurements): string[] {
  const seconds = (run.stoppedAt - run.startedAt) / 1000;
  const expected = run.arrivalsPerSecond * meanSession(run.model);
  const censored = run.sessions.filter((each) => each.censored === true).length;
  const secondHalf = timeWeightedMean(run.ccu, run.startedAt + (run.stoppedAt - run.startedAt) / 2, run.stoppedAt);
  return [
    `${label("traffic model")}open loop: Poisson arrivals at ${run.arrivalsPerSecond}/s (${run.arrivals} arrived, ${(run.arrivals / Math.max(0.001, seconds)).toFixed(2)}/s), sessions ${describeModel(run.model)}, seed ${run.seed}`,
    ...variableLines(
      "set-up time",
      run.setupMs.map((value) => ({ value })),
      MS,
    ),
    ...variableLines(
      "transfer rate",
      run.bytesPerSecond.map((value) => ({ value })),
      BYTES_PER_SECOND,
    ),
    ...variableLines(
      "session length",
      run.sessions,
      SECONDS,
      censored > 0 ? ` ended (+${censored} still connected at the stop, censored in the fits)` : " ended",
    ),
    `${label("CCU")}mean ${timeWeightedMean(run.ccu, run.startedAt, run.stoppedAt).toFixed(2)} over the run, ${secondHalf.toFixed(2)} over its second half; steady state by Little's law (arrival rate x mean session): ${Number.isFinite(expected) ? expected.toFixed(2) : "none (Pareto alpha <= 1: the mean session is infinite)"}`,
    ...ccuLines(run),
  ];
}
