import { defineRoom, defineServer, type Room } from "@colyseus/core";
import { ArenaRoom } from "../rooms/ArenaRoom.ts";
import { ChatRoom } from "../rooms/ChatRoom.ts";
import { MatchQueueRoom } from "../rooms/MatchQueueRoom.ts";
import { GuestRatings, type RatingSource } from "../rooms/queue/ratings.ts";
import { TickroomLobby } from "../rooms/TickroomLobby.ts";
import { TicTacToeRoom } from "../rooms/TicTacToeRoom.ts";
import { silentObserver, type RoomObserver } from "../rooms/base/observer.ts";
import type { TickroomConfig } from "./config.ts";
import { bearerToken, mountDevTools } from "./devTools.ts";
import { healthRoute } from "./health.ts";
import { joinCodeRouter } from "./joinCodes.ts";
import { TickroomMetrics } from "./metrics.ts";
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
function defineTickroomRoom<T extends RoomClass>(roomClass: T, config: TickroomConfig, observer: RoomObserver, fromServer: Record<string, unknown> = {}) {
  // Handler options override client options key by key, so `settings` and `observer`
  // always come from here.
  const handler = defineRoom(roomClass, { ...fromServer, settings: config.rooms, observer });
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
  const metrics = config.metrics.enabled ? new TickroomMetrics() : undefined;
  const observer = metrics ?? silentObserver;

  const rooms = {
    chat: defineTickroomRoom(ChatRoom, config, observer).filterBy(["channel"]).enableRealtimeListing(),
    // Players ask for `open: true` (a free player slot); fullest room first.
    arena: defineTickroomRoom(ArenaRoom, config, observer).filterBy(["mode", "region", "open"]).sortBy({ players: -1 }).enableRealtimeListing(),
    tictactoe: defineTickroomRoom(TicTacToeRoom, config, observer).filterBy(["open"]).enableRealtimeListing(),
    lobby: defineRoom(TickroomLobby),
    // One queue per game; it creates the match rooms.
    queue: defineTickroomRoom(MatchQueueRoom, config, observer, { ratings: hooks.ratings ?? new GuestRatings() }).filterBy(["game"]),
  };
  if (metrics !== undefined) {
    for (const [roomType, handler] of Object.entries(rooms)) metrics.watchRoomType(roomType, handler);
  }
  const transport = new TickroomTransport({
    pingInterval: config.transport.pingIntervalMs,
    maxPayload: config.transport.maxPayloadBytes,
    ...(metrics !== undefined ? { traffic: metrics, onOversizedFrame: (roomType: string) => metrics.rejected(roomType, "oversized") } : {}),
  });
  if (metrics !== undefined && transport.server !== undefined) metrics.watchMatchmaking(transport.server);

  return defineServer({
    rooms,
    transport,
    express: async (app) => {
      app.get("/health", healthRoute(startedAt));
      if (metrics !== undefined) {
        const guard = config.metrics.token !== undefined ? [bearerToken(config.metrics.token)] : [];
        app.get("/metrics", ...guard, metrics.route());
      }
      app.use(joinCodeRouter());
      await mountDevTools(app, config.devTools);
    },
    greet: false,
    gracefullyShutdown: hooks.handleSignals ?? true,
  });
}

export type TickroomServer = ReturnType<typeof createTickroomServer>;
