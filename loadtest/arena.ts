/**
 * Arena bots: real clients of the netcode module (prediction, interpolation, one input
 * per 60 Hz step), wandering with a smoothly turning stick, aiming at the nearest living
 * player and firing when one is in range.
 * Run: node --import tsx loadtest/arena.ts --room arena --numClients 32 --endpoint ws://localhost:2567
 */
import type { Options } from "@colyseus/loadtest";
import { joinArena } from "../client/arena.ts";
import { ARENA } from "../rooms/arena/shapes.ts";
import { botClient, runBots } from "./botRunner.ts";

async function main(options: Options): Promise<void> {
  const session = await joinArena(botClient(options.endpoint), { name: `bot-${options.clientId}` });
  let heading = Math.random() * Math.PI * 2;
  const timer = setInterval(() => {
    session.frame(performance.now(), (input) => {
      const me = session.local;
      heading += (Math.random() - 0.5) * 0.2;
      let aim = heading;
      let nearest = Infinity;
      session.room.state.players.forEach((other: { x: number; y: number; alive: boolean }, id: string) => {
        if (id === session.room.sessionId || !other.alive) return;
        const distance = Math.hypot(other.x - me.x, other.y - me.y);
        if (distance < nearest) {
          nearest = distance;
          aim = Math.atan2(other.y - me.y, other.x - me.x);
        }
      });
      input.x = Math.cos(heading);
      input.y = Math.sin(heading);
      input.angle = aim;
      input.fire = nearest < ARENA.shotRange * 0.8;
    });
  }, 1000 / 60);
  session.room.onLeave(() => clearInterval(timer));
}

runBots(main);
