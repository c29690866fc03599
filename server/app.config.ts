import { defineRoom, defineServer, type Room } from "@colyseus/core";
import { ArenaRoom } from "../rooms/ArenaRoom.ts";
import { ChatRoom } from "../rooms/ChatRoom.ts";
import { MatchQueueRoom } from "../rooms/MatchQueueRoom.ts";
import { GuestRatings, type RatingSource } from "../rooms/queue/ratings.ts";
import { TickroomLobby } from "../rooms/TickroomLobby.ts";
import { TicTacToeRoom } from "../rooms/TicTacToeRoom.ts";
import type { TickroomConfig } from "./config.ts";
import { healthRoute } from "./health.ts";
import { joinCodeRouter } from "./joinCodes.ts";
import { TickroomTransport } from "./transport.ts";

/**
 * Imports come from the scoped packages rather than the `colyseus` meta package: the meta
 * package loads `@colyseus/tools`, whose import runs dotenv over /etc/environment with
 * override, rewriting `process.env` behind server/config.ts.
 */

type RoomClass = new () => Room;

/**
 * Register a room type with the server's settings. Also publishes each new room's
 * initial state as the patch baseline before any client can join: with
 * @colyseus/schema 5.0.34, a client that receives the full state while a fresh room's
 * initial ArraySchema ADDs are still pending gets those ADDs again in the first patch,
 * and an element replaced meanwhile is duplicated (a 9-cell board arrives with 10).
 * A patch with no clients only discards pending changes. test/rooms/tictactoe.test.ts
 * ("moves right after the game starts") fails without this.
 */
function defineTickroomRoom<T extends RoomClass>(roomClass: T, config: TickroomConfig, fromServer: Record<string, unknown> = {}) {
  // Handler options override client options key by key, so `settings` always comes from here.
  const handler = defineRoom(roomClass, { ...fromServer, settings: config.rooms });
  handler.on("create", (room: Room) => room.broadcastPatch());
  return handler;
}

export interface ServerHooks {
  /** Let Colyseus trap SIGTERM/SIGINT and drain rooms before exiting. Tests turn it off. @default true */
  readonly handleSignals?: boolean;
  /** Where queued players' ratings come from. @default every player a guest at 1000 */
  readonly ratings?: RatingSource;
}

/** Build the game server (rooms, transport, HTTP routes) from a parsed configuration. */
export function createTickroomServer(config: TickroomConfig, hooks: ServerHooks = {}) {
  const startedAt = Date.now();

  return defineServer({
    rooms: {
      chat: defineTickroomRoom(ChatRoom, config).filterBy(["channel"]).enableRealtimeListing(),
      // Players ask for `open: true` (a free player slot); fullest room first.
      arena: defineTickroomRoom(ArenaRoom, config).filterBy(["mode", "region", "open"]).sortBy({ players: -1 }).enableRealtimeListing(),
      tictactoe: defineTickroomRoom(TicTacToeRoom, config).filterBy(["open"]).enableRealtimeListing(),
      lobby: defineRoom(TickroomLobby),
      // One queue per game; it creates the match rooms.
      queue: defineTickroomRoom(MatchQueueRoom, config, { ratings: hooks.ratings ?? new GuestRatings() }).filterBy(["game"]),
    },
    transport: new TickroomTransport({
      pingInterval: config.transport.pingIntervalMs,
      maxPayload: config.transport.maxPayloadBytes,
    }),
    express: (app) => {
      app.get("/health", healthRoute(startedAt));
      app.use(joinCodeRouter());
    },
    greet: false,
    gracefullyShutdown: hooks.handleSignals ?? true,
  });
}

export type TickroomServer = ReturnType<typeof createTickroomServer>;
