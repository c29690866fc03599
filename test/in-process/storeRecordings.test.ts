import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import { encodeRecording, FrameKind, type RecordingHeader } from "../../rooms/base/recording.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { historyOf, recordMatch } from "../../server/store/matchRecords.ts";
import { StoreRecordings } from "../../server/store/recordings.ts";
import { quietPeriod, startTestServer, untilState } from "../support/harness.ts";
import { STORE_ENGINES } from "../support/stores.ts";
import { playTopRowWin } from "../support/ticTacToe.ts";

const DAY_MS = 86_400_000;

function header(matchId: string): RecordingHeader {
  return { matchId, roomType: "tictactoe", roomId: matchId.split(":")[0] ?? matchId, startedAt: 1_700_000_000_000, durationMs: 100, handshake: "AAE=" };
}

/** Every byte value in the frames: a binary column that mangles any of them is caught. */
const frames = [
  { kind: FrameKind.keyframe, t: 0, bytes: Uint8Array.from({ length: 256 }, (_, index) => index) },
  { kind: FrameKind.patch, t: 100, bytes: Uint8Array.from([15, 0, 255, 128]) },
];

for (const engine of STORE_ENGINES) {
  describe(`recordings in the ${engine.name} store`, () => {
    it("keeps a recording byte for byte, links it from the match history, and forgets it past the retention", async () => {
      const opened = await engine.open();
      try {
        const recordings = new StoreRecordings(opened.store, 30 * DAY_MS);
        const bytes = await recordings.save({ header: header("r1:1"), frames });
        assert.ok(bytes > 0);
        assert.deepEqual(await recordings.load("r1:1"), encodeRecording(header("r1:1"), frames));
        assert.equal(await recordings.load("r2:1"), undefined);

        // The match history shows which of a player's matches can be replayed.
        const player = { playerId: "anon:a", name: "A", team: 1, place: 1, forfeited: false };
        for (const matchId of ["r1:1", "r2:1"]) {
          await recordMatch(opened.store, { matchId, game: "tictactoe", ranked: false, startedAt: 1, endedAt: 2, players: [player] });
        }
        const history = await historyOf(opened.store, "anon:a", { limit: 10 });
        assert.deepEqual(Object.fromEntries(history.map((entry) => [entry.matchId, entry.replayId])), { "r1:1": "r1:1", "r2:1": null });

        // Past the retention: refused at once, and deleted when the next one is saved.
        await opened.store.db
          .updateTable("recordings")
          .set({ saved_at: Date.now() - 31 * DAY_MS })
          .where("match_id", "=", "r1:1")
          .execute();
        assert.equal(await recordings.load("r1:1"), undefined, "an expired recording is not replayed");
        await recordings.save({ header: header("r3:1"), frames });
        const kept = await opened.store.db.selectFrom("recordings").select("match_id").orderBy("match_id").execute();
        assert.deepEqual(
          kept.map((row) => row.match_id),
          ["r3:1"],
        );
      } finally {
        await opened.dispose();
      }
    });
  });
}

describe("a server with the embedded store", () => {
  it("records a game into the store and replays it from there", async () => {
    const server = await startTestServer({ STORE_ENABLED: "true", RECORD_MATCHES: "all" });
    const rooms: Room[] = [];
    try {
      const x = await server.client().create<TicTacToeState>("tictactoe", {});
      const o = await server.client().joinById<TicTacToeState>(x.roomId, {});
      rooms.push(x, o);
      const final = [...(await playTopRowWin(x, o)).board];
      const matchId = `${x.roomId}:1`;
      const store = server.store;
      assert.ok(store !== undefined);
      // The recording is written after the match, off the tick: wait for its row.
      for (let reads = 0; ; reads++) {
        const row = await store.db.selectFrom("recordings").select("match_id").where("match_id", "=", matchId).executeTakeFirst();
        if (row !== undefined) break;
        assert.ok(reads < 200, "the recording reaches the store");
        await quietPeriod(20);
      }
      const viewer = await server.client().joinOrCreate<TicTacToeState>("replay", { matchId });
      rooms.push(viewer);
      viewer.send("seek", { positionMs: 3_600_000 });
      const replayed = await untilState(viewer, (state) => state.status === "finished", "the replay's end");
      assert.deepEqual([...replayed.board], final);
    } finally {
      await Promise.all(rooms.filter((room) => room.connection.isOpen).map((room) => room.leave().catch(() => undefined)));
      await server.close();
    }
  });
});
