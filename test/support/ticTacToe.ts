import type { Room } from "@colyseus/sdk";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { untilState } from "./harness.ts";

type TicTacToeRoom = Room<unknown, TicTacToeState>;

/**
 * X takes the top row while O plays the middle one: X wins on its third move. Each player
 * moves once its view has every earlier move, not just "my turn" (which a view one patch
 * behind still shows from before its own last move). Resolves when O's view has the end.
 */
export async function playTopRowWin(x: TicTacToeRoom, o: TicTacToeRoom): Promise<TicTacToeState> {
  const moves = [
    [x, 0],
    [o, 3],
    [x, 1],
    [o, 4],
    [x, 2],
  ] as const;
  for (const [played, [room, index]] of moves.entries()) {
    await untilState(room, (s) => s.currentTurn === room.sessionId && s.board.filter((cell) => cell !== 0).length === played, "its turn");
    room.send("move", { index });
  }
  return untilState(o, (s) => s.status === "finished", "the game is over");
}
