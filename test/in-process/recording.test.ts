import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import type { ReplayPlayback, ReplayTimeline } from "../../rooms/replay/shapes.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { eventually, nextMessage, startTestServer, type TestServer, untilState } from "../support/harness.ts";
import { WatchedRecordings } from "../support/recordings.ts";
import { playTopRowWin } from "../support/ticTacToe.ts";

describe("recorded matches and their replays", () => {
  let server: TestServer;
  const recordings = new WatchedRecordings();
  const rooms: Room[] = [];

  before(async () => {
    server = await startTestServer({ RECORD_MATCHES: "all", RECORDING_KEYFRAME_SECONDS: "1" }, { recordings });
  });
  after(async () => {
    await Promise.all(rooms.map((room) => room.leave().catch(() => undefined)));
    await server.close();
  });

  it("replays a recorded tic-tac-toe game from the empty board to the same final board", async () => {
    const x = await server.client().create<TicTacToeState>("tictactoe", {});
    const o = await server.client().joinById<TicTacToeState>(x.roomId, {});
    rooms.push(x, o);
    const final = await playTopRowWin(x, o);
    const finalBoard = [...final.board];
    await recordings.kept(`${x.roomId}:1`);

    const viewer = await server.client().joinOrCreate<TicTacToeState>("replay", { matchId: `${x.roomId}:1` });
    rooms.push(viewer);
    const playback: ReplayPlayback[] = [];
    viewer.onMessage("playback", (message: ReplayPlayback) => playback.push(message));
    const timeline = await nextMessage<ReplayTimeline>(viewer, "timeline");
    assert.equal(timeline.roomType, "tictactoe");
    assert.ok(
      timeline.marks.some((mark) => mark.event === "join"),
      "the joins are on the timeline",
    );
    const replayed = await untilState(viewer, (s) => s.status === "finished", "the replay reaches the end");
    assert.deepEqual([...replayed.board], finalBoard);
    assert.equal(replayed.winner, x.sessionId);
    await eventually(() => playback.at(-1)?.playing === false, "the playhead stops at the end");
    assert.equal(playback.at(-1)?.positionMs, timeline.durationMs);
  });
});
