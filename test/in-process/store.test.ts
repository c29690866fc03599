import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openStore } from "../../server/store/store.ts";
import { STORE_ENGINES } from "../support/stores.ts";

for (const engine of STORE_ENGINES) {
  describe(`the ${engine.name} store`, () => {
    it("applies its migrations once, and keeps its rows across a restart", async () => {
      const opened = await engine.open();
      try {
        const { db } = opened.store;
        await db
          .insertInto("accounts")
          .values({ id: "p-ada", name: "Ada", username_key: null, username: null, password_hash: null, created_at: 1, deleted_at: null })
          .execute();
        const migrations = (
          await db
            .selectFrom("store_migrations" as never)
            .select("name" as never)
            .execute()
        ).length;
        assert.ok(migrations >= 1, "migrations recorded");
        await opened.store.close();
        // A second start migrates nothing and finds the row (the embedded file, the same database).
        const again = (await openStore(opened.settings))!;
        try {
          const rows = await again.db.selectFrom("accounts").select(["id", "name", "created_at"]).execute();
          assert.deepEqual(rows, [{ id: "p-ada", name: "Ada", created_at: 1 }]);
          const applied = await again.db
            .selectFrom("store_migrations" as never)
            .select("name" as never)
            .execute();
          assert.equal(applied.length, migrations, "a second start applies nothing again");
        } finally {
          await again.close();
        }
      } finally {
        // dispose closes the (already closed) first handle again: harmless.
        await opened.dispose();
      }
    });
  });
}
