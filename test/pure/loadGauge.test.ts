import assert from "node:assert/strict";
import type { EventLoopUtilization } from "node:perf_hooks";
import { describe, it } from "node:test";
import { EventLoopGauge } from "../../server/loadGauge.ts";

/** A scripted event loop: `busy` and `idle` are cumulative milliseconds, as Node reports them. */
function scriptedLoop() {
  const loop = { busy: 0, idle: 0 };
  const reading = (): EventLoopUtilization => ({ active: loop.busy, idle: loop.idle, utilization: loop.busy / Math.max(1, loop.busy + loop.idle) });
  const source = (a?: EventLoopUtilization, b?: EventLoopUtilization): EventLoopUtilization => {
    if (a === undefined) return reading();
    const base = b ?? { active: 0, idle: 0, utilization: 0 };
    const active = a.active - base.active;
    const idle = a.idle - base.idle;
    return { active, idle, utilization: active / Math.max(1, active + idle) };
  };
  return { loop, source };
}

describe("event loop gauge", () => {
  it("judges the last sample only: overloaded at the threshold, and back once the loop idles", () => {
    const { loop, source } = scriptedLoop();
    const gauge = new EventLoopGauge(0.9, 60_000, source);
    try {
      assert.equal(gauge.overloaded, false, "nothing measured yet");
      loop.busy += 500;
      loop.idle += 500;
      gauge.sample();
      assert.equal(gauge.utilization, 0.5);
      assert.equal(gauge.overloaded, false);
      loop.busy += 950;
      loop.idle += 50;
      gauge.sample();
      assert.equal(gauge.utilization, 0.95);
      assert.equal(gauge.overloaded, true);
      // A whole history of load does not linger: one quiet second and it seats players again.
      loop.busy += 100;
      loop.idle += 900;
      gauge.sample();
      assert.equal(gauge.overloaded, false);
    } finally {
      gauge.close();
    }
  });

  it("never sheds with a threshold of 1", () => {
    const { loop, source } = scriptedLoop();
    const gauge = new EventLoopGauge(1, 60_000, source);
    try {
      loop.busy += 1000;
      gauge.sample();
      assert.equal(gauge.utilization, 1);
      assert.equal(gauge.overloaded, false);
    } finally {
      gauge.close();
    }
  });
});
