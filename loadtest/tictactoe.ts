/**
 * Tic-tac-toe bots: pair up, play legal random moves after a human-ish pause, and start
 * a new game when one ends.
 * Run: node --import tsx loadtest/tictactoe.ts --room tictactoe --numClients 20 --endpoint ws://localhost:2567
 */
import type { Options } from "@colyseus/loadtest";
import { botClient, runBots } from "./botRunner.ts";
import { playTicTacToe } from "./players/ticTacToePlayer.ts";

/** Resolves once the first game is joined: the load tester starts the next bot only then. */
async function main(options: Options): Promise<void> {
  const client = botClient(options.endpoint);
  const join = () => client.joinOrCreate("tictactoe", {});
  const playOn = async (room: Awaited<ReturnType<typeof join>>): Promise<void> => {
    await playTicTacToe(room);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await room.leave().catch(() => undefined);
    await playOn(await join());
  };
  void playOn(await join());
}

runBots(main);
