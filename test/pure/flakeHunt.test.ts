import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { failedTests } from "../../tools/flakeHunt.ts";

describe("the flake hunt's reading of a run", () => {
  it("names each failed test by its file and suites, and not the suites that failed with it", () => {
    const tap = [
      "# Subtest: test/in-process/faults.test.ts",
      "    # Subtest: faults",
      "        # Subtest: detects a half-open connection",
      "        ok 1 - detects a half-open connection",
      "        # Subtest: cuts a stalled reader",
      "        not ok 2 - cuts a stalled reader",
      "    not ok 1 - faults",
      "not ok 1 - test/in-process/faults.test.ts",
      "# Subtest: test/pure/chat.test.ts",
      "ok 2 - test/pure/chat.test.ts",
      "# Subtest: test/in-process/broken.test.ts",
      "not ok 3 - test/in-process/broken.test.ts",
    ].join("\n");
    assert.deepEqual(failedTests(tap), ["test/in-process/faults.test.ts > faults > cuts a stalled reader", "test/in-process/broken.test.ts"]);
    assert.deepEqual(failedTests("# Subtest: a\nok 1 - a\n"), []);
  });
});
