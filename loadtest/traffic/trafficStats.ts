/**
 * The statistics of the open-loop traffic model (issue 16, item 9), pure: draws from the
 * model's distributions with an injected random source, and what the report computes from
 * the measured values (percentiles, histograms, maximum-likelihood fits, which model fits
 * better). No clock, no network: the runner (loadtest/botRunner.ts) feeds it.
 *
 * The seed models a real-time game service by three random variables (connection set-up
 * time, data transfer rate, connection duration), each exponential or power-law (Pareto);
 * so every measured variable here is fitted with both, and the report says which fits.
 */
import type { Random } from "../../shared/random.ts";

/** How long a bot stays: exponential with a mean, or Pareto (power law) with a shape and a minimum. Seconds. */
export type SessionModel = { readonly kind: "exponential"; readonly mean: number } | { readonly kind: "pareto"; readonly alpha: number; readonly xMin: number };

/** `exponential:<mean seconds>` or `pareto:<alpha>:<min seconds>`; throws with the expected form otherwise. */
export function parseSessionModel(text: string): SessionModel {
  const [kind, ...rest] = text.split(":");
  const numbers = rest.map(Number);
  const positive = numbers.every((value) => Number.isFinite(value) && value > 0);
  if (kind === "exponential" && numbers.length === 1 && positive) return { kind, mean: numbers[0] as number };
  if (kind === "pareto" && numbers.length === 2 && positive) return { kind, alpha: numbers[0] as number, xMin: numbers[1] as number };
  throw new Error(`--session ${text}: expected exponential:<mean seconds> or pareto:<alpha>:<min seconds>, every number > 0`);
}

/** One uniform draw in (0, 1]: 1 - [0, 1), so that its logarithm is finite. */
const openUniform = (random: Random): number => 1 - random();

/** An exponential draw with this mean (inverse transform). */
export function sampleExponential(mean: number, random: Random): number {
  return -mean * Math.log(openUniform(random));
}

/** A Pareto draw: at least `xMin`, P(X > x) = (xMin / x)^alpha (inverse transform). */
export function samplePareto(alpha: number, xMin: number, random: Random): number {
  return xMin / openUniform(random) ** (1 / alpha);
}

/** A session length drawn from the model, seconds. */
export function sampleSession(model: SessionModel, random: Random): number {
  return model.kind === "exponential" ? sampleExponential(model.mean, random) : samplePareto(model.alpha, model.xMin, random);
}

/** The model's mean session, seconds: infinite for a Pareto with alpha <= 1 (no steady state then). */
export function meanSession(model: SessionModel): number {
  if (model.kind === "exponential") return model.mean;
  return model.alpha > 1 ? (model.alpha * model.xMin) / (model.alpha - 1) : Number.POSITIVE_INFINITY;
}

export function describeModel(model: SessionModel): string {
  return model.kind === "exponential" ? `exponential, mean ${model.mean} s` : `Pareto, alpha ${model.alpha}, minimum ${model.xMin} s`;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at
 * least a fraction `p` of the values at or below it. NaN for no values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface Bin {
  /** The bin holds values in [low, high); the last one holds its high edge too. */
  readonly low: number;
  readonly high: number;
  readonly count: number;
}

/**
 * Counts of `values` in `bins` bins from their minimum to their maximum. Heavy-tailed
 * values (all positive, the largest over 20 times the smallest) get logarithmic bins: on
 * linear ones a power law puts nearly everything in the first bin.
 */
export function histogram(values: readonly number[], bins = 8): Bin[] {
  if (values.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (min === max) return [{ low: min, high: max, count: values.length }];
  const logarithmic = min > 0 && max / min > 20;
  const edge = (index: number): number => (logarithmic ? min * (max / min) ** (index / bins) : min + ((max - min) * index) / bins);
  const counts = new Array<number>(bins).fill(0);
  const position = (value: number): number => (logarithmic ? Math.log(value / min) / Math.log(max / min) : (value - min) / (max - min));
  for (const value of values) {
    const index = Math.min(bins - 1, Math.floor(position(value) * bins));
    counts[index] = (counts[index] as number) + 1;
  }
  return counts.map((count, index) => ({ low: edge(index), high: index === bins - 1 ? max : edge(index + 1), count }));
}

/**
 * A measured value, possibly right-censored: a session still running when the run stopped
 * lasted at least `value`. A fit that dropped those, or took them as ended, would
 * underestimate long sessions.
 */
export interface Observation {
  readonly value: number;
  readonly censored?: boolean;
}

export interface Fit {
  readonly model: "exponential" | "Pareto";
  /** Exponential: the rate (1 / mean). Pareto: the shape alpha. */
  readonly parameter: number;
  /** Pareto: the scale, the smallest value observed. */
  readonly xMin?: number;
  readonly logLikelihood: number;
  /** Akaike's criterion, 2k - 2 ln L: the Pareto's x_min is fitted too, so it pays for a second parameter. */
  readonly aic: number;
}

/**
 * The exponential's maximum-likelihood fit: rate = (values not censored) / (sum of all
 * values), i.e. 1 / mean without censoring. Undefined without an uncensored positive total.
 */
export function fitExponential(observations: readonly Observation[]): Fit | undefined {
  let events = 0;
  let total = 0;
  for (const { value, censored } of observations) {
    if (!(value >= 0)) return undefined;
    total += value;
    if (censored !== true) events++;
  }
  if (events === 0 || total <= 0) return undefined;
  const rate = events / total;
  // ln L = sum over events of ln(rate) - rate * sum of all values (censored ones contribute their survival, e^(-rate t)).
  const logLikelihood = events * Math.log(rate) - rate * total;
  return { model: "exponential", parameter: rate, logLikelihood, aic: 2 - 2 * logLikelihood };
}

/**
 * The Pareto's maximum-likelihood fit with x_min the smallest value not censored: alpha =
 * (values not censored) / sum of ln(value / x_min). A censored value below x_min says
 * nothing (every draw exceeds x_min) and is left out. Undefined for non-positive values or
 * when every value equals x_min (alpha would be infinite).
 */
export function fitPareto(observations: readonly Observation[]): Fit | undefined {
  let xMin = Number.POSITIVE_INFINITY;
  for (const { value, censored } of observations) {
    if (!(value > 0)) return undefined;
    if (censored !== true) xMin = Math.min(xMin, value);
  }
  if (xMin === Number.POSITIVE_INFINITY) return undefined;
  let events = 0;
  let eventLogRatios = 0;
  let censoredLogRatios = 0;
  for (const { value, censored } of observations) {
    if (censored !== true) {
      events++;
      eventLogRatios += Math.log(value / xMin);
    } else if (value > xMin) censoredLogRatios += Math.log(value / xMin);
  }
  const logRatios = eventLogRatios + censoredLogRatios;
  if (logRatios <= 0) return undefined;
  const alpha = events / logRatios;
  // Events: density alpha x_min^alpha / x^(alpha+1) = (alpha / x_min) (x_min / x)^(alpha+1); censored values: survival (x_min / x)^alpha.
  const logLikelihood = events * Math.log(alpha / xMin) - (alpha + 1) * eventLogRatios - alpha * censoredLogRatios;
  return { model: "Pareto", parameter: alpha, xMin, logLikelihood, aic: 4 - 2 * logLikelihood };
}

/** Of the fits that exist, the one with the lower AIC. */
export function betterFit(fits: ReadonlyArray<Fit | undefined>): Fit | undefined {
  let best: Fit | undefined;
  for (const fit of fits) if (fit !== undefined && (best === undefined || fit.aic < best.aic)) best = fit;
  return best;
}

/** A count that changes at instants (ms): the count from `at` on. */
export interface Step {
  readonly at: number;
  readonly count: number;
}

/** The time-weighted mean of a step function starting at 0, over [from, to). */
export function timeWeightedMean(steps: readonly Step[], from: number, to: number): number {
  if (!(to > from)) return Number.NaN;
  let area = 0;
  let count = 0;
  let since = from;
  for (const step of steps) {
    if (step.at >= to) break;
    if (step.at > since) {
      area += count * (step.at - since);
      since = step.at;
    }
    count = step.count;
  }
  area += count * (to - since);
  return area / (to - from);
}
