import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { RecordingBenchReport } from "../../loadtest/bench/recordingReport.ts";
import { runProjectScript } from "../support/projectScript.ts";

/**
 * `npm run bench:recording`'s plumbing, every part tiny: a one-second window on the
 * recorded room, a half-minute match replayed with four seeks, three simulated seconds of
 * the tap. The bytes budget is set where no recording meets it, so the run also shows a
 * missed budget becoming exit code 1; the seek budget is loose (the suite loads the machine).
 */
describe("npm run bench:recording", () => {
  const out = mkdtempSync(join(tmpdir(), "tickroom-bench-recording-"));
  after(() => rmSync(out, { recursive: true, force: true }));

  it("measures a recorded room against its spectator, seeks in a replay and times the tap; a missed budget exits 1", async () => {
    const { code, output } = await runProjectScript([
      // As the npm script runs it: the memory a recording holds is read with collections forced.
      "--expose-gc",
      "loadtest/bench/recordingBench.ts",
      "--warmup",
      "0.5",
      "--seconds",
      "1",
      "--minutes",
      "0.5",
      "--seeks",
      "4",
      "--tap-seconds",
      "3",
      "--budget-bytes",
      "0.5",
      "--budget-seek-p99-ms",
      "60000",
      "--out",
      out,
    ]);
    assert.equal(code, 1, output);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as RecordingBenchReport;
    const { bytes, seek, tap } = report;
    assert.ok(bytes !== undefined && seek !== undefined && tap !== undefined, "every part ran");
    assert.ok(bytes.spectatorBytes > 0 && bytes.spectatorPatches > 0, "the spectator received patches");
    assert.ok(bytes.recordedBytes > 0 && bytes.recordedPatches > 0 && bytes.recordedCompressedBytes > 0, "the recording has frames in the window");
    assert.equal(seek.seekMs.count, 4);
    assert.equal(seek.wrongStates, 0, "each seek decoded the state its reply announced");
    assert.ok(seek.keyframes >= 6 && seek.verifyMs > 0 && seek.openMs > 0);
    // Read, not judged: for a half-minute match the heap's own noise can outweigh it (even below zero).
    assert.equal(typeof seek.heldBytes, "number", "the memory the recording held was read");
    assert.equal(tap.patches, 60);
    assert.ok(tap.patchUs.none > 0 && tap.patchUs.buffer > 0 && tap.patchUs.record > 0);
    const markdown = readFileSync(join(out, "report.md"), "utf8");
    assert.match(markdown, /\| recorded bytes per match-minute ≤ 0\.5× a spectator's \| [^|]+ \| \*\*no\*\* \|/);
    assert.match(markdown, /\| seek in a 0\.5-minute match, p99 ≤ 60000 ms \| [^|]+ \| yes \|/);
  });
});
