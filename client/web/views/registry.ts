import type { HandedRoom } from "../joinedRoom.ts";
import { type RoomRoute, roomRoute } from "../routes.ts";
import { arenaGame } from "./arenaView.ts";
import { chatGame } from "./chatView.ts";
import type { GameViewEntry } from "./context.ts";
import { genericView } from "./genericView.ts";
import { pongGame } from "./pongView.ts";
import { ticTacToeGame } from "./ticTacToeView.ts";

/**
 * Room types with a view of their own, by registered name: one line each. Every other room
 * type the server hosts is shown by the generic view (its state, members and messages).
 */
const GAME_VIEWS: Readonly<Record<string, GameViewEntry>> = {
  arena: arenaGame,
  chat: chatGame,
  tictactoe: ticTacToeGame,
  pong: pongGame,
};

const GENERIC: GameViewEntry = { mount: genericView };

/** The view that shows rooms of `type`: its own, else the generic one. */
export function gameViewOf(type: string): GameViewEntry {
  return GAME_VIEWS[type] ?? GENERIC;
}

/** Where a joined room is shown (a spectator watching late: with its delay, so a reload watches as late). */
export async function routeFor(joined: HandedRoom, spectate: boolean): Promise<RoomRoute> {
  const type = joined.room.name;
  const addressOf = gameViewOf(type).addressOf;
  const address = addressOf === undefined ? joined.room.roomId : await addressOf(joined);
  const query: Record<string, string> = joined.delaySeconds === undefined ? {} : { delay: String(joined.delaySeconds) };
  return roomRoute(type, { address, spectate, query });
}
