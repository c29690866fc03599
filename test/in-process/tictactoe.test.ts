import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { CloseCode, ErrorCode, type RoomError } from "../../shared/errors.ts";
import {
  allowQuickReconnect,
  closed,
  killSocket,
  nextMessage,
  quietPeriod,
  reconnected,
  startTestServer,
  type TestServer,
  untilState,
} from "../support/harness.ts";

describe("tictactoe room", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "5" });
  });
  after(async () => {
    await server.close();
  });

  /** Two players in a fresh room, in mark order: [X, O]. */
  async function game(): Promise<[Room<unknown, TicTacToeState>, Room<unknown, TicTacToeState>]> {
    const created = await server.colyseus.createRoom("tictactoe", {});
    const first = await server.client().joinById(created.roomId, {});
    const second = await server.client().joinById(created.roomId, {});
    await untilState(first, (s) => s.status === "playing" && s.players.size === 2, "game start (first)");
    await untilState(second, (s) => s.status === "playing" && s.players.size === 2, "game start (second)");
    return [first, second];
  }

  async function move(room: Room<unknown, TicTacToeState>, index: number): Promise<void> {
    room.send("move", { index });
    await untilState(room, (s) => s.board[index] !== 0, `cell ${index} filled`);
  }

  it("assigns X then O, starts with X, and plays a game to a win both players see", async () => {
    const [x, o] = await game();
    const view = x.state;
    assert.equal(view.players.get(x.sessionId), 1);
    assert.equal(view.players.get(o.sessionId), 2);
    assert.equal(view.currentTurn, x.sessionId);

    await move(x, 0);
    await untilState(o, (s) => s.currentTurn === o.sessionId);
    await move(o, 3);
    await move(x, 1);
    await move(o, 4);
    x.send("move", { index: 2 });
    for (const room of [x, o]) {
      const s = await untilState(room, (st) => st.status === "finished", "finished");
      assert.equal(s.winner, x.sessionId);
      assert.equal(s.draw, false);
      assert.deepEqual([...s.board], [1, 1, 1, 2, 2, 0, 0, 0, 0]);
    }
    const over = nextMessage<RoomError>(o, "error");
    o.send("move", { index: 5 });
    assert.equal((await over).code, ErrorCode.GAME_OVER);
    await Promise.all([x.leave(), o.leave()]);
  });

  it("a rematch both players ask for clears the board and swaps the marks; a spectator may not ask", async () => {
    const [x, o] = await game();
    for (const [room, index] of [
      [x, 0],
      [o, 3],
      [x, 1],
      [o, 4],
    ] as const)
      await move(room, index);
    x.send("move", { index: 2 });
    await untilState(o, (s) => s.status === "finished", "first game over");

    const watcher = await server.client().joinById(x.roomId, { spectator: true });
    const refusedWatcher = nextMessage<RoomError>(watcher, "error");
    watcher.send("rematch");
    assert.equal((await refusedWatcher).code, ErrorCode.SPECTATOR_READ_ONLY);

    o.send("rematch");
    await untilState(x, (s) => s.rematch.has(o.sessionId), "x sees o's request");
    assert.equal(x.state.status, "finished");
    x.send("rematch", {});
    for (const room of [x, o, watcher]) {
      const s = await untilState(room, (st) => st.status === "playing", "rematch started");
      assert.deepEqual([...s.board], [0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.equal(s.players.get(o.sessionId), 1);
      assert.equal(s.players.get(x.sessionId), 2);
      assert.equal(s.currentTurn, o.sessionId);
      assert.equal(s.winner, "");
    }
    await move(o, 4);
    await untilState(x, (s) => s.currentTurn === x.sessionId && s.board[4] === 1, "o (now X) moved first");
    await Promise.all([x.leave(), o.leave(), watcher.leave()]);
  });

  it("a rematch is refused mid-game and once the opponent has left", async () => {
    const [x, o] = await game();
    const early = nextMessage<RoomError>(x, "error");
    x.send("rematch");
    assert.equal((await early).code, ErrorCode.GAME_NOT_OVER);
    await o.leave();
    await untilState(x, (s) => s.status === "finished" && !s.players.has(o.sessionId), "forfeit");
    const alone = nextMessage<RoomError>(x, "error");
    x.send("rematch");
    assert.equal((await alone).code, ErrorCode.OPPONENT_LEFT);
    await x.leave();
  });

  it("a rematch message with a payload is malformed (4002)", async () => {
    const [x, o] = await game();
    const gone = closed(x);
    x.send("rematch", { now: true });
    assert.equal(await gone, CloseCode.WITH_ERROR);
    await o.leave();
  });

  it("moves right after the game starts: the board stays 9 cells on every client", async () => {
    // Regression: joins and a move inside the first patch interval of a fresh room used to
    // duplicate the replaced cell on clients (see server/app.config.ts defineTickroomRoom).
    const created = await server.colyseus.createRoom("tictactoe", {});
    const x = await server.client().joinById(created.roomId, {});
    const o = await server.client().joinById(created.roomId, {});
    // o's first full state already says "playing": no patch has necessarily run yet.
    await untilState(o, (s) => s.status === "playing");
    x.send("move", { index: 4 });
    for (const room of [x, o]) {
      const s = await untilState(room, (st) => st.board[4] === 1);
      assert.deepEqual([...s.board], [0, 0, 0, 0, 1, 0, 0, 0, 0]);
    }
    await Promise.all([x.leave(), o.leave()]);
  });

  it("plays to a draw", async () => {
    const [x, o] = await game();
    const order = [0, 1, 2, 4, 3, 5, 7, 6, 8];
    for (let i = 0; i < order.length; i++) {
      const mover = i % 2 === 0 ? x : o;
      await untilState(mover, (s) => s.currentTurn === mover.sessionId || s.status === "finished");
      await move(mover, order[i]!);
    }
    const s = await untilState(o, (st) => st.status === "finished");
    assert.equal(s.draw, true);
    assert.equal(s.winner, "");
    await Promise.all([x.leave(), o.leave()]);
  });

  it("refuses out-of-turn and occupied moves with an error to the mover only, board unchanged", async () => {
    const [x, o] = await game();
    let xErrors = 0;
    x.onMessage("error", () => {
      xErrors++;
    });

    const outOfTurn = nextMessage<RoomError>(o, "error");
    o.send("move", { index: 4 });
    assert.equal((await outOfTurn).code, ErrorCode.NOT_YOUR_TURN);

    await move(x, 4);
    await untilState(o, (s) => s.currentTurn === o.sessionId);
    const occupied = nextMessage<RoomError>(o, "error");
    o.send("move", { index: 4 });
    assert.equal((await occupied).code, ErrorCode.CELL_OCCUPIED);
    assert.deepEqual([...o.state.board], [0, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert.equal(o.state.currentTurn, o.sessionId);
    assert.equal(xErrors, 0);
    await Promise.all([x.leave(), o.leave()]);
  });

  it("refuses a move while waiting for the second player", async () => {
    const created = await server.colyseus.createRoom("tictactoe", {});
    const alone = await server.client().joinById(created.roomId, {});
    await untilState(alone, (s) => s.players.size === 1);
    const error = nextMessage<RoomError>(alone, "error");
    alone.send("move", { index: 0 });
    assert.equal((await error).code, ErrorCode.GAME_NOT_STARTED);
    assert.equal(alone.state.status, "waiting");
    await alone.leave();
  });

  it("closes a client sending a malformed move (4002); that player forfeits", async () => {
    const [x, o] = await game();
    const code = closed(x);
    x.send("move", { index: 9 });
    assert.equal(await code, CloseCode.WITH_ERROR);
    // The window is 5 s in this file: a forfeit within 2 s means no seat was held.
    const s = await untilState(o, (st) => st.status === "finished", "forfeit at once", 2000);
    assert.equal(s.winner, o.sessionId);
    assert.deepEqual([...s.board], [0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await o.leave();
  });

  it("pairs two joinOrCreate players and never seats a third in a started game", async () => {
    const a = await server.client().joinOrCreate("tictactoe", {});
    const b = await server.client().joinOrCreate("tictactoe", {});
    assert.equal(a.roomId, b.roomId);
    await untilState(a, (s) => s.status === "playing");
    const c = await server.client().joinOrCreate("tictactoe", {});
    assert.notEqual(c.roomId, a.roomId);
    await a.leave();
    await untilState(b, (s) => s.status === "finished");
    const d = await server.client().joinOrCreate("tictactoe", {});
    assert.notEqual(d.roomId, a.roomId, "a finished game with a free slot stays closed");
    assert.equal(d.roomId, c.roomId);
    await Promise.all([b.leave(), c.leave(), d.leave()]);
  });

  it("a consented leave mid-game forfeits at once", async () => {
    const [x, o] = await game();
    await move(x, 0);
    await x.leave();
    const s = await untilState(o, (st) => st.status === "finished", "forfeit at once", 2000);
    assert.equal(s.winner, o.sessionId);
    await o.leave();
  });

  it("a reconnection that arrives before the server noticed the drop keeps the session", async () => {
    // What a client sees first after a network switch: its new socket reaches the room
    // while the server still holds the old one, which Colyseus then closes with 4002.
    const [x, o] = await game();
    const again = await server.client().reconnect(x.reconnectionToken);
    assert.equal(again.sessionId, x.sessionId);
    again.send("move", { index: 0 });
    const s = await untilState(o, (st) => st.board[0] === 1, "move from the reconnected session");
    assert.equal(s.status, "playing");
    assert.equal(s.currentTurn, o.sessionId);
    await Promise.all([again.leave(), o.leave()]);
  });

  it("an abnormal disconnect keeps the game through reconnection", async () => {
    const [x, o] = await game();
    allowQuickReconnect(x);
    const back = reconnected(x);
    killSocket(x.roomId, x.sessionId);
    await back;
    await move(x, 8);
    const s = await untilState(o, (st) => st.board[8] === 1 && st.currentTurn === o.sessionId);
    assert.equal(s.status, "playing");
    await Promise.all([x.leave(), o.leave()]);
  });

  it("an abnormal disconnect without reconnection forfeits after the window, not before", async () => {
    const [x, o] = await game();
    x.reconnection.enabled = false;
    killSocket(x.roomId, x.sessionId);
    await quietPeriod(1500);
    assert.equal(o.state.status, "playing", "still inside the 5 s window");
    const s = await untilState(o, (st) => st.status === "finished", "forfeit after window", 9000);
    assert.equal(s.winner, o.sessionId);
    await o.leave();
  });
});
