/**
 * Chat bots: join a channel and say something every 2-6 seconds, like people typing.
 * Run: node --import tsx loadtest/chat.ts --room chat --numClients 50 --endpoint ws://localhost:2567
 */
import type { Options } from "@colyseus/loadtest";
import { botClient, runBots } from "./botRunner.ts";

const lines = ["hi all", "gg", "anyone up for a match?", "brb", "nice shot", "lol", "who wants to team up"];

async function main(options: Options): Promise<void> {
  const client = botClient(options.endpoint);
  const room = await client.joinOrCreate("chat", { name: `bot-${options.clientId}`, channel: "loadtest" });
  const talk = (): void => {
    room.send("say", { text: lines[Math.floor(Math.random() * lines.length)]! });
    timer = setTimeout(talk, 2000 + Math.random() * 4000);
  };
  let timer = setTimeout(talk, Math.random() * 4000);
  room.onLeave(() => clearTimeout(timer));
}

runBots(main);
