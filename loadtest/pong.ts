/**
 * Pong bots: real clients of the netcode module (the own paddle predicted, one input per
 * 60 Hz step) that follow the ball with a human's reaction time and aim error, and queue
 * for another match when one ends.
 * Run: node --import tsx loadtest/pong.ts --room pong --numClients 20 --endpoint ws://localhost:2567
 */
import type { Options } from "@colyseus/loadtest";
import type { Room } from "@colyseus/sdk";
import { RealtimeSession } from "../client/netcode.ts";
import { pongNetcode } from "../rooms/pong/rules.ts";
import { PONG } from "../rooms/pong/shapes.ts";
import type { PongState } from "../schema/PongState.ts";
import { botClient, runBots } from "./botRunner.ts";

/** Resolves once the first match is joined: the load tester starts the next bot only then. */
async function main(options: Options): Promise<void> {
  const client = botClient(options.endpoint);
  const play = async (): Promise<void> => {
    const room: Room<unknown, PongState> = await client.joinOrCreate<PongState>("pong", { name: `bot-${options.clientId}` });
    const session = await RealtimeSession.attach(room, pongNetcode);
    // Where this bot thinks the ball will be: re-aimed a few times a second, off by up to a paddle's height.
    let aim = PONG.height / 2;
    const timer = setInterval(() => {
      const { ball, status } = room.state;
      if (status === "finished") {
        clearInterval(timer);
        void room.leave().then(play);
        return;
      }
      if (Math.random() < 0.1) aim = ball.y + (Math.random() - 0.5) * PONG.paddleHeight;
      const paddleY = session.localValue("y");
      session.frame(performance.now(), (input) => {
        input.move = Math.abs(aim - paddleY) < 8 ? 0 : Math.sign(aim - paddleY);
      });
    }, 1000 / 60);
    room.onLeave(() => clearInterval(timer));
  };
  await play();
}

runBots(main);
