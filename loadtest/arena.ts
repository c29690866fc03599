/**
 * Arena bots: real clients of the netcode module (prediction, interpolation, one input
 * per 60 Hz step), wandering with a smoothly turning stick, aiming at the nearest living
 * player and firing when one is in range (loadtest/players/arenaPilot.ts).
 * Run: node --import tsx loadtest/arena.ts --room arena --numClients 32 --endpoint ws://localhost:2567
 */
import type { Options } from "@colyseus/loadtest";
import { joinArena } from "../client/arena.ts";
import { botClient, runBots } from "./botRunner.ts";
import { ArenaPilot } from "./players/arenaPilot.ts";

async function main(options: Options): Promise<void> {
  const session = await joinArena(botClient(options.endpoint), { name: `bot-${options.clientId}` });
  const pilot = new ArenaPilot();
  const timer = setInterval(() => {
    session.frame(performance.now(), (input) => pilot.fill(input, session.room.state, session.room.sessionId, session.local));
  }, 1000 / 60);
  session.room.onLeave(() => clearInterval(timer));
}

runBots(main);
