import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trafficReport } from "../../loadtest/traffic/trafficReport.ts";
import {
  betterFit,
  fitExponential,
  fitPareto,
  histogram,
  meanSession,
  type Observation,
  parseSessionModel,
  percentile,
  sampleExponential,
  samplePareto,
  sampleSession,
  timeWeightedMean,
} from "../../loadtest/traffic/trafficStats.ts";
import { seededRandom } from "../../shared/random.ts";

const N = 20_000;

/** `n` draws of `draw` from a seeded source. */
function draws(seed: number, draw: (random: () => number) => number, n = N): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => draw(random));
}

const within = (actual: number, expected: number, relative: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual}, expected ${expected} within ${relative * 100}%`);

const observed = (values: readonly number[]): Observation[] => values.map((value) => ({ value }));

/** Right-censor at `limit`: what a run that stops at `limit` sees of each session. */
const censorAt = (values: readonly number[], limit: number): Observation[] =>
  values.map((value) => (value > limit ? { value: limit, censored: true } : { value }));

describe("load-test traffic statistics", () => {
  it("percentiles are nearest-rank over sorted values", () => {
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    assert.equal(percentile(hundred, 0.5), 50);
    assert.equal(percentile(hundred, 0.9), 90);
    assert.equal(percentile(hundred, 0.99), 99);
    assert.equal(percentile(hundred, 1), 100);
    assert.equal(percentile([1, 2, 3], 0.5), 2);
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
    assert.equal(percentile([7], 0.99), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it("the exponential fit recovers the rate of seeded exponential draws (3 standard errors at 20 000 draws is 2%)", () => {
    for (const [seed, mean] of [
      [1, 1],
      [2, 0.25],
      [3, 40],
    ] as const) {
      const fit = fitExponential(observed(draws(seed, (random) => sampleExponential(mean, random))));
      assert.ok(fit !== undefined);
      within(fit.parameter, 1 / mean, 0.03, `rate, mean ${mean}`);
    }
  });

  it("the Pareto fit recovers alpha and x_min of seeded Pareto draws", () => {
    for (const [seed, alpha, xMin] of [
      [4, 1.2, 0.5],
      [5, 2.5, 10],
    ] as const) {
      const values = draws(seed, (random) => samplePareto(alpha, xMin, random));
      const fit = fitPareto(observed(values));
      assert.ok(fit !== undefined);
      within(fit.parameter, alpha, 0.04, `alpha ${alpha}`);
      assert.ok(fit.xMin !== undefined && fit.xMin >= xMin && fit.xMin < xMin * 1.001, `x_min ${fit.xMin}`);
      assert.ok(values.every((value) => value >= xMin));
    }
  });

  it("censored sessions (cut by the run's stop) are fitted as lower bounds, not dropped nor taken as ended", () => {
    const mean = 2;
    const values = draws(6, (random) => sampleExponential(mean, random));
    const censored = censorAt(values, 2);
    assert.ok(censored.filter((each) => each.censored).length > N / 4, "a good share is censored");
    within(fitExponential(censored)?.parameter ?? Number.NaN, 1 / mean, 0.04, "censored rate");
    // Taking censored values as ended overestimates the rate badly: what the censoring corrects.
    const naive = fitExponential(censored.map(({ value }) => ({ value })))?.parameter ?? Number.NaN;
    assert.ok(naive > 1.3 / mean, `naive rate ${naive}`);

    const alpha = 1.5;
    const heavy = censorAt(
      draws(7, (random) => samplePareto(alpha, 1, random)),
      5,
    );
    within(fitPareto(heavy)?.parameter ?? Number.NaN, alpha, 0.05, "censored alpha");
  });

  it("says which model fits better: exponential draws are exponential, Pareto draws Pareto", () => {
    const exponential = observed(draws(8, (random) => sampleExponential(1, random), 2000));
    assert.equal(betterFit([fitExponential(exponential), fitPareto(exponential)])?.model, "exponential");
    const pareto = observed(draws(9, (random) => samplePareto(1.3, 1, random), 2000));
    assert.equal(betterFit([fitExponential(pareto), fitPareto(pareto)])?.model, "Pareto");
  });

  it("fits nothing it cannot: no values, a non-positive value for the Pareto, every value equal", () => {
    assert.equal(fitExponential([]), undefined);
    assert.equal(fitPareto([]), undefined);
    assert.equal(fitPareto(observed([0, 1, 2])), undefined);
    assert.equal(fitPareto(observed([3, 3, 3])), undefined);
    assert.equal(fitExponential([{ value: 1, censored: true }]), undefined);
  });

  it("draws sessions from the parsed model, whose mean is the model's", () => {
    const exponential = parseSessionModel("exponential:3");
    assert.deepEqual(exponential, { kind: "exponential", mean: 3 });
    assert.equal(meanSession(exponential), 3);
    const pareto = parseSessionModel("pareto:2.5:1.2");
    assert.deepEqual(pareto, { kind: "pareto", alpha: 2.5, xMin: 1.2 });
    within(meanSession(pareto), 2, 1e-12, "Pareto mean");
    assert.equal(meanSession(parseSessionModel("pareto:0.9:1")), Number.POSITIVE_INFINITY);
    const sessions = draws(10, (random) => sampleSession(pareto, random), 100_000);
    within(sessions.reduce((a, b) => a + b, 0) / sessions.length, 2, 0.03, "Pareto sample mean");
    for (const bad of ["exponential", "exponential:-1", "pareto:2", "pareto:0:1", "normal:1", "exponential:x"]) {
      assert.throws(() => parseSessionModel(bad), /expected exponential:<mean seconds> or pareto:<alpha>:<min seconds>/, bad);
    }
  });

  it("histograms count every value once, linear for narrow ranges, logarithmic for heavy tails", () => {
    const linear = histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5);
    assert.deepEqual(
      linear.map((bin) => [bin.low, bin.high, bin.count]),
      [
        [0, 2, 2],
        [2, 4, 2],
        [4, 6, 2],
        [6, 8, 2],
        [8, 10, 3],
      ],
    );
    // Edges 1, 10, 100, 1000.
    const heavy = histogram([1, 2, 5, 11, 20, 50, 110, 1000], 3);
    assert.deepEqual(
      heavy.map((bin) => bin.count),
      [3, 3, 2],
    );
    within(heavy[1]?.low ?? Number.NaN, 10, 1e-9, "log edge");
    assert.deepEqual(histogram([4, 4, 4]), [{ low: 4, high: 4, count: 3 }]);
    assert.deepEqual(histogram([]), []);
    const many = draws(11, (random) => samplePareto(1.1, 1, random), 5000);
    assert.equal(
      histogram(many).reduce((sum, bin) => sum + bin.count, 0),
      5000,
    );
  });

  it("the time-weighted mean of a step count weighs each count by how long it held", () => {
    const steps = [
      { at: 0, count: 1 },
      { at: 10, count: 3 },
      { at: 15, count: 0 },
    ];
    assert.equal(timeWeightedMean(steps, 0, 20), (1 * 10 + 3 * 5) / 20);
    assert.equal(timeWeightedMean(steps, 10, 15), 3);
    assert.equal(timeWeightedMean(steps, 12, 30), (3 * 3) / 18);
    assert.equal(timeWeightedMean([], 0, 5), 0);
  });

  it("an M/M/infinity run simulated from seeded draws settles at Little's law's CCU, and the report says so", () => {
    // Arrivals at 5/s, sessions exponential with mean 2 s, 600 s: CCU settles at 10.
    const random = seededRandom(12);
    const model = parseSessionModel("exponential:2");
    const events: Array<{ at: number; change: number }> = [];
    const sessions: Observation[] = [];
    const end = 600_000;
    for (let at = sampleExponential(200, random); at < end; at += sampleExponential(200, random)) {
      const length = sampleSession(model, random) * 1000;
      events.push({ at, change: 1 });
      if (at + length < end) events.push({ at: at + length, change: -1 });
      sessions.push(at + length < end ? { value: length / 1000 } : { value: (end - at) / 1000, censored: true });
    }
    events.sort((a, b) => a.at - b.at);
    const ccu: Array<{ at: number; count: number }> = [];
    let count = 0;
    for (const { at, change } of events) {
      count += change;
      ccu.push({ at, count });
    }
    // The time average of a Poisson(10) count correlated over 2 s, over 540 s: one standard deviation is 0.27.
    within(timeWeightedMean(ccu, 60_000, end), 10, 0.1, "CCU after warm-up");
    const report = trafficReport({
      arrivalsPerSecond: 5,
      model,
      seed: 12,
      arrivals: sessions.length,
      startedAt: 0,
      stoppedAt: end,
      setupMs: draws(13, (r) => 5 + sampleExponential(10, r), sessions.length),
      bytesPerSecond: draws(14, (r) => samplePareto(2, 500, r), sessions.length),
      sessions,
      ccu,
    }).join("\n");
    for (const label of ["traffic model", "set-up time", "transfer rate", "session length", "CCU"])
      assert.match(report, new RegExp(`^ {2}${label} +`, "m"), label);
    assert.match(report, /Little's law \(arrival rate x mean session\): 10\.00/);
    assert.match(report, /^ {2}session length {4}n \d+ ended \(\+\d+ still connected at the stop, censored in the fits\): p50 /m);
    const fittedMean = Number(/fit exponential: rate [\d.]+ per s \(mean ([\d.]+) s\)/.exec(report)?.[1]);
    within(fittedMean, 2, 0.05, "fitted mean session");
    assert.equal(report.match(/fits better: /g)?.length, 3);
    assert.ok(/^[\x20-\x7e\n]*$/.test(report), "ASCII only");
  });
});
