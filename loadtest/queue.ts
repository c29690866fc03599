/**
 * Queue bots: enter the ranked tic-tac-toe queue, play the match it forms to the end,
 * pause, and queue again, as players do between games.
 * Run: node --import tsx loadtest/queue.ts --room queue --numClients 20 --endpoint ws://localhost:2567
 */
import type { Options } from "@colyseus/loadtest";
import { enterQueue, type QueueTicket } from "../client/queue.ts";
import { botClient, runBots } from "./botRunner.ts";
import { playTicTacToe } from "./players/ticTacToePlayer.ts";

/** Resolves once the bot is queued: the load tester starts the next bot only then. */
async function main(options: Options): Promise<void> {
  const client = botClient(options.endpoint);
  const queueAndPlay = async (ticket: QueueTicket): Promise<void> => {
    const { room } = await ticket.match;
    await playTicTacToe(room);
    await room.leave().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 2000));
    await queueAndPlay(await enterQueue(client, { game: "tictactoe" }));
  };
  void queueAndPlay(await enterQueue(client, { game: "tictactoe" }));
}

runBots(main);
