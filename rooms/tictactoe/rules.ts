import type { Cell, GameStatus, Mark } from "../../schema/TicTacToeState.ts";
import { accepted, ErrorCode, type RuleResult, refused } from "../../shared/errors.ts";
import type { Standings } from "../base/results.ts";

/** The synced game (satisfied by `TicTacToeState` and by plain objects in tests). */
export interface TicTacToeGame {
  board: { [index: number]: number; readonly length: number };
  players: {
    get(sessionId: string): number | undefined;
    set(sessionId: string, mark: number): unknown;
    delete(sessionId: string): unknown;
    forEach(callback: (mark: number, sessionId: string) => void): void;
    readonly size: number;
  };
  currentTurn: string;
  status: GameStatus;
  winner: string;
  draw: boolean;
  /** Display names of the seated players. */
  names: {
    set(sessionId: string, name: string): unknown;
    delete(sessionId: string): unknown;
  };
  /** Players who asked for a rematch of the finished game. */
  rematch: {
    has(sessionId: string): boolean;
    set(sessionId: string, wanted: boolean): unknown;
    delete(sessionId: string): unknown;
    clear(): void;
    readonly size: number;
  };
}

export const X: Mark = 1;
export const O: Mark = 2;

const LINES: ReadonlyArray<readonly [number, number, number]> = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
];

/** The mark holding a full line, or 0. */
export function lineWinner(board: TicTacToeGame["board"]): Cell {
  const line = winningLine(board);
  return line === undefined ? 0 : (board[line[0]] as Mark);
}

/** The three cells of a full line (what a page highlights), or undefined. */
export function winningLine(board: TicTacToeGame["board"]): readonly [number, number, number] | undefined {
  for (const line of LINES) {
    const [a, b, c] = line;
    const mark = board[a];
    if ((mark === X || mark === O) && mark === board[b] && mark === board[c]) return line;
  }
  return undefined;
}

function isFull(board: TicTacToeGame["board"]): boolean {
  for (let i = 0; i < board.length; i++) if (board[i] === 0) return false;
  return true;
}

function sessionWithMark(game: TicTacToeGame, wanted: Mark): string {
  let found = "";
  game.players.forEach((mark, sessionId) => {
    if (mark === wanted) found = sessionId;
  });
  return found;
}

/** Seat a player under its display name: the first gets X, the second O; the game starts with X to move. */
export function seatPlayer(game: TicTacToeGame, sessionId: string, name: string): Mark {
  const mark: Mark = sessionWithMark(game, X) === "" ? X : O;
  game.players.set(sessionId, mark);
  game.names.set(sessionId, name);
  if (game.players.size === 2 && game.status === "waiting") {
    game.status = "playing";
    game.currentTurn = sessionWithMark(game, X);
  }
  return mark;
}

/** Place the player's mark at `index` if legal; detects win and draw. */
export function playMove(game: TicTacToeGame, sessionId: string, index: number): RuleResult {
  if (game.status === "waiting") return refused(ErrorCode.GAME_NOT_STARTED, "waiting for a second player");
  if (game.status === "finished") return refused(ErrorCode.GAME_OVER, "the game is over");
  const mark = game.players.get(sessionId);
  if (mark === undefined || game.currentTurn !== sessionId) {
    return refused(ErrorCode.NOT_YOUR_TURN, "it is not your turn");
  }
  if (game.board[index] !== 0) return refused(ErrorCode.CELL_OCCUPIED, `cell ${index} is taken`);

  game.board[index] = mark;
  const winnerMark = lineWinner(game.board);
  if (winnerMark !== 0) {
    finish(game, sessionWithMark(game, winnerMark));
  } else if (isFull(game.board)) {
    finish(game, "");
    game.draw = true;
  } else {
    game.currentTurn = sessionWithMark(game, mark === X ? O : X);
  }
  return accepted;
}

/**
 * A player asks to play the finished game again with the same opponent. When both have
 * asked, the board is cleared and the marks swap, so the player who moved second now
 * moves first. Refused while the game is on, or once the opponent has left.
 */
export function requestRematch(game: TicTacToeGame, sessionId: string): RuleResult {
  if (game.status !== "finished") return refused(ErrorCode.GAME_NOT_OVER, "a rematch is for a finished game");
  if (game.players.get(sessionId) === undefined) return refused(ErrorCode.SPECTATOR_READ_ONLY, "only the two players can ask for a rematch");
  if (game.players.size < 2) return refused(ErrorCode.OPPONENT_LEFT, "your opponent has left: find a new game");
  game.rematch.set(sessionId, true);
  if (game.rematch.size < 2) return accepted;

  const swapped: Array<[string, Mark]> = [];
  game.players.forEach((mark, id) => {
    swapped.push([id, mark === X ? O : X]);
  });
  for (const [id, mark] of swapped) game.players.set(id, mark);
  for (let i = 0; i < game.board.length; i++) game.board[i] = 0;
  game.rematch.clear();
  game.winner = "";
  game.draw = false;
  game.status = "playing";
  game.currentTurn = sessionWithMark(game, X);
  return accepted;
}

/**
 * A player left for good. Mid-game, the other player wins by forfeit; while waiting,
 * the seat is simply freed; after the end, the result stands (`winner`, `draw`) and the
 * leaver's seat goes, so nobody waits for its rematch.
 */
export function removePlayer(game: TicTacToeGame, sessionId: string): void {
  if (game.status === "playing" && game.players.get(sessionId) !== undefined) {
    let opponent = "";
    game.players.forEach((_mark, id) => {
      if (id !== sessionId) opponent = id;
    });
    finish(game, opponent);
  }
  game.players.delete(sessionId);
  game.names.delete(sessionId);
  game.rematch.delete(sessionId);
}

function finish(game: TicTacToeGame, winner: string): void {
  game.status = "finished";
  game.winner = winner;
  game.currentTurn = "";
}

/** Once the game is over: the winner first, the other second; a draw places both first. */
export function standings(game: TicTacToeGame): Standings | undefined {
  if (game.status !== "finished") return undefined;
  const places: Record<string, number> = {};
  game.players.forEach((_mark, sessionId) => {
    places[sessionId] = game.draw || sessionId === game.winner ? 1 : 2;
  });
  return places;
}
