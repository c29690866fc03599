import { defineServer, matchMaker, type RegisteredHandler } from "@colyseus/core";
import { ArenaRoom } from "../rooms/ArenaRoom.ts";
import { silentObserver } from "../rooms/base/observer.ts";
import { GuestRatings, type RatingSource } from "../rooms/base/ratings.ts";
import { MemoryRecordings, type RecordingStore } from "../rooms/base/recordings.ts";
import { discardResults, type ResultSink } from "../rooms/base/results.ts";
import { ChatRoom } from "../rooms/ChatRoom.ts";
import { MatchQueueRoom } from "../rooms/MatchQueueRoom.ts";
import { PongRoom } from "../rooms/PongRoom.ts";
import { ReplayRoom } from "../rooms/ReplayRoom.ts";
import { TickroomLobby } from "../rooms/TickroomLobby.ts";
import { TicTacToeRoom } from "../rooms/TicTacToeRoom.ts";
import { GuestAuth } from "./auth.ts";
import type { TickroomConfig } from "./config.ts";
import { mountDevTools } from "./devTools.ts";
import { healthRoute } from "./health.ts";
import { bearerToken } from "./httpAuth.ts";
import { createHttpServer, guardHttp, guardOverload, guardRedis } from "./httpGuards.ts";
import { joinCodeRouter } from "./joinCodeRoute.ts";
import { EventLoopDelayGauge, type LoadGauge } from "./loadGauge.ts";
import { TickroomMetrics } from "./metrics.ts";
import { RoomMigration } from "./migration.ts";
import { playerRoutes } from "./playerRoutes.ts";
import { connectRedis, type RedisHealth } from "./redis.ts";
import { roomCatalog, roomCatalogRoute } from "./roomCatalog.ts";
import { type DefineRoom, roomDefiner } from "./roomTypes.ts";
import { ResultOutbox, StoreRatings } from "./store/outbox.ts";
import { StoreRecordings } from "./store/recordings.ts";
import type { Store } from "./store/store.ts";
import { TickroomTransport } from "./transport.ts";
import { mountWebClient } from "./webClient.ts";

// colyseus-internal: tools-loadenv
/**
 * Imports come from the scoped packages rather than the `colyseus` meta package: the meta
 * package loads `@colyseus/tools`, whose import runs dotenv over /etc/environment with
 * override, rewriting `process.env` behind server/config.ts.
 */

export interface ServerHooks {
  /** Let Colyseus trap SIGTERM/SIGINT and drain rooms before exiting. Tests turn it off. @default true */
  readonly handleSignals?: boolean;
  /** Where queued players' ratings come from. @default every player a guest at 1000 */
  readonly ratings?: RatingSource;
  /**
   * Room types to host besides the built-in ones, registered with this server's `define`:
   * `rooms: (define) => ({ race: define(RaceRoom).filterBy(["open"]) })`. @default none
   */
  readonly rooms?: (define: DefineRoom) => Readonly<Record<string, RegisteredHandler>>;
  /** Called once every room is disposed on shutdown (and the outbox closed); awaited. @default nothing */
  readonly onShutdown?: () => void | Promise<void>;
  /** Whether the process is too loaded to seat players (503). @default the event loop's delay against MAX_EVENT_LOOP_DELAY_MS */
  readonly load?: LoadGauge;
  /** Where finished matches' results go. @default the store's outbox; nowhere without a store */
  readonly results?: ResultSink;
  /** The opened store (`openStore(config.store)`): accounts, ratings, matches. @default none: nothing is kept */
  readonly store?: Store;
  /** Where match recordings are kept. @default the store's; in memory (the last RECORDINGS_IN_MEMORY) without a store */
  readonly recordings?: RecordingStore;
}

/** Build the game server (rooms, transport, HTTP routes) from a parsed configuration. */
export function createTickroomServer(config: TickroomConfig, hooks: ServerHooks = {}) {
  const startedAt = Date.now();
  const metrics = config.metrics.enabled ? new TickroomMetrics() : undefined;
  const observer = metrics ?? silentObserver;
  const auth = new GuestAuth(config.auth, hooks.store);

  // With a store: results go through its outbox, and the queue pairs on the ratings it keeps.
  const { store } = hooks;
  const outbox = store !== undefined && config.store.kind !== "off" ? new ResultOutbox(store, config.store.dataDir) : undefined;
  const recordings =
    hooks.recordings ??
    (store !== undefined ? new StoreRecordings(store, config.recordings.retentionDays * 86_400_000) : new MemoryRecordings(config.recordings.inMemory));
  // Filled once every room type is registered (below): the replay room decodes with these.
  const stateClasses = new Map<string, new () => object>();
  const define = roomDefiner(
    {
      settings: {
        ...config.rooms,
        // In a cluster a match that cannot move may finish before the process goes, leaving a
        // second for the 4001s to go out before the SIGTERM timer ends it; alone, there is
        // nowhere to go and no reason to wait.
        shutdownGraceMs: config.cluster === undefined ? 0 : Math.max(0, config.shutdownTimeoutMs - 1000),
      },
      observer,
      ratings: hooks.ratings ?? (store !== undefined ? new StoreRatings(store) : new GuestRatings()),
      results: hooks.results ?? outbox ?? discardResults,
      sessions: auth,
      recordings,
      stateOf: (roomType) => stateClasses.get(roomType),
    },
    auth,
  );

  // One line per room type: `define(RoomClass)`, then how matchmaking filters and sorts it.
  // colyseus-internal: listing-metadata-filters
  const rooms = {
    chat: define(ChatRoom).filterBy(["channel"]).enableRealtimeListing(),
    // Players ask for `open: true` (a free player slot); fullest room first.
    arena: define(ArenaRoom).filterBy(["mode", "region", "open"]).sortBy({ players: -1 }).enableRealtimeListing(),
    tictactoe: define(TicTacToeRoom).filterBy(["open"]).enableRealtimeListing(),
    lobby: define(TickroomLobby),
    // One queue per ranked game; it creates the match rooms (shared/rankedQueue.ts).
    queue: define(MatchQueueRoom).filterBy(["game"]),
    pong: define(PongRoom).filterBy(["open"]).enableRealtimeListing(),
    // Viewers of one match share its decoded recording; each has its own playhead.
    replay: define(ReplayRoom).filterBy(["matchId"]),
    // Room types added by `npm run new:room` go above this line.
  };
  const allRooms: Readonly<Record<string, RegisteredHandler>> = { ...rooms, ...hooks.rooms?.(define) };
  const catalog = roomCatalog(allRooms);
  for (const [roomType, handler] of Object.entries(allRooms)) {
    const state = (handler.klass as { declaration?: { state?: new () => object } }).declaration?.state;
    if (state !== undefined) stateClasses.set(roomType, state);
  }
  if (metrics !== undefined) {
    for (const [roomType, handler] of Object.entries(allRooms)) metrics.watchRoomType(roomType, handler);
  }
  const transport = new TickroomTransport({
    server: createHttpServer(config.http),
    pingInterval: config.transport.pingIntervalMs,
    maxPayload: config.transport.maxPayloadBytes,
    maxBufferedBytes: config.transport.maxBufferedBytes,
    stallMs: config.transport.stallMs,
    joinTimeoutMs: config.transport.joinTimeoutMs,
    ...(metrics !== undefined ? { traffic: metrics, onProtocolViolation: (roomType: string, reason: string) => metrics.rejected(roomType, reason) } : {}),
  });
  const redis = config.cluster === undefined ? undefined : connectRedis(config.cluster.redisUrl);
  let eventLoop: EventLoopDelayGauge | undefined;
  if (transport.server !== undefined) {
    guardHttp(transport.server, config.http, (reason) => metrics?.rejected("http", reason));
    if (redis !== undefined) guardRedis(transport.server, redis.health);
    if (hooks.load === undefined && config.maxEventLoopDelayMs > 0) eventLoop = new EventLoopDelayGauge(config.maxEventLoopDelayMs);
    const load = hooks.load ?? eventLoop;
    if (load !== undefined) guardOverload(transport.server, load);
    if (metrics !== undefined) metrics.watchMatchmaking(transport.server);
  }

  // Rooms that outlive their process: moved on a drain, adopted from checkpoints after a crash.
  const migration =
    config.cluster === undefined || redis === undefined
      ? undefined
      : new RoomMigration(
          redis.commands,
          redis.presence,
          redis.driver,
          redis.health,
          config.cluster,
          (roomType, outcome) => metrics?.roomMove(roomType, outcome),
          (rooms, seconds, bytes) => metrics?.checkpoint(rooms, seconds, bytes),
        );
  // One Redis for presence (pub/sub, IPC between processes) and the room listings.
  const cluster =
    config.cluster === undefined || redis === undefined || migration === undefined
      ? {}
      : {
          presence: redis.presence,
          driver: redis.driver,
          publicAddress: config.cluster.publicAddress,
          // A draining process creates no rooms.
          selectProcessIdToCreateRoom: migration.selectProcess,
        };

  const server = defineServer({
    // Typed by the built-in room types: what `Client<TickroomServer>` checks.
    rooms: allRooms as typeof rooms,
    transport,
    ...cluster,
    express: async (app) => {
      app.get("/health", healthRoute(startedAt, redis?.health));
      app.get("/room-types", roomCatalogRoute(catalog));
      if (metrics !== undefined) {
        const guard = config.metrics.token !== undefined ? [bearerToken(config.metrics.token)] : [];
        app.get("/metrics", ...guard, metrics.route());
      }
      app.use(joinCodeRouter());
      app.use(auth.router());
      if (store !== undefined) app.use(playerRoutes(store));
      await mountDevTools(app, config.devTools);
      // Last: static files only answer paths no route above took.
      mountWebClient(app, config.webClient);
    },
    greet: false,
    gracefullyShutdown: hooks.handleSignals ?? true,
  });
  const stopSweeping =
    config.cluster === undefined || redis === undefined ? undefined : sweepDeadProcesses(config.cluster.processCheckIntervalMs, redis.health);
  // Before Colyseus disposes of the rooms: the movable ones go to the peers first.
  server.onBeforeShutdown(async () => {
    await migration?.drain();
  });
  // colyseus-internal: on-shutdown-single-slot
  // Colyseus keeps one shutdown callback (each onShutdown() replaces the last): this is the
  // only call, and everything that must run then goes through it.
  server.onShutdown(async () => {
    stopSweeping?.();
    migration?.stop();
    eventLoop?.close();
    redis?.close();
    // Results and recordings still being written reach the disk (or the store) before the store closes.
    await recordings.settled();
    await outbox?.close();
    await hooks.onShutdown?.();
  });
  return Object.assign(server, { outbox, migration });
}

/**
 * Colyseus checks its peers only when a process starts or when a request to a room times
 * out, so a crashed process's rooms would stay in listings and the lobby until someone
 * tried one. Every interval, each process asks Redis which peers still hold their IPC
 * channel and health-checks the rest (2 s IPC timeout); a dead one's rooms are removed.
 */
// colyseus-internal: dead-process-sweep
function sweepDeadProcesses(intervalMs: number, redis: RedisHealth): () => void {
  // Not while Redis is away, nor until every process had an interval to re-announce itself
  // after it returns (a process missing from a freshly restarted Redis is not dead).
  let upSince = Date.now();
  redis.on("up", () => {
    upSince = Date.now();
  });
  let sweeping = false;
  const timer = setInterval(() => {
    if (!redis.up || Date.now() - upSince < intervalMs || sweeping) return;
    sweeping = true;
    matchMaker
      .healthCheckAllProcesses()
      .catch(() => undefined)
      .finally(() => {
        sweeping = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export type TickroomServer = ReturnType<typeof createTickroomServer>;
