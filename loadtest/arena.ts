/**
 * Arena bots: send input at 30 Hz, wander with a smoothly turning stick, aim at the
 * nearest living player and fire when one is in range.
 * Run: node --import tsx loadtest/arena.ts --room arena --numClients 32 --endpoint ws://localhost:2567
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client } from "@colyseus/sdk";
import { ARENA } from "../rooms/arena/shapes.ts";
import type { TickroomServer } from "../server/app.config.ts";

const INPUT_HZ = 30;

async function main(options: Options): Promise<void> {
  const client = new Client<TickroomServer>(options.endpoint);
  const room = await client.joinOrCreate("arena", { name: `bot-${options.clientId}` });
  let seq = 0;
  let heading = Math.random() * Math.PI * 2;
  const timer = setInterval(() => {
    const me = room.state?.players?.get(room.sessionId);
    if (me === undefined) return;
    heading += (Math.random() - 0.5) * 0.4;
    let aim = heading;
    let nearest = Infinity;
    room.state.players.forEach((other, id) => {
      if (id === room.sessionId || !other.alive) return;
      const distance = Math.hypot(other.x - me.x, other.y - me.y);
      if (distance < nearest) { nearest = distance; aim = Math.atan2(other.y - me.y, other.x - me.x); }
    });
    room.send("input", {
      seq: ++seq,
      x: Math.cos(heading),
      y: Math.sin(heading),
      angle: aim,
      fire: nearest < ARENA.shotRange * 0.8,
    });
  }, 1000 / INPUT_HZ);
  room.onLeave(() => clearInterval(timer));
}

cli(main);
