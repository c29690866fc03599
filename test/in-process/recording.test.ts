import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import type { ReplayPlayback, ReplayTimeline } from "../../rooms/replay/shapes.ts";
import type { ArenaInput, ArenaState } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import {
  allowQuickReconnect,
  eventually,
  killSocket,
  nextMessage,
  quietPeriod,
  reconnected,
  startTestServer,
  type TestServer,
  untilState,
} from "../support/harness.ts";
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
    // A room already left answers a second leave() never: only the open ones.
    await Promise.all(rooms.filter((room) => room.connection.isOpen).map((room) => room.leave().catch(() => undefined)));
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
    // The creator joins before the room's first patch (and first keyframe): its join is kept all the same.
    assert.deepEqual(
      timeline.marks.filter((mark) => mark.event === "join" && !mark.spectator).map((mark) => mark.name),
      [`guest-${x.sessionId.slice(0, 4)}`, `guest-${o.sessionId.slice(0, 4)}`],
      "both players' joins are on the timeline",
    );
    const replayed = await untilState(viewer, (s) => s.status === "finished", "the replay reaches the end");
    assert.deepEqual([...replayed.board], finalBoard);
    assert.equal(replayed.winner, x.sessionId);
    await eventually(() => playback.at(-1)?.playing === false, "the playhead stops at the end");
    assert.equal(playback.at(-1)?.positionMs, timeline.durationMs);
  });
  it("replays an arena match at 1x through exactly the states a live spectator saw", async () => {
    const a = await server.client().create<ArenaState>("arena", { name: "a" });
    const watcher = await server.client().joinById<ArenaState>(a.roomId, { spectator: true });
    const b = await server.client().joinById<ArenaState>(a.roomId, { name: "b" });
    rooms.push(a, watcher, b);
    const live = statesOf(watcher);
    // Both move and shoot for a second and a half of ticks: positions, hits and shot events change.
    const inputs = [a.input<ArenaInput>(), b.input<ArenaInput>()];
    const start = watcher.state.tick;
    let step = 0;
    const moving = setInterval(() => {
      step++;
      for (const [index, input] of inputs.entries()) {
        Object.assign(input.data, { x: Math.cos(step / 10 + index), y: Math.sin(step / 10 + index), angle: step / 5 + index * Math.PI, fire: step % 3 === 0 });
        input.send();
      }
    }, 1000 / 60);
    try {
      await untilState(watcher, (s) => s.tick > start + 90, "90 ticks of play");
    } finally {
      clearInterval(moving);
    }
    // The spectator leaves first: the replay goes on past what it saw (the players' leaves).
    await watcher.leave();
    await Promise.all([a.leave(), b.leave()]);
    const matchId = `${a.roomId}:1`;
    await recordings.kept(matchId);

    const viewer = await server.client().joinOrCreate<ArenaState>("replay", { matchId });
    rooms.push(viewer);
    const replayed = statesOf(viewer);
    const playback: ReplayPlayback[] = [];
    viewer.onMessage("playback", (message: ReplayPlayback) => playback.push(message));
    await eventually(() => playback.at(-1)?.playing === false, "the replay plays to its end", 15_000);

    const seen = distinct(live);
    const replay = distinct(replayed);
    const from = replay.indexOf(seen[0] ?? "");
    assert.ok(from >= 0, "the spectator's first state is one of the replay's");
    assert.ok(seen.length > 20, `the spectator saw ${seen.length} states`);
    for (const [index, state] of seen.entries()) {
      assert.equal(replay[from + index], state, `state ${index} of ${seen.length} the spectator saw`);
    }
    assert.ok(
      seen.some((state) => state.includes('"shooter"')),
      "shots rode in the patches compared",
    );
  });

  it("seeks to the exact state: a keyframe and the patches up to the position, the state a viewer playing through had there", async () => {
    const matchId = await recordArenaMatch(60);
    const through = await server.client().joinOrCreate<ArenaState>("replay", { matchId });
    rooms.push(through);
    const timeline = timelineOf(through);
    const states = statesOf(through);
    const throughPlayback = playbackOf(through);
    through.send("speed", { speed: 8 });
    await eventually(() => throughPlayback.at(-1)?.playing === false, "the first viewer plays to the end");
    const { durationMs } = await timeline;

    // A second viewer of the same replay, with its own playhead.
    const seeker = await server.client().joinOrCreate<ArenaState>("replay", { matchId });
    rooms.push(seeker);
    assert.equal(seeker.roomId, through.roomId, "viewers of one match share the replay room");
    const playback = playbackOf(seeker);
    seeker.send("pause", {});
    for (const fraction of [0.9, 0.1, 0.5, 0.77, 1, 0]) {
      const positionMs = Math.round(durationMs * fraction);
      const before = playback.length;
      seeker.send("seek", { positionMs });
      await eventually(() => playback.slice(before).some((p) => p.positionMs === positionMs && !p.playing), `the seek to ${positionMs} ms is answered`);
      const landed = playback.slice(before).find((p) => p.positionMs === positionMs) as ReplayPlayback;
      assert.equal(canonical(seeker.state.toJSON()), states[landed.patches], `at ${positionMs} ms (${landed.patches} patches)`);
    }
  });

  it("shows a late spectator nothing newer than its delay", async () => {
    const player = await server.client().create<ArenaState>("arena", { name: "runner" });
    const live = await server.client().joinById<ArenaState>(player.roomId, { spectator: true });
    const late = await server.client().joinById<ArenaState>(player.roomId, { spectator: true, delaySeconds: 1.5 });
    rooms.push(player, live, late);
    const liveAt = new Map<number, number>();
    live.onStateChange((state) => {
      if (!liveAt.has(state.tick)) liveAt.set(state.tick, performance.now());
    });
    const lateSeen: Array<{ tick: number; at: number }> = [];
    late.onStateChange((state) => lateSeen.push({ tick: state.tick, at: performance.now() }));
    const input = player.input<ArenaInput>();
    const moving = setInterval(() => {
      Object.assign(input.data, { x: 1, y: 0, angle: 0, fire: true });
      input.send();
    }, 1000 / 60);
    try {
      await eventually(() => (lateSeen.at(-1)?.tick ?? 0) > 90, "the late spectator sees a second and a half of play", 10_000);
    } finally {
      clearInterval(moving);
    }
    for (const { tick, at } of lateSeen) {
      const liveArrival = liveAt.get(tick);
      if (liveArrival === undefined) continue; // before the live spectator had joined
      // Sent 1.5 s after the live frame by the server's clock; 250 ms for both deliveries' jitter.
      assert.ok(at - liveArrival >= 1250, `tick ${tick} reached the late spectator ${(at - liveArrival).toFixed(0)} ms after the live one`);
    }
    assert.equal(late.state.players.get(player.sessionId)?.name, "runner", "the late spectator does see the match");
    await assert.rejects(server.client().joinById(player.roomId, { spectator: true, delaySeconds: 121 }), (error: { code?: number; message?: string }) => {
      assert.equal(error.code, 400);
      assert.match(String(error.message), /delaySeconds/);
      return true;
    });
  });

  it("keeps a late spectator late after its connection drops and the SDK reconnects it", async () => {
    const player = await server.client().create<ArenaState>("arena", { name: "runner" });
    const late = await server.client().joinById<ArenaState>(player.roomId, { spectator: true, delaySeconds: 1 });
    rooms.push(player, late);
    allowQuickReconnect(late);
    const input = player.input<ArenaInput>();
    const moving = setInterval(() => {
      Object.assign(input.data, { x: 1, y: 0, angle: 0, fire: false });
      input.send();
    }, 1000 / 60);
    try {
      const lags: number[] = [];
      late.onStateChange((state) => lags.push(player.state.tick - state.tick));
      await eventually(() => lags.length >= 5, "the late spectator's first states", 10_000);
      const back = reconnected(late);
      killSocket(player.roomId, late.sessionId);
      await back;
      const after = lags.length;
      await eventually(() => lags.length >= after + 10, "states after the reconnection", 10_000);
      // One second is 60 ticks; the player's own view trails the server by a patch or two.
      const worst = Math.min(...lags.slice(after));
      assert.ok(worst >= 45, `after the reconnection the spectator trailed by ${worst} ticks at least`);
    } finally {
      clearInterval(moving);
    }
  });

  it("makes every spectator of a ranked arena match watch at least its least delay, whatever it asks", async () => {
    // As the ranked queue does: a private room with the queue's roster, made on the server.
    const listing = await server.colyseus.createRoom("arena", { mode: "teams", private: true, roster: { someone: 1, other: 2 } });
    const player = await server.client().joinById<ArenaState>(listing.roomId, { name: "ranked" });
    const watcher = await server.client().joinById<ArenaState>(listing.roomId, { spectator: true, delaySeconds: 0 });
    rooms.push(player, watcher);
    const told = nextMessage<{ delaySeconds: number }>(watcher, "delay");
    const states = statesOf(watcher);
    const start = player.state.tick;
    await untilState(player, (state) => state.tick > start + 60, "a second of play");
    // A live spectator joined with it would have had its full state at once, and 20 patches since.
    assert.deepEqual(states, [], "no state reached the spectator in the match's first 10 s");
    assert.deepEqual(await told, { delaySeconds: 10 }, "the spectator is told how late it watches");
  });

  it("refuses an unknown match (404) and a damaged recording (422), and replays the next one", async () => {
    await assert.rejects(server.client().joinOrCreate("replay", { matchId: "no-such-room:1" }), (error: { code?: number; message?: string }) => {
      assert.equal(error.code, 404);
      assert.match(String(error.message), /no recording of match "no-such-room:1"/);
      return true;
    });
    const cut = await recordArenaMatch(20);
    recordings.tamper(cut, (container) => container.subarray(0, container.byteLength - 7));
    await assert.rejects(server.client().joinOrCreate("replay", { matchId: cut }), (error: { code?: number; message?: string }) => {
      assert.equal(error.code, 422);
      assert.match(String(error.message), /cannot be replayed: truncated/);
      return true;
    });
    const sound = await recordArenaMatch(20);
    const viewer = await server.client().joinOrCreate<ArenaState>("replay", { matchId: sound });
    rooms.push(viewer);
    await untilState(viewer, (state) => state.players.size > 0, "the next replay plays");
  });

  it("goes on with the match when the recording cannot be kept, and counts it", async () => {
    recordings.failWrites = true;
    try {
      const x = await server.client().create<TicTacToeState>("tictactoe", {});
      const o = await server.client().joinById<TicTacToeState>(x.roomId, {});
      rooms.push(x, o);
      await playTopRowWin(x, o);
      const counted = /tickroom_recordings_total\{type="tictactoe",outcome="failed"\} [1-9]/;
      for (let reads = 0; !counted.test(await metrics()); reads++) {
        assert.ok(reads < 200, "the failure is counted in the metrics");
        await quietPeriod(20);
      }
      // The room is unharmed: a rematch starts.
      x.send("rematch", {});
      o.send("rematch", {});
      await untilState(x, (state) => state.status === "playing" && state.board.every((cell) => cell === 0), "the rematch starts");
    } finally {
      recordings.failWrites = false;
    }
  });

  /** Play an arena match of two players for `ticks` ticks, everyone leaves, and its recording is kept: its match id. */
  async function recordArenaMatch(ticks: number): Promise<string> {
    const a = await server.client().create<ArenaState>("arena", { name: "a" });
    const b = await server.client().joinById<ArenaState>(a.roomId, { name: "b" });
    const inputs = [a.input<ArenaInput>(), b.input<ArenaInput>()];
    const start = a.state.tick;
    let step = 0;
    const moving = setInterval(() => {
      step++;
      for (const [index, input] of inputs.entries()) {
        Object.assign(input.data, { x: Math.cos(step / 7 + index), y: Math.sin(step / 7 + index), angle: step / 4, fire: step % 2 === 0 });
        input.send();
      }
    }, 1000 / 60);
    try {
      await untilState(a, (state) => state.tick > start + ticks, `${ticks} ticks of play`);
    } finally {
      clearInterval(moving);
    }
    await Promise.all([a.leave(), b.leave()]);
    const matchId = `${a.roomId}:1`;
    await recordings.kept(matchId);
    return matchId;
  }

  async function metrics(): Promise<string> {
    return (await fetch(`${server.httpUrl}/metrics`)).text();
  }
});

function playbackOf(room: Room): ReplayPlayback[] {
  const playback: ReplayPlayback[] = [];
  room.onMessage("playback", (message: ReplayPlayback) => playback.push(message));
  return playback;
}

function timelineOf(room: Room): Promise<ReplayTimeline> {
  return nextMessage<ReplayTimeline>(room, "timeline");
}

/** Every state a client decodes, as canonical JSON (object keys sorted; map order is not state). */
function statesOf<S>(room: Room<unknown, S>): string[] {
  const states: string[] = [];
  room.onStateChange((state) => states.push(canonical((state as { toJSON(): unknown }).toJSON())));
  return states;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : item,
  );
}

/** Consecutive repeats dropped: a TIMED room sends a heartbeat frame when nothing changed, which a recording does not keep. */
function distinct(states: readonly string[]): string[] {
  return states.filter((state, index) => index === 0 || state !== states[index - 1]);
}
