import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runProjectScript } from "../support/projectScript.ts";
import { freshPostgresStore } from "../support/stores.ts";

const SCRIPT = fileURLToPath(new URL("../support/recordMatches.ts", import.meta.url));
const PER_PROCESS = 15;

/** Run the recorder in its own process; resolves when it has printed "done" and exited 0. */
async function recorder(url: string, prefix: string): Promise<void> {
  const { code, output } = await runProjectScript([SCRIPT, url, prefix, String(PER_PROCESS)]);
  assert.equal(code, 0, `recorder ${prefix} failed:\n${output}`);
  assert.match(output, /done/);
}

describe("two processes on one PostgreSQL", () => {
  it("rate matches of the same two players at once without losing an update", async () => {
    const opened = await freshPostgresStore();
    try {
      const { store, settings } = opened;
      for (const id of ["p-ada", "p-bob"]) {
        await store.db
          .insertInto("accounts")
          .values({ id, name: id, username_key: null, username: null, password_hash: null, created_at: 0, deleted_at: null })
          .execute();
      }
      assert.ok(settings.kind === "postgres");
      await Promise.all([recorder(settings.url, "one"), recorder(settings.url, "two")]);

      const ratings = await store.db.selectFrom("ratings").select(["account_id", "played", "mu"]).orderBy("account_id").execute();
      assert.deepEqual(
        ratings.map((row) => [row.account_id, row.played]),
        [
          ["p-ada", 2 * PER_PROCESS],
          ["p-bob", 2 * PER_PROCESS],
        ],
      );
      // Every match started from the rating the one before it left, whichever process recorded
      // it: a lost update would leave two matches starting from the same rating.
      for (const { account_id: id, mu } of ratings) {
        const steps = await store.db.selectFrom("match_players").select(["mu_before", "mu_after"]).where("player_id", "=", id).execute();
        assert.equal(new Set(steps.map((step) => step.mu_before)).size, steps.length, `${id}: no two matches start from the same rating`);
        const after = new Set(steps.map((step) => step.mu_after));
        const starts = steps.filter((step) => !after.has(step.mu_before));
        assert.equal(starts.length, 1, `${id}: one chain, from the first rating`);
        assert.ok(
          steps.some((step) => step.mu_after === mu),
          `${id}: the chain ends at the stored rating`,
        );
      }
    } finally {
      await opened.dispose();
    }
  });
});
