import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import { RealtimeSession } from "../../client/netcode.ts";
import { enterQueue } from "../../client/queue.ts";
import type { PongRoom } from "../../rooms/PongRoom.ts";
import { pongNetcode } from "../../rooms/pong/rules.ts";
import { PONG } from "../../rooms/pong/shapes.ts";
import type { PongInput, PongState } from "../../schema/PongState.ts";
import { CloseCode } from "../../shared/errors.ts";
import { closed, eventually, killSocket, serverRoom, startTestServer, type TestServer, untilListed, untilState } from "../support/harness.ts";

describe("pong room", () => {
  let server: TestServer;
  before(async () => {
    // A short window, so a dropped player's forfeit comes quickly.
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "1" });
  });
  after(async () => {
    await server.close();
  });

  /** Two players in a fresh match: [left, right], the match started. */
  async function match(scoreLimit = 5): Promise<[Room<unknown, PongState>, Room<unknown, PongState>, PongRoom]> {
    const left = await server.client().create<PongState>("pong", { name: "ann", scoreLimit });
    const right = await server.client().joinById<PongState>(left.roomId, { name: "bob" });
    for (const room of [left, right]) await untilState(room, (s) => s.status === "playing", "the match starts");
    return [left, right, serverRoom<PongRoom>(left.roomId)];
  }

  /** Send the ball at a side's goal, its paddle out of the way, the countdown over: a point for the other side. */
  function concede(room: PongRoom, sessionId: string): void {
    const paddle = room.state.players.get(sessionId)!;
    paddle.y = paddle.y < PONG.height / 2 ? PONG.height - PONG.paddleHeight / 2 : PONG.paddleHeight / 2;
    const toward = paddle.side === 1 ? -1 : 1;
    Object.assign(room.state.ball, { x: PONG.width / 2, y: paddle.y < PONG.height / 2 ? PONG.height - 40 : 40, vx: toward * 700, vy: 0 });
    room.state.serveIn = 0;
  }

  it("seats two players on opposite sides with their names; a third is refused (409), a spectator watches", async () => {
    const [left, right] = await match();
    const state = left.state;
    assert.equal(state.players.get(left.sessionId)?.side, 1);
    assert.equal(state.players.get(right.sessionId)?.side, 2);
    assert.equal(state.players.get(right.sessionId)?.name, "bob");
    assert.equal(state.scoreLimit, 5);
    await assert.rejects(server.client().joinById(left.roomId, {}), (error: { code?: number }) => error.code === 409);
    const watcher = await server.client().joinById<PongState>(left.roomId, { spectator: true });
    await untilState(watcher, (s) => s.players.size === 2 && s.status === "playing", "the spectator sees the match");
    // A spectator's input moves nothing: it has no paddle.
    const since = watcher.state.tick;
    const input = watcher.input<PongInput>({ type: pongNetcode.input! });
    input.data.move = 1;
    for (let i = 0; i < 10; i++) input.send();
    await untilState(watcher, (s) => s.tick > since + 20, "time passes");
    for (const paddle of watcher.state.players.values()) assert.equal(paddle.y, PONG.height / 2);
    await Promise.all([left.leave(), right.leave(), watcher.leave()]);
  });

  it("predicts the local paddle exactly: zero corrections, the server agrees after every acknowledgement", async () => {
    const [left, right] = await match();
    const session = await RealtimeSession.attach(left, pongNetcode);
    let step = 0;
    const frames = setInterval(() => {
      session.frame(performance.now(), (input) => {
        input.move = Math.sin(step++ / 15);
      });
    }, 1000 / 60);
    await eventually(() => session.stats().inputsAcknowledged >= 90, "a second and a half of inputs acknowledged", 6000);
    clearInterval(frames);
    await eventually(() => session.stats().inputsPending === 0, "every input acknowledged");
    session.checkAcknowledgement();
    const stats = session.stats();
    assert.ok(stats.reconciliations > 10, `reconciled ${stats.reconciliations} times`);
    assert.equal(stats.corrections, 0, JSON.stringify(stats));
    assert.equal(session.predicted("y"), session.local.y);
    await untilState(right, (s) => s.players.get(left.sessionId)?.y === session.local.y, "the opponent sees the paddle where it was predicted");
    await Promise.all([left.leave(), right.leave()]);
  });

  it("scores a missed ball for the other side, and ends at the score limit for everyone", async () => {
    const [left, right, room] = await match(2);
    concede(room, left.sessionId);
    await untilState(left, (s) => s.players.get(right.sessionId)?.score === 1, "right scores");
    await untilState(left, (s) => s.serveIn > 0, "a countdown before the next serve");
    concede(room, left.sessionId);
    for (const player of [left, right]) {
      const state = await untilState(player, (s) => s.status === "finished", "the match ends");
      assert.equal(state.winner, right.sessionId);
      assert.equal(state.players.get(right.sessionId)?.score, 2);
    }
    await Promise.all([left.leave(), right.leave()]);
  });

  it("gives the match to the one who stays: at once on leaving, after the window on a dropped connection", async () => {
    const [quitter, stayer] = await match();
    await quitter.leave();
    const afterLeave = await untilState(stayer, (s) => s.status === "finished", "forfeit on leaving");
    assert.equal(afterLeave.winner, stayer.sessionId);
    await stayer.leave();

    const [dropped, waiting] = await match();
    killSocket(dropped.roomId, dropped.sessionId);
    await untilState(waiting, (s) => s.players.get(dropped.sessionId)?.connected === false, "shown as disconnected");
    assert.equal(waiting.state.status, "playing", "the seat is held for the window");
    const afterWindow = await untilState(waiting, (s) => s.status === "finished", "forfeit after the window", 5000);
    assert.equal(afterWindow.winner, waiting.sessionId);
    await waiting.leave();
  });

  it("lists its phase (waiting, playing, finished) and takes no newcomer once started", async () => {
    const left = await server.client().create<PongState>("pong", { scoreLimit: 1 });
    await untilListed(left.roomId, (m) => m.status === "waiting" && m.open === true, "listed as waiting");
    const right = await server.client().joinOrCreate<PongState>("pong", {});
    assert.equal(right.roomId, left.roomId, "joinOrCreate finds the open match");
    await untilListed(left.roomId, (m) => m.status === "playing" && m.open === false && m.players === 2, "listed as playing");
    const third = await server.client().joinOrCreate<PongState>("pong", {});
    assert.notEqual(third.roomId, left.roomId, "a started match is not offered");
    concede(serverRoom<PongRoom>(left.roomId), left.sessionId);
    await untilListed(left.roomId, (m) => m.status === "finished", "listed as finished");
    await Promise.all([left.leave(), right.leave(), third.leave()]);
  });

  it("refuses bad join options with 400 and closes a client flooding inputs (4002)", async () => {
    await assert.rejects(server.client().create("pong", { scoreLimit: 0 }), (error: { code?: number }) => error.code === 400);
    const [flooder, other] = await match();
    const gone = closed(flooder);
    const flood = flooder.input<PongInput>({ type: pongNetcode.input! });
    for (let i = 0; i <= 5 * PONG.tickRate + 10; i++) flood.send();
    assert.equal(await gone, CloseCode.WITH_ERROR);
    await untilState(other, (s) => s.status === "finished", "the flooder forfeits at once");
    await other.leave();
  });

  it("is a ranked game: the queue pairs two players into one match, on the sides it chose", async () => {
    const [a, b] = await Promise.all([enterQueue(server.client(), { game: "pong" }), enterQueue(server.client(), { game: "pong" })]);
    const [first, second] = await Promise.all([a.match, b.match]);
    assert.equal(first.room.roomId, second.room.roomId);
    assert.equal(first.room.name, "pong");
    const state = await untilState(first.room as Room<unknown, PongState>, (s) => s.players.size === 2 && s.status === "playing", "the ranked match starts");
    assert.equal(state.players.get(first.room.sessionId)?.side, first.team);
    assert.equal(state.players.get(second.room.sessionId)?.side, second.team);
    assert.notEqual(first.team, second.team);
    await Promise.all([first.room.leave(), second.room.leave()]);
  });
});
