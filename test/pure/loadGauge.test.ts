import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventLoopDelayGauge } from "../../server/loadGauge.ts";

/** A scripted delay histogram: `p99Ms` is the whole wait of the 99th-percentile timer, as Node records it. */
class ScriptedHistogram {
  p99Ms = 10;
  resets = 0;
  enabled = false;
  percentile(percentile: number): number {
    assert.equal(percentile, 99);
    return this.p99Ms * 1e6;
  }
  reset(): void {
    this.resets++;
  }
  enable(): void {
    this.enabled = true;
  }
  disable(): void {
    this.enabled = false;
  }
}

describe("event loop delay gauge", () => {
  it("is overloaded while the loop runs its timers later than the bound two seconds in a row", () => {
    const histogram = new ScriptedHistogram();
    const gauge = new EventLoopDelayGauge(100, 2, 60_000, histogram);
    try {
      assert.ok(histogram.enabled);
      assert.equal(gauge.overloaded, false, "nothing measured yet");
      // The 10 ms resolution is the timer's own wait, not lateness.
      histogram.p99Ms = 10.4;
      gauge.sample();
      assert.ok(gauge.delayMs < 1);
      assert.equal(gauge.overloaded, false);
      histogram.p99Ms = 250;
      gauge.sample();
      assert.equal(gauge.delayMs, 240);
      assert.equal(gauge.overloaded, false, "one late second is a hiccup (a start, a long GC)");
      gauge.sample();
      assert.equal(gauge.overloaded, true, "two in a row is overload");
      assert.equal(gauge.reading, "event loop 240 ms late");
      // Each sample starts a fresh window: one calm second and it seats players again.
      histogram.p99Ms = 12;
      gauge.sample();
      assert.equal(gauge.overloaded, false);
      assert.equal(histogram.resets, 4);
    } finally {
      gauge.close();
    }
    assert.equal(histogram.enabled, false, "closing stops the histogram");
  });

  it("reads the real event loop: a loop blocked for 300 ms is late by about that much", async () => {
    const gauge = new EventLoopDelayGauge(100, 1, 60_000);
    try {
      // Let the histogram's timer start, block the loop, then let the late timer fire.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const until = Date.now() + 300;
      while (Date.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 30));
      gauge.sample();
      assert.ok(gauge.delayMs >= 100, `${gauge.delayMs} ms`);
      assert.equal(gauge.overloaded, true);
    } finally {
      gauge.close();
    }
  });
});
