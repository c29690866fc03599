/**
 * Tic-tac-toe bots: pair up, play legal random moves after a human-ish pause, and start
 * a new game when one ends.
 * Run: node --import tsx loadtest/tictactoe.ts --room tictactoe --numClients 20 --endpoint ws://localhost:2567
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client } from "@colyseus/sdk";
import type { TickroomServer } from "../server/app.config.ts";
import { playTicTacToe } from "./players/ticTacToePlayer.ts";

/** Resolves once the first game is joined: the load tester starts the next bot only then. */
async function main(options: Options): Promise<void> {
  const client = new Client<TickroomServer>(options.endpoint);
  const join = () => client.joinOrCreate("tictactoe", {});
  const playOn = async (room: Awaited<ReturnType<typeof join>>): Promise<void> => {
    await playTicTacToe(room);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await room.leave().catch(() => undefined);
    await playOn(await join());
  };
  void playOn(await join());
}

// colyseus-internal: loadtest-sdk-override
cli(main);
