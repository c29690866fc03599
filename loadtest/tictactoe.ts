/**
 * Tic-tac-toe bots: pair up, play legal random moves after a human-ish pause, and start
 * a new game when one ends.
 * Run: node --import tsx loadtest/tictactoe.ts --room tictactoe --numClients 20 --endpoint ws://localhost:2567
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";
import type { TickroomServer } from "../server/app.config.ts";
import type { TicTacToeState } from "../schema/TicTacToeState.ts";

async function main(options: Options): Promise<void> {
  const client = new Client<TickroomServer>(options.endpoint);
  const play = async (): Promise<void> => {
    const room: Room<any, TicTacToeState> = await client.joinOrCreate("tictactoe", {});
    let thinking = false;
    // Cells filled when this bot last moved: "my turn" in a view one patch behind is stale.
    let filledAtMyLastMove = -1;
    room.onStateChange((state) => {
      if (state.status === "finished") {
        room.onStateChange.clear();
        setTimeout(() => { void room.leave().then(play); }, 1000);
        return;
      }
      const filled = state.board.filter((cell) => cell !== 0).length;
      if (state.status !== "playing" || state.currentTurn !== room.sessionId || thinking || filled <= filledAtMyLastMove) return;
      thinking = true;
      filledAtMyLastMove = filled;
      setTimeout(() => {
        const empty = [...room.state.board.keys()].filter((i) => room.state.board[i] === 0);
        const index = empty[Math.floor(Math.random() * empty.length)];
        if (index !== undefined) room.send("move", { index });
        thinking = false;
      }, 300 + Math.random() * 700);
    });
  };
  await play();
}

cli(main);
