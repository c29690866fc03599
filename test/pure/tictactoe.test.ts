import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lineWinner, O, playMove, removePlayer, requestRematch, seatPlayer, type TicTacToeGame, winningLine, X } from "../../rooms/tictactoe/rules.ts";
import { ErrorCode } from "../../shared/errors.ts";

function game(): TicTacToeGame {
  return {
    board: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    players: new Map(),
    currentTurn: "",
    status: "waiting",
    winner: "",
    draw: false,
    rematch: new Map(),
    names: new Map(),
  };
}

function started(): TicTacToeGame {
  const g = game();
  seatPlayer(g, "x", "X");
  seatPlayer(g, "o", "O");
  return g;
}

function play(g: TicTacToeGame, moves: number[]): void {
  moves.forEach((index, i) => {
    const result = playMove(g, i % 2 === 0 ? "x" : "o", index);
    assert.ok(result.ok, `move ${i} at ${index} refused: ${JSON.stringify(result)}`);
  });
}

describe("tic-tac-toe rules", () => {
  it("seats X then O and starts with X to move", () => {
    const g = game();
    assert.equal(seatPlayer(g, "a", "A"), X);
    assert.equal(g.status, "waiting");
    assert.equal(seatPlayer(g, "b", "B"), O);
    assert.equal(g.status, "playing");
    assert.equal(g.currentTurn, "a");
  });

  it("keeps each seated player's name, and forgets it when the player leaves", () => {
    const g = started();
    assert.deepEqual(
      [...(g.names as Map<string, string>)],
      [
        ["x", "X"],
        ["o", "O"],
      ],
    );
    removePlayer(g, "o");
    assert.deepEqual([...(g.names as Map<string, string>)], [["x", "X"]]);
  });

  it("names the winning line's cells, and none while no line is full", () => {
    assert.equal(winningLine([1, 1, 0, 2, 2, 0, 0, 0, 0]), undefined);
    assert.deepEqual(winningLine([2, 1, 1, 0, 2, 1, 0, 0, 2]), [0, 4, 8]);
  });

  it("refuses a move before the game starts", () => {
    const g = game();
    seatPlayer(g, "x", "X");
    const r = playMove(g, "x", 0);
    assert.equal(r.ok ? "" : r.error.code, ErrorCode.GAME_NOT_STARTED);
  });

  it("refuses out-of-turn and occupied moves without changing anything", () => {
    const g = started();
    const before = JSON.stringify(g.board);
    const out = playMove(g, "o", 0);
    assert.equal(out.ok ? "" : out.error.code, ErrorCode.NOT_YOUR_TURN);
    assert.equal(JSON.stringify(g.board), before);
    play(g, [4]);
    const taken = playMove(g, "o", 4);
    assert.equal(taken.ok ? "" : taken.error.code, ErrorCode.CELL_OCCUPIED);
    assert.equal(g.currentTurn, "o");
  });

  it("refuses a stranger", () => {
    const r = playMove(started(), "nobody", 0);
    assert.equal(r.ok ? "" : r.error.code, ErrorCode.NOT_YOUR_TURN);
  });

  for (const [name, moves] of [
    ["row", [0, 3, 1, 4, 2]],
    ["column", [0, 1, 3, 2, 6]],
    ["diagonal", [0, 1, 4, 2, 8]],
    ["anti-diagonal", [2, 0, 4, 1, 6]],
  ] as const) {
    it(`detects a ${name} win and ends the game`, () => {
      const g = started();
      play(g, [...moves]);
      assert.equal(g.status, "finished");
      assert.equal(g.winner, "x");
      assert.equal(g.draw, false);
      assert.equal(g.currentTurn, "");
      const after = playMove(g, "o", moves.length === 5 ? 5 : 7);
      assert.equal(after.ok ? "" : after.error.code, ErrorCode.GAME_OVER);
    });
  }

  it("detects O winning", () => {
    const g = started();
    play(g, [0, 3, 1, 4, 8, 5]);
    assert.equal(g.winner, "o");
  });

  it("detects a draw on a full board with no line", () => {
    const g = started();
    play(g, [0, 1, 2, 4, 3, 5, 7, 6, 8]);
    assert.equal(g.status, "finished");
    assert.equal(g.draw, true);
    assert.equal(g.winner, "");
    assert.equal(lineWinner(g.board), 0);
  });

  it("a player leaving mid-game forfeits to the opponent", () => {
    const g = started();
    play(g, [0]);
    removePlayer(g, "x");
    assert.equal(g.status, "finished");
    assert.equal(g.winner, "o");
  });

  it("leaving while waiting frees the seat; leaving after the end keeps the result", () => {
    const g = game();
    seatPlayer(g, "x", "X");
    removePlayer(g, "x");
    assert.equal(g.players.size, 0);
    assert.equal(g.status, "waiting");

    const done = started();
    play(done, [0, 3, 1, 4, 2]);
    removePlayer(done, "o");
    assert.equal(done.winner, "x");
    assert.equal(done.status, "finished");
    assert.equal(done.players.get("o"), undefined);
  });

  describe("rematch", () => {
    it("starts when both players ask, with the board cleared and the marks swapped", () => {
      const g = started();
      play(g, [0, 3, 1, 4, 2]);
      assert.ok(requestRematch(g, "o").ok);
      assert.equal(g.status, "finished", "one request is not enough");
      assert.equal(g.rematch.has("o"), true);
      assert.ok(requestRematch(g, "x").ok);
      assert.equal(g.status, "playing");
      assert.deepEqual([...(g.board as number[])], [0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.equal(g.players.get("o"), X);
      assert.equal(g.players.get("x"), O);
      assert.equal(g.currentTurn, "o", "the new X moves first");
      assert.equal(g.winner, "");
      assert.equal(g.rematch.size, 0);
      // The new game plays out under the swapped marks.
      assert.ok(playMove(g, "o", 4).ok);
      assert.equal(playMove(g, "o", 0).ok, false);
      assert.ok(playMove(g, "x", 0).ok);
    });

    it("follows a draw too", () => {
      const g = started();
      play(g, [0, 1, 2, 4, 3, 5, 7, 6, 8]);
      assert.equal(g.draw, true);
      requestRematch(g, "x");
      requestRematch(g, "o");
      assert.equal(g.draw, false);
      assert.equal(g.status, "playing");
    });

    it("asking twice counts once", () => {
      const g = started();
      play(g, [0, 3, 1, 4, 2]);
      requestRematch(g, "x");
      requestRematch(g, "x");
      assert.equal(g.status, "finished");
    });

    it("is refused while the game is on, and leaves it untouched", () => {
      const g = started();
      play(g, [0]);
      const result = requestRematch(g, "o");
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error.code, ErrorCode.GAME_NOT_OVER);
      assert.equal(g.rematch.size, 0);
      assert.equal(g.board[0], X);
    });

    it("is refused once the opponent has left, and a leaver's request is withdrawn", () => {
      const g = started();
      play(g, [0, 3, 1, 4, 2]);
      requestRematch(g, "o");
      removePlayer(g, "o");
      assert.equal(g.rematch.size, 0);
      const result = requestRematch(g, "x");
      assert.equal(!result.ok && result.error.code, ErrorCode.OPPONENT_LEFT);
      assert.equal(g.status, "finished");
    });

    it("after a forfeit the winner cannot rematch a departed opponent", () => {
      const g = started();
      play(g, [0]);
      removePlayer(g, "x");
      const result = requestRematch(g, "o");
      assert.equal(!result.ok && result.error.code, ErrorCode.OPPONENT_LEFT);
    });
  });
});
