import { defineRoom, defineServer, matchMaker, type Room } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { ArenaRoom } from "../rooms/ArenaRoom.ts";
import { type RoomObserver, silentObserver } from "../rooms/base/observer.ts";
import { ChatRoom } from "../rooms/ChatRoom.ts";
import { MatchQueueRoom } from "../rooms/MatchQueueRoom.ts";
import { GuestRatings, type RatingSource } from "../rooms/queue/ratings.ts";
import { TickroomLobby } from "../rooms/TickroomLobby.ts";
import { TicTacToeRoom } from "../rooms/TicTacToeRoom.ts";
import { GuestAuth, withVerifiedIdentity } from "./auth.ts";
import type { TickroomConfig } from "./config.ts";
import { bearerToken, mountDevTools } from "./devTools.ts";
import { healthRoute } from "./health.ts";
import { guardHttp } from "./httpGuards.ts";
import { joinCodeRouter } from "./joinCodes.ts";
import { TickroomMetrics } from "./metrics.ts";
import { TickroomTransport } from "./transport.ts";
import { mountWebClient } from "./webClient.ts";

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
 * A patch with no clients only discards pending changes. test/in-process/tictactoe.test.ts
 * ("moves right after the game starts") fails without this.
 */
function defineTickroomRoom<T extends RoomClass>(
  roomClass: T,
  config: TickroomConfig,
  auth: GuestAuth,
  observer: RoomObserver,
  fromServer: Record<string, unknown> = {},
) {
  // Handler options override client options key by key, so `settings` and `observer`
  // always come from here.
  const handler = defineRoom(withVerifiedIdentity(roomClass, auth), { ...fromServer, settings: config.rooms, observer });
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
  const auth = new GuestAuth(config.auth);

  const rooms = {
    chat: defineTickroomRoom(ChatRoom, config, auth, observer).filterBy(["channel"]).enableRealtimeListing(),
    // Players ask for `open: true` (a free player slot); fullest room first.
    arena: defineTickroomRoom(ArenaRoom, config, auth, observer).filterBy(["mode", "region", "open"]).sortBy({ players: -1 }).enableRealtimeListing(),
    tictactoe: defineTickroomRoom(TicTacToeRoom, config, auth, observer).filterBy(["open"]).enableRealtimeListing(),
    lobby: defineRoom(withVerifiedIdentity(TickroomLobby, auth)),
    // One queue per game; it creates the match rooms.
    queue: defineTickroomRoom(MatchQueueRoom, config, auth, observer, { ratings: hooks.ratings ?? new GuestRatings() }).filterBy(["game"]),
  };
  if (metrics !== undefined) {
    for (const [roomType, handler] of Object.entries(rooms)) metrics.watchRoomType(roomType, handler);
  }
  const transport = new TickroomTransport({
    pingInterval: config.transport.pingIntervalMs,
    maxPayload: config.transport.maxPayloadBytes,
    maxBufferedBytes: config.transport.maxBufferedBytes,
    ...(metrics !== undefined ? { traffic: metrics, onProtocolViolation: (roomType: string, reason: string) => metrics.rejected(roomType, reason) } : {}),
  });
  if (transport.server !== undefined) {
    guardHttp(transport.server, config.http, (reason) => metrics?.rejected("http", reason));
    if (metrics !== undefined) metrics.watchMatchmaking(transport.server);
  }

  // One Redis for presence (pub/sub, IPC between processes) and the room listings.
  const cluster =
    config.cluster === undefined
      ? {}
      : {
          presence: new RedisPresence(config.cluster.redisUrl),
          driver: new RedisDriver(config.cluster.redisUrl),
          publicAddress: config.cluster.publicAddress,
        };

  const server = defineServer({
    rooms,
    transport,
    ...cluster,
    express: async (app) => {
      app.get("/health", healthRoute(startedAt));
      if (metrics !== undefined) {
        const guard = config.metrics.token !== undefined ? [bearerToken(config.metrics.token)] : [];
        app.get("/metrics", ...guard, metrics.route());
      }
      app.use(joinCodeRouter());
      app.use(auth.router());
      await mountDevTools(app, config.devTools);
      // Last: static files only answer paths no route above took.
      mountWebClient(app, config.webClient);
    },
    greet: false,
    gracefullyShutdown: hooks.handleSignals ?? true,
  });
  if (config.cluster !== undefined) sweepDeadProcesses(server, config.cluster.processCheckIntervalMs);
  return server;
}

/**
 * Colyseus checks its peers only when a process starts or when a request to a room times
 * out, so a crashed process's rooms would stay in listings and the lobby until someone
 * tried one. Every interval, each process asks Redis which peers still hold their IPC
 * channel and health-checks the rest (2 s IPC timeout); a dead one's rooms are removed.
 */
function sweepDeadProcesses(server: { onShutdown(callback: () => void): void }, intervalMs: number): void {
  const timer = setInterval(() => {
    matchMaker.healthCheckAllProcesses().catch(() => undefined);
  }, intervalMs);
  timer.unref();
  server.onShutdown(() => clearInterval(timer));
}

export type TickroomServer = ReturnType<typeof createTickroomServer>;
