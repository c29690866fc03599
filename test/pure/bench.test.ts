import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketsBetween, bucketsOf, parsePrometheusText, quantileOf, sumOf } from "../../loadtest/bench/prometheusText.ts";
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
  type StepResult,
  sloBreaches,
  TICKROOM,
  TICKROOM_WITHOUT_METRICS,
} from "../../loadtest/bench/report.ts";

const exposition = `# HELP tickroom_tick_duration_seconds Duration.
# TYPE tickroom_tick_duration_seconds histogram
tickroom_tick_duration_seconds_bucket{le="0.001",type="arena"} 50
tickroom_tick_duration_seconds_bucket{le="0.002",type="arena"} 90
tickroom_tick_duration_seconds_bucket{le="0.004",type="arena"} 100
tickroom_tick_duration_seconds_bucket{le="+Inf",type="arena"} 100
tickroom_tick_duration_seconds_count{type="arena"} 100
tickroom_rejected_messages_total{type="chat",reason="say \\"hi\\""} 3
tickroom_rejected_messages_total{type="chat",reason="TEXT_EMPTY"} 2
process_resident_memory_bytes 1.5e+08
`;

describe("Prometheus text reading", () => {
  const samples = parsePrometheusText(exposition);

  it("reads samples, labels (with escapes) and exponents", () => {
    assert.equal(sumOf(samples, "tickroom_rejected_messages_total", { type: "chat" }), 5);
    assert.equal(sumOf(samples, "tickroom_rejected_messages_total", { reason: 'say "hi"' }), 3);
    assert.equal(sumOf(samples, "process_resident_memory_bytes"), 150_000_000);
    assert.equal(sumOf(samples, "absent_metric"), 0);
  });

  it("estimates quantiles from buckets as histogram_quantile does", () => {
    const buckets = bucketsOf(samples, "tickroom_tick_duration_seconds", { type: "arena" });
    assert.deepEqual(
      buckets.map((b) => b.le),
      [0.001, 0.002, 0.004, Infinity],
    );
    assert.equal(quantileOf(buckets, 0.5), 0.001);
    // Rank 95 lies halfway through the (0.002, 0.004] bucket's 10 observations.
    assert.ok(Math.abs((quantileOf(buckets, 0.95) ?? 0) - 0.003) < 1e-12);
    assert.equal(quantileOf([], 0.5), undefined);
  });

  it("answers the last finite bound for ranks in the +Inf bucket, and diffs two scrapes", () => {
    const before = [
      { le: 0.001, count: 10 },
      { le: Infinity, count: 10 },
    ];
    const after = [
      { le: 0.001, count: 10 },
      { le: Infinity, count: 20 },
    ];
    const window = bucketsBetween(before, after);
    assert.deepEqual(window, [
      { le: 0.001, count: 0 },
      { le: Infinity, count: 10 },
    ]);
    assert.equal(quantileOf(window, 0.99), 0.001);
  });
});

function step(target: string, requested: number, overrides: Partial<StepResult> = {}): StepResult {
  return {
    target,
    requested,
    ccu: requested,
    failedJoins: 0,
    dropped: 0,
    setupMs: { p50: 3, p95: 5, p99: 8 },
    patchHz: 20,
    slowestRoomPatchHz: 19,
    patchDelayMs: { p50: 2, p95: 4, p99: 6 },
    tickMs: { p50: 0.1, p95: 0.2, p99: 0.3 },
    tickOverruns: 0,
    eventLoopUtilization: 0.1,
    ccuPerProcess: requested,
    cpuUsPerClientSecond: 1000,
    serverCpuPercent: 10,
    bytesPerClientSecond: 4000,
    serverRssMiB: 100,
    generatorCpuPercent: 20,
    ...overrides,
  };
}

describe("benchmark report", () => {
  it("takes nearest-rank percentiles", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual(percentiles(samples), { p50: 50, p95: 95, p99: 99 });
    assert.deepEqual(percentiles([]), { p50: 0, p95: 0, p99: 0 });
  });

  it("gives tickroom's ratios to each baseline at each step", () => {
    const results = [
      step(TICKROOM, 64, { cpuUsPerClientSecond: 800, bytesPerClientSecond: 5000 }),
      step(TICKROOM_WITHOUT_METRICS, 64, { cpuUsPerClientSecond: 760 }),
      step(NAIVE, 64, { cpuUsPerClientSecond: 1000, bytesPerClientSecond: 50_000 }),
      step(LIMIT, 64, { cpuUsPerClientSecond: 400, bytesPerClientSecond: 2500 }),
      step(NAIVE, 128),
    ];
    const [ratios, ...rest] = ratiosOf(results);
    assert.equal(rest.length, 0, "no row for a step tickroom did not run");
    assert.equal(ratios?.cpuVsNaive, 0.8);
    assert.equal(ratios?.bytesVsNaive, 0.1);
    assert.equal(ratios?.cpuVsLimit, 2);
    assert.equal(ratios?.bytesVsLimit, 2);
    assert.ok(Math.abs((ratios?.cpuMetricsOnVsOff ?? 0) - 800 / 760) < 1e-12);
  });

  it("reports every breached SLO of tickroom, and only tickroom's", () => {
    const results = [
      step(TICKROOM, 64),
      step(TICKROOM, 128, { tickMs: { p50: 1, p95: 2, p99: 2.5 }, failedJoins: 1, patchDelayMs: { p50: 5, p95: 40, p99: 80 } }),
      step(NAIVE, 128, { failedJoins: 9 }),
    ];
    const breaches = sloBreaches(results, defaultSlos);
    assert.equal(breaches.length, 3);
    assert.ok(breaches.every((b) => b.startsWith("at 128 CCU")));
    assert.deepEqual(sloBreaches(results, { ...defaultSlos, tickP99Ms: 3, patchDelayP99Ms: 100, failedJoins: 1 }), []);
  });

  it("reads each server's capacity as the highest CCU before its first breach", () => {
    const results = [
      step(TICKROOM, 160),
      step(NAIVE, 160),
      step(TICKROOM, 320),
      step(NAIVE, 320, { patchDelayMs: { p50: 20, p95: 60, p99: 90 }, generatorCpuPercent: 70 }),
      step(TICKROOM, 480, { setupMs: { p50: 10, p95: 900, p99: 1500 } }),
      // After a breach the ramp is over for that server, whatever a later step says.
      step(TICKROOM, 640),
      step(LIMIT, 160, { failedJoins: 1 }),
    ];
    const [tickroom, naive, limit, absent] = capacityOf(results, [TICKROOM, NAIVE, LIMIT, TICKROOM_WITHOUT_METRICS], defaultSlos);
    assert.deepEqual(tickroom, {
      target: TICKROOM,
      highestMet: 320,
      firstBreach: { ccu: 480, reasons: ["p99 connection setup 1500.0 ms > 1000 ms"] },
      generatorCpuPercent: 20,
    });
    assert.equal(naive?.highestMet, 160);
    assert.equal(naive?.firstBreach?.ccu, 320);
    assert.equal(naive?.generatorCpuPercent, 70);
    assert.equal(limit?.highestMet, undefined, "breached at its first step");
    assert.deepEqual(absent, { target: TICKROOM_WITHOUT_METRICS, highestMet: undefined, firstBreach: undefined, generatorCpuPercent: 0 });
  });

  it("renders Markdown and an SVG with every target", () => {
    const results = [step(TICKROOM, 64), step(NAIVE, 64, { bytesPerClientSecond: 50_000 }), step(LIMIT, 64, { bytesPerClientSecond: 2500 })];
    const report: BenchReport = {
      startedAt: "2026-11-24T00:00:00.000Z",
      durationSeconds: 60,
      machine: { cpus: 2, model: "test cpu", node: "v22", load: [0.1, 0.2, 0.3] },
      settings: { steps: [64], playersPerRoom: 16, warmupSeconds: 2, windowSeconds: 6, workers: 2, impairment: "loopback, unimpaired" },
      results,
      ratios: ratiosOf(results),
      slos: defaultSlos,
      breaches: ["at 64 CCU: made up"],
    };
    const markdown = renderMarkdown(report);
    assert.match(markdown, /\| 64 \| 1\.00 \| 0\.080 \| 1\.00 \| 1\.60 \| – \|/);
    assert.match(markdown, /BREACHED at 64 CCU: made up/);
    assert.doesNotMatch(markdown, /## Capacity/, "only a capacity run has a capacity table");
    const withCapacity = renderMarkdown({ ...report, capacity: capacityOf(results, [TICKROOM, NAIVE], defaultSlos) });
    assert.match(withCapacity, /\| tickroom \| 64 or more \(the ramp ended\) \| – \| 20 \|/);
    const svg = renderSvg(report);
    assert.match(svg, /^<svg /);
    for (const target of [TICKROOM, NAIVE, LIMIT]) assert.ok(svg.includes(`>${target}</text>`));
  });
});
