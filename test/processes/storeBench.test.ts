import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Distribution, StoreBenchReport } from "../../loadtest/bench/storeReport.ts";
import { runProjectScript } from "../support/projectScript.ts";
import { POSTGRES_ADMIN_URL } from "../support/stores.ts";

/** Run `npm run bench:store`'s script with `args`. */
function storeBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return runProjectScript(["loadtest/bench/storeBench.ts", ...args]);
}

function assertFinite(distribution: Distribution, what: string): void {
  for (const [name, value] of Object.entries(distribution)) assert.ok(Number.isFinite(value), `${what}: ${name} is ${value}`);
}

/**
 * The store benchmark's plumbing, both parts tiny, on both engines (the machine's
 * PostgreSQL: .ci/run makes sure it answers). It asserts that every figure is reported
 * and that nothing failed, never how fast anything was.
 */
describe("npm run bench:store", () => {
  const out = mkdtempSync(join(tmpdir(), "tickroom-bench-store-"));
  after(() => rmSync(out, { recursive: true, force: true }));

  it("records results on both engines and queues players with persisted ratings against the baseline", { timeout: 300_000 }, async () => {
    const players = 20;
    const { code, output } = await storeBench([
      "--engines",
      "embedded,postgres",
      "--database-url",
      POSTGRES_ADMIN_URL,
      "--accounts",
      "100",
      "--seconds",
      "1",
      "--rounds",
      "1",
      "--concurrency",
      "4",
      "--queue-players",
      String(players),
      // Ratings close together: every pair forms at once (a wide spread leaves an outlier
      // waiting ~10 s for the queue's gap to widen, which only the real run needs to show).
      "--queue-spread",
      "20",
      "--out",
      out,
    ]);
    assert.equal(code, 0, output);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as StoreBenchReport;
    assert.deepEqual(report.problems, []);

    assert.deepEqual(
      report.throughput.map((r) => r.engine),
      ["embedded", "postgres"],
    );
    for (const r of report.throughput) {
      // Every writer records at least its first result, however slow the machine.
      assert.ok(r.recorded > 0, `${r.engine} recorded results`);
      assert.equal(r.failures, 0);
      assert.equal(r.duplicates, 0);
      assert.equal(r.oneVsOne + r.twoVsTwo, r.recorded);
      assert.equal(r.commitMs.count, r.recorded, `${r.engine}: one commit latency per result`);
      assertFinite(r.commitMs, `${r.engine} commit latency`);
      for (const figure of [r.resultsPerSecond, r.openMs, r.accountsMs, r.rssAddedAtOpenMiB, r.rssAddedMiB]) {
        assert.ok(Number.isFinite(figure), `${r.engine}: ${JSON.stringify(r)}`);
      }
    }
    assert.ok(report.embeddedVsPostgres !== undefined);
    assert.ok(Number.isFinite(report.embeddedVsPostgres.resultsPerSecond) && Number.isFinite(report.embeddedVsPostgres.commitP99));

    assert.deepEqual(
      report.queue.map((r) => r.target),
      ["no store", "embedded", "postgres"],
    );
    for (const r of report.queue) {
      assert.equal(r.players, players);
      assert.equal(r.matched, players, `${r.target}: everyone matched`);
      assert.equal(r.oddMatches, 0);
      assert.equal(r.timeToMatchMs.count, players);
      assertFinite(r.timeToMatchMs, `${r.target} time-to-match`);
      assertFinite(r.entryMs, `${r.target} entry`);
      assertFinite(r.waitMs, `${r.target} wait`);
      assert.equal(r.ratingGap.count, players / 2, `${r.target}: one gap per pair`);
      assertFinite(r.ratingGap, `${r.target} rating gap`);
      assert.equal(r.ratingsAsStored, players, `${r.target}: the queue paired everyone on the stored rating`);
      assert.equal(r.roomsLeft, 0, `${r.target}: every room left`);
    }
    const [baseline, ...stored] = report.queue;
    assert.equal(baseline!.ratingGap.max, 0, "without a store everyone is at 1000");
    for (const r of stored) assert.ok(r.ratingSpread > 0, `${r.target}: ratings spread`);
    assert.deepEqual(
      report.queueVsBaseline.map((r) => r.target),
      ["embedded", "postgres"],
    );
    for (const r of report.queueVsBaseline) assert.ok(Number.isFinite(r.timeToMatchP50) && Number.isFinite(r.timeToMatchP99));

    const markdown = readFileSync(join(out, "report.md"), "utf8");
    assert.match(markdown, /## Results recorded/);
    assert.match(markdown, /## Queue time-to-match/);
  });
});
