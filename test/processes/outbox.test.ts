import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MatchResult } from "../../rooms/base/results.ts";
import { ResultOutbox } from "../../server/store/outbox.ts";
import { openStore, type Store } from "../../server/store/store.ts";
import { eventually } from "../support/harness.ts";
import { type PrivatePostgres, startPrivatePostgres } from "../support/privatePostgres.ts";
import { freshEmbeddedStore } from "../support/stores.ts";

function duel(matchId: string): MatchResult {
  const at = Date.now();
  return {
    matchId,
    game: "pong",
    ranked: true,
    startedAt: at - 5000,
    endedAt: at,
    players: [
      { playerId: "p-ada", name: "Ada", team: 1, place: 1, forfeited: false },
      { playerId: "p-bob", name: "Bob", team: 2, place: 2, forfeited: false },
    ],
  };
}

function recorded(outbox: ResultOutbox, matchId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = outbox.onRecorded((result) => {
      if (result.matchId !== matchId) return;
      stop();
      resolve();
    });
  });
}

describe("the result outbox, with results the store can never take", () => {
  it("sets a malformed one aside and records the ones after it", async () => {
    const opened = await freshEmbeddedStore();
    const dataDir = await mkdtemp(join(tmpdir(), "tickroom-outbox-"));
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      for (const [id, name] of [
        ["p-ada", "Ada"],
        ["p-bob", "Bob"],
      ] as const) {
        await opened.store.db
          .insertInto("accounts")
          .values({ id, name, username_key: null, username: null, password_hash: null, created_at: 0, deleted_at: null })
          .execute();
      }
      // What a crash or a hand edit might leave: JSON, but no result.
      await mkdir(join(dataDir, "outbox"), { recursive: true });
      await writeFile(join(dataDir, "outbox", "broken.json"), "{}");
      const outbox = new ResultOutbox(opened.store, dataDir);
      const done = recorded(outbox, "after:1");
      outbox.report(duel("after:1"));
      await done;
      assert.equal(outbox.stats.rejected, 1);
      assert.deepEqual(await readdir(join(dataDir, "outbox", "rejected")), ["broken.json"]);
      await outbox.close();
    } finally {
      clearInterval(keepAlive);
      await opened.dispose();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the result outbox, with the database stopped mid-match", () => {
  let postgres: PrivatePostgres;
  let store: Store;
  let dataDir: string;
  // The outbox's retry timer does not hold a process open (a server's listener does); here nothing else would.
  let keepAlive: ReturnType<typeof setInterval>;
  before(async () => {
    keepAlive = setInterval(() => undefined, 1000);
    postgres = await startPrivatePostgres();
    store = (await openStore({ kind: "postgres", url: postgres.url, dataDir: "/tmp" }))!;
    for (const [id, name] of [
      ["p-ada", "Ada"],
      ["p-bob", "Bob"],
    ] as const) {
      await store.db
        .insertInto("accounts")
        .values({ id, name, username_key: null, username: null, password_hash: null, created_at: 0, deleted_at: null })
        .execute();
    }
    dataDir = await mkdtemp(join(tmpdir(), "tickroom-outbox-"));
  });
  after(async () => {
    clearInterval(keepAlive);
    await store?.close();
    await postgres?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps a result while the database is down and records it, once, when it returns, even across a restart", async () => {
    const outbox = new ResultOutbox(store, dataDir);
    await postgres.stop();
    // The match ends while the database is away: reporting returns at once and keeps the result.
    outbox.report(duel("room:1"));
    await eventually(() => outbox.stats.failures > 0 && outbox.stats.pending === 1, "a failed attempt, the result kept", 15_000);
    assert.deepEqual(await readdir(join(dataDir, "outbox")), [`${encodeURIComponent("room:1")}.json`], "kept on disk");

    // The process restarts before the database returns: the next one finds the result on disk.
    await outbox.close();
    const restarted = new ResultOutbox(store, dataDir);
    assert.equal(restarted.stats.pending, 1);
    const done = recorded(restarted, "room:1");
    await postgres.start();
    await done;
    assert.equal(restarted.stats.pending, 0);
    assert.ok(!existsSync(join(dataDir, "outbox", `${encodeURIComponent("room:1")}.json`)), "the file goes once recorded");

    // Delivered again (a crash between the commit and the unlink): nothing is counted twice.
    const again = recorded(restarted, "room:1");
    restarted.report(duel("room:1"));
    await again;
    assert.equal(restarted.stats.duplicates, 1);
    const ada = await store.db.selectFrom("ratings").select(["played", "wins"]).where("account_id", "=", "p-ada").executeTakeFirstOrThrow();
    assert.deepEqual(ada, { played: 1, wins: 1 });
    await restarted.close();
  });
});
