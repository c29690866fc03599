import type { Room } from "@colyseus/sdk";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { ErrorCode, type RoomError } from "../../shared/errors.ts";

/**
 * Play one tic-tac-toe game in a joined room like a person would: a legal random move
 * after a 0.3-1 s pause whenever it is this player's turn. Resolves when the game ends.
 */
export function playTicTacToe(room: Room<unknown, TicTacToeState>): Promise<void> {
  return new Promise((resolve) => {
    let thinking = false;
    // Cells filled when this player last moved: "my turn" in a view one patch behind is stale.
    let filledAtMyLastMove = -1;
    room.onLeave(() => resolve());
    // A move refused because this view was a patch behind (NOT_YOUR_TURN, CELL_OCCUPIED) is
    // harmless: the next patch brings the board. One refused because the room was moving is
    // played again when the room's state arrives from its new process.
    room.onMessage("error", (error: RoomError) => {
      if (error.code === ErrorCode.ROOM_MOVING) filledAtMyLastMove = -1;
    });
    room.onStateChange((state) => {
      if (state.status === "finished") {
        room.onStateChange.clear();
        resolve();
        return;
      }
      const filled = state.board.filter((cell) => cell !== 0).length;
      if (state.status !== "playing" || state.currentTurn !== room.sessionId || thinking || filled <= filledAtMyLastMove) return;
      thinking = true;
      filledAtMyLastMove = filled;
      setTimeout(
        () => {
          const empty = [...room.state.board.keys()].filter((i) => room.state.board[i] === 0);
          const index = empty[Math.floor(Math.random() * empty.length)];
          if (index !== undefined) room.send("move", { index });
          thinking = false;
        },
        300 + Math.random() * 700,
      );
    });
  });
}
