/**
 * A second process for test/processes/storeConcurrency.test.ts: records `count` matches of
 * `p-ada` against `p-bob` on the PostgreSQL store at `url`, ids prefixed `prefix`, as fast
 * as it can, then prints "done".
 * Run: node --import tsx test/support/recordMatches.ts <url> <prefix> <count>
 */
import { recordMatch } from "../../server/store/matchRecords.ts";
import { openStore } from "../../server/store/store.ts";

const [url, prefix, count] = process.argv.slice(2);
if (url === undefined || prefix === undefined || count === undefined) throw new Error("usage: recordMatches.ts <url> <prefix> <count>");
const store = (await openStore({ kind: "postgres", url, dataDir: "/tmp" }))!;
try {
  for (let i = 0; i < Number(count); i++) {
    const at = Date.now();
    // Alternate winners so both ratings move both ways.
    const [first, second] = i % 2 === 0 ? ["p-ada", "p-bob"] : ["p-bob", "p-ada"];
    await recordMatch(store, {
      matchId: `${prefix}:${i}`,
      game: "tictactoe",
      ranked: true,
      startedAt: at - 1000,
      endedAt: at,
      players: [
        { playerId: first, name: first, team: 1, place: 1, forfeited: false },
        { playerId: second, name: second, team: 2, place: 2, forfeited: false },
      ],
    });
  }
  console.log("done");
} finally {
  await store.close();
}
