import { EventEmitter } from "node:events";
import { type IRoomCache, logger, matchMaker, type SortOptions, updateLobby } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { Redis, type RedisOptions } from "ioredis";

/**
 * The Redis a cluster of tickroom processes shares, made to live through an outage:
 * running rooms never wait on it, matchmaking answers 503 at once while it is away
 * (httpGuards.ts `guardRedis`), and when it returns, even empty after a restart that lost
 * its data, every room of this process is listed again, the process's load re-announced
 * and open lobbies told. Colyseus does none of that by itself (docs/colyseus-internals.md,
 * `redis-*` tags).
 */

/**
 * Whether Redis answers, judged from the connections tickroom gives Colyseus: down as soon
 * as one loses its connection ('close', 'reconnecting', 'end'), or when a PING on a
 * connected one gets no answer within `probeTimeoutMs` (a hung Redis, or a network that
 * drops packets, keeps the socket open and no event fires). Emits "down" and "up".
 */
export class RedisHealth extends EventEmitter {
  #up = false;
  #since = Date.now();
  #reason = "connecting";
  readonly #pending = new Map<Redis, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly clients: readonly Redis[],
    private readonly probeEveryMs = 250,
    private readonly probeTimeoutMs = 1000,
  ) {
    super();
    for (const client of clients) {
      for (const event of ["ready", "close", "end", "reconnecting"]) client.on(event, () => this.#evaluate());
    }
    this.#timer = setInterval(() => this.#probe(), this.probeEveryMs);
    this.#timer.unref();
  }

  get up(): boolean {
    return this.#up;
  }

  /** For /health: up, or why it is down, and for how long. */
  describe(): { redis: "up" | "down"; redisReason?: string; redisSinceMs: number } {
    return { redis: this.#up ? "up" : "down", ...(this.#up ? {} : { redisReason: this.#reason }), redisSinceMs: Date.now() - this.#since };
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #probe(): void {
    for (const client of this.clients) {
      if (client.status !== "ready" || this.#pending.has(client)) continue;
      // Subscriber connections answer PING too.
      this.#pending.set(client, performance.now());
      const answered = (): void => {
        this.#pending.delete(client);
        this.#evaluate();
      };
      client.ping().then(answered, answered);
    }
    this.#evaluate();
  }

  #evaluate(): void {
    const now = performance.now();
    let reason: string | undefined;
    for (const client of this.clients) {
      if (client.status !== "ready") reason ??= `a connection is ${client.status}`;
      const sent = this.#pending.get(client);
      if (sent !== undefined && now - sent > this.probeTimeoutMs) reason ??= `no answer to PING in ${this.probeTimeoutMs} ms`;
    }
    const up = reason === undefined;
    if (up === this.#up) return;
    this.#up = up;
    this.#since = Date.now();
    this.#reason = reason ?? "";
    this.emit(up ? "up" : "down", reason);
  }
}

/**
 * Colyseus's RedisDriver, made to live through outages:
 * - a failed read no longer poisons it: RedisDriver shares one in-flight HGETALL between
 *   callers and forgets it only when it succeeds, so one rejection (ioredis's
 *   MaxRetriesPerRequestError after about 10 s of refused connections) made every later
 *   query reject at once until the process restarted;
 * - this process's own listings are kept here (rooms change the same objects), written
 *   behind while Redis is down, so room joins and leaves never wait on Redis (a write waits
 *   `writeWaitMs` at most), and `republish()` puts every one back once it answers again.
 */
export class ResilientRedisDriver extends RedisDriver {
  readonly #local = new Map<string, IRoomCache>();
  readonly #removedWhileDown = new Set<string>();
  readonly #gone = new Set<string>();
  /** Rooms moved to another process (server/migration.ts): their listing is the new process's to write. */
  readonly #handedOff = new Set<string>();
  /** Rooms being restored here: listed only once their seats are reserved (`release`). */
  readonly #held = new Set<string>();

  readonly #client: Redis;

  constructor(
    client: Redis,
    private readonly health: RedisHealth,
    private readonly writeWaitMs = 1000,
  ) {
    super(client);
    this.#client = client;
  }

  // colyseus-internal: redis-driver-shared-read
  #forgetSharedReads(): void {
    const self = this as unknown as { _concurrentRoomCacheRequest?: unknown; _roomCacheRequestByName: Record<string, unknown> };
    self._concurrentRoomCacheRequest = undefined;
    self._roomCacheRequestByName = {};
  }

  override async query(conditions: Partial<IRoomCache>, sortOptions?: SortOptions) {
    // colyseus-internal: redis-driver-shared-read
    // A question about one room reads that room now. RedisDriver answers every query from
    // one shared in-flight HGETALL, so a lobby told "room X changed" could be answered by a
    // read sent before X's listing was written, and drop X from its list (seen after a
    // Redis restart: the republished rooms raced the other process's lobby).
    if (typeof conditions.roomId === "string") {
      const listing = await this.findOne({ roomId: conditions.roomId });
      return listing !== undefined && matchesConditions(listing, conditions) ? [listing] : [];
    }
    try {
      return await super.query(conditions, sortOptions);
    } catch (error) {
      this.#forgetSharedReads();
      throw error;
    }
  }

  override findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    return Promise.resolve(super.findOne(conditions, sortOptions)).catch((error: unknown) => {
      this.#forgetSharedReads();
      throw error;
    });
  }

  // colyseus-internal: redis-driver-local-listings
  #track(room: IRoomCache): void {
    if (room.roomId !== undefined && room.processId === matchMaker.processId && !this.#gone.has(room.roomId)) this.#local.set(room.roomId, room);
  }

  /** Send a write; while Redis is down, or past `writeWaitMs`, answer at once: `republish()` brings it back. */
  async #write(send: () => Promise<boolean>): Promise<boolean> {
    if (!this.health.up) return true;
    const sent = send().catch(() => true);
    return Promise.race([sent, new Promise<boolean>((resolve) => setTimeout(() => resolve(true), this.writeWaitMs).unref())]);
  }

  /** The room is moving to another process: from now on this process never writes or removes its listing. */
  handOff(roomId: string): void {
    this.#handedOff.add(roomId);
    this.#local.delete(roomId);
  }

  /** A room about to be restored here: its listing is kept back until `release`. */
  holdBack(roomId: string): void {
    this.#held.add(roomId);
  }

  /**
   * Publish the listing of a restored room, now that its seats are reserved: really written
   * (no wait limit, no write-behind), or it throws. Its old process closes the room's clients
   * once this answers, and a listing not yet here would send their reconnections back there.
   */
  async release(roomId: string): Promise<void> {
    this.#held.delete(roomId);
    const listing = this.#local.get(roomId);
    if (listing !== undefined) await super.persist(listing);
  }

  /** Being restored here, not listed yet: the listing Redis still holds is its old process's. */
  isHeld(roomId: string): boolean {
    return this.#held.has(roomId);
  }

  /** A restore that failed: nothing to publish. */
  dropHeld(roomId: string): void {
    this.#held.delete(roomId);
    this.#local.delete(roomId);
  }

  /** The move failed: the listing is this process's again. */
  takeBack(roomId: string): void {
    this.#handedOff.delete(roomId);
    const room = matchMaker.getLocalRoomById(roomId) as unknown as { _listing?: IRoomCache } | undefined;
    // colyseus-internal: carried-seats
    if (room?._listing !== undefined) this.#track(room._listing);
  }

  /**
   * Drop a dead process's listings, but only those that still name it: a survivor may have
   * adopted a room (a listing under the same id, naming the survivor) between Colyseus's
   * read of the listings and its delete.
   */
  // colyseus-internal: dead-process-sweep
  override async cleanup(processId: string): Promise<void> {
    const listings = await this.query({ processId });
    await Promise.all(listings.map((listing) => this.#client.eval(REMOVE_IF_OWNED_BY, 1, ROOMCACHES_KEY, listing.roomId ?? "", processId)));
  }

  override async persist(room: IRoomCache, create = false) {
    if (room.roomId !== undefined && this.#handedOff.has(room.roomId)) return true;
    this.#track(room);
    if (room.roomId !== undefined && this.#held.has(room.roomId)) return true;
    return this.#write(() => super.persist(room, create));
  }

  override async update(room: IRoomCache, operations: Partial<{ $set: Partial<IRoomCache>; $inc: Partial<IRoomCache> }>) {
    if (room.roomId !== undefined && this.#handedOff.has(room.roomId)) return true;
    this.#track(room);
    if (!this.health.up || (room.roomId !== undefined && this.#held.has(room.roomId))) {
      // What RedisDriver.update does to the listing before it writes it.
      const target = room as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(operations.$set ?? {})) target[field] = value;
      for (const [field, value] of Object.entries(operations.$inc ?? {})) target[field] = (target[field] as number) + (value as number);
      return true;
    }
    return this.#write(() => super.update(room, operations));
  }

  override async remove(roomId: string) {
    // Colyseus removes a disposed room's listing twice (disconnect, then dispose): both are the new process's now.
    if (this.#handedOff.has(roomId)) return true;
    if (this.#local.delete(roomId)) this.#gone.add(roomId);
    if (!this.health.up) {
      this.#removedWhileDown.add(roomId);
      return true;
    }
    return this.#write(() =>
      super.remove(roomId).catch((error: unknown) => {
        this.#removedWhileDown.add(roomId);
        throw error;
      }),
    );
  }

  /** This process's live rooms, as listed through this driver. */
  localRoomIds(): string[] {
    return [...this.#local.keys()];
  }

  /** Write every listing of this process again, and the removals Redis missed. Idempotent. */
  async republish(): Promise<number> {
    const removed = [...this.#removedWhileDown];
    this.#removedWhileDown.clear();
    // A room another process lists now was adopted while this one was cut off (its heartbeat
    // lapsed): that copy is the room; this one must not write over its listing.
    const current = await super.findByIds([...this.#local.keys()]);
    const adopted = [...this.#local.keys()].filter((roomId) => {
      // One being restored here still shows its old process's listing: it is not elsewhere.
      if (this.#held.has(roomId)) return false;
      const owner = current.get(roomId)?.processId;
      return owner !== undefined && owner !== matchMaker.processId;
    });
    for (const roomId of adopted) this.handOff(roomId);
    await Promise.all([
      // Only if still this process's: another may have adopted the room meanwhile.
      ...removed.map((roomId) => this.#client.eval(REMOVE_IF_OWNED_BY, 1, ROOMCACHES_KEY, roomId, matchMaker.processId)),
      ...[...this.#local.values()].filter((listing) => !this.#held.has(listing.roomId ?? "")).map((listing) => super.persist(listing)),
    ]);
    if (adopted.length > 0) this.onAdoptedElsewhere(adopted);
    return this.#local.size;
  }

  /** Rooms of this process that another adopted while it was cut off from Redis (server/migration.ts closes this copy). */
  onAdoptedElsewhere: (roomIds: readonly string[]) => void = () => undefined;
}

/** redis-driver's hash of listings. */
const ROOMCACHES_KEY = "roomcaches";

/** HDEL a listing only if it still names the given process. */
const REMOVE_IF_OWNED_BY = `
local listing = redis.call('HGET', KEYS[1], ARGV[1])
if listing and string.find(listing, '"processId":"' .. ARGV[2] .. '"', 1, true) then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`;

/** What redis-driver's Query checks: each condition equals the listing's field, or else its metadata's. */
function matchesConditions(listing: IRoomCache, conditions: Partial<IRoomCache>): boolean {
  const fields = listing as unknown as Record<string, unknown>;
  const metadata = (listing.metadata ?? {}) as Record<string, unknown>;
  return Object.entries(conditions).every(([field, value]) =>
    Object.hasOwn(fields, field) ? fields[field] === value : Object.hasOwn(metadata, field) && metadata[field] === value,
  );
}

/** RedisPresence, with the subscriber connection it opens within reach (a protected field). */
class TickroomPresence extends RedisPresence {
  // colyseus-internal: redis-presence-subscriber
  get subscriber(): Redis {
    return this.sub as Redis;
  }
}

export interface SharedRedis {
  readonly presence: RedisPresence;
  readonly driver: ResilientRedisDriver;
  /** The listings connection, for tickroom's own keys (heartbeats, checkpoints). */
  readonly commands: Redis;
  readonly health: RedisHealth;
  close(): void;
}

/**
 * Open the connections Colyseus uses (presence publisher and subscriber, the listings
 * driver), owned here so their health can be watched and their recovery handled.
 */
export function connectRedis(url: string): SharedRedis {
  const options: RedisOptions = {
    // Back within a second of Redis returning (ioredis's default waits up to 2 s between attempts).
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  const publisher = new Redis(url, options);
  const presence = new TickroomPresence(publisher);
  const driverClient = new Redis(url, options);
  // RedisPresence logs its own connections' errors; without a listener ioredis prints "Unhandled error event".
  driverClient.on("error", (error: Error) => logger.warn("[tickroom] redis (listings) connection error:", error.message));
  const health = new RedisHealth([publisher, presence.subscriber, driverClient]);
  const driver = new ResilientRedisDriver(driverClient, health);
  let everUp = false;
  let downAt: number | undefined;
  health.on("down", (reason: string) => {
    if (!everUp) return; // still connecting at start
    downAt = Date.now();
    logger.warn(`[tickroom] redis is down (${reason}): matchmaking answers 503, running rooms go on`);
  });
  health.on("up", () => {
    everUp = true;
    if (downAt === undefined) return; // the first connection: nothing to put back
    const outage = Date.now() - downAt;
    downAt = undefined;
    void (async () => {
      try {
        const rooms = await driver.republish();
        // colyseus-internal: redis-recovery
        await matchMaker.stats.persist(true);
        for (const roomId of driver.localRoomIds()) {
          const room = matchMaker.getLocalRoomById(roomId);
          if (room !== undefined) updateLobby(room);
        }
        logger.info(`[tickroom] redis is back after ${outage} ms: ${rooms} room listings republished`);
      } catch (error) {
        logger.warn(`[tickroom] redis is back, but republishing the listings failed: ${(error as Error).message}`);
      }
    })();
  });
  return { presence, driver, commands: driverClient, health, close: () => health.stop() };
}
