import { logger, matchMaker, type Presence, type Room, requestFromIPC, subscribeIPC, updateLobby } from "@colyseus/core";
import type { Redis } from "ioredis";
import { parseSnapshot, RESTORE_OPTION, type RoomSnapshot, SnapshotError } from "../rooms/base/migration.ts";
import { HttpStatus } from "../shared/errors.ts";
import type { RedisHealth, ResilientRedisDriver } from "./redis.ts";

/**
 * Rooms that outlive their process (docs/deploying.md), on the pieces Colyseus already has:
 * a room recreated under its id through the matchmaker (`handleCreateRoom`, the restore
 * path of its dev mode), seats reserved by reconnection token, clients closed with 4010 so
 * the SDK reconnects on its own, and a router in front (server/router.ts) that sends each
 * reconnection to wherever the room lives now.
 *
 * - **Drain** (SIGTERM; a rolling restart sends it): this process takes no new
 *   rooms; each movable room is frozen between two ticks, snapshotted, recreated on the
 *   least loaded live peer (over Colyseus IPC), and its clients closed with 4010. Rooms that
 *   cannot move are left to Colyseus's shutdown (their match may finish, then 4001).
 * - **Checkpoints**: every `checkpointMs` each movable room's snapshot goes to Redis.
 * - **Failover**: each process renews a heartbeat; when one lapses (the process died), a
 *   survivor takes a per-room lock and recreates the dead process's rooms from their last
 *   checkpoint. What happened after that checkpoint is lost.
 */

/** What a room must offer to move (`TickroomRoom` does; other room types drain the old way). */
interface MovableRoom {
  readonly roomId: string;
  readonly roomName: string;
  readonly movable: boolean;
  readonly seatsVersion: number;
  snapshot(): RoomSnapshot;
  freeze(): void;
  thaw(): void;
  moveOut(): Promise<void>;
  seatCarried(): Promise<void>;
  lock(): Promise<void>;
  unlock(): Promise<void>;
}

/** How one room fared in a drain or a failover: the metric's label (`tickroom_room_moves_total{outcome}`). */
export type MoveOutcome = "moved" | "drained" | "failed" | "adopted" | "refused" | "fenced";

export interface MigrationSettings {
  /** How often movable rooms checkpoint (0: never). */
  readonly checkpointMs: number;
  /** A heartbeat older than this marks its process dead. */
  readonly failoverDetectMs: number;
}

/** Redis keys, one home: the router reads `aliveKey` too. */
export const MIGRATION_KEYS = {
  /** Heartbeat of a process, its value the address the router reaches it at; expires when it stops renewing it. */
  alive: (processId: string) => `tickroom:alive:${processId}`,
  /** Hash of a process's rooms' latest checkpoints: roomId -> snapshot JSON. */
  checkpoints: (processId: string) => `tickroom:checkpoints:${processId}`,
  /** Processes with checkpoints: where survivors look. */
  checkpointed: "tickroom:checkpointed",
  /** Processes draining: no new room is created on them. */
  draining: "tickroom:draining",
  /** One survivor adopts a room: SET NX on this. */
  adopting: (roomId: string) => `tickroom:adopting:${roomId}`,
  /** The IPC channel a process takes moved rooms on. */
  moveChannel: (processId: string) => `tickroom:move:${processId}`,
} as const;

/** How long a peer has to recreate a room and reserve its seats before the move is given up. */
const MOVE_TIMEOUT_MS = 5000;
/** Rooms moved at once during a drain: enough to overlap the IPC round trips, few enough that each freeze stays short. */
const MOVES_IN_FLIGHT = 8;
/** A peer restores a moved room only if its snapshot is younger than this: past it the mover may have given up and gone elsewhere. */
const MOVE_SNAPSHOT_MAX_AGE_MS = MOVE_TIMEOUT_MS - 1000;
/** How often rooms whose seats changed (a join, a reconnection: a new token) are checkpointed again, between full rounds. */
const SEAT_CHECKPOINT_MS = 100;
/** A checkpoint older than this (beyond the detection time) is a match nobody waits for any more: never adopted. */
const STALE_CHECKPOINT_MS = 60_000;

function movableRoom(roomId: string): MovableRoom | undefined {
  const room = matchMaker.getLocalRoomById(roomId) as unknown as Partial<MovableRoom> | undefined;
  return room !== undefined && typeof room.snapshot === "function" ? (room as MovableRoom) : undefined;
}

export class RoomMigration {
  readonly #timers: NodeJS.Timeout[] = [];
  /** Peers draining, as last read from Redis: not chosen to create rooms on, nor to move rooms to. */
  #drainingPeers = new Set<string>();
  #draining = false;
  /** Peers that let a move time out during this drain: not asked again. */
  readonly #unresponsive = new Set<string>();
  /** Rooms whose checkpoint this process wrote last time (to drop those gone since). */
  #checkpointed = new Set<string>();
  #scanning = false;
  #checkpointing = false;
  /** host:port the router reaches this process at: its heartbeat's value. */
  #address = "";
  #checkpointTimer: NodeJS.Timeout | undefined;
  /** When this process's Redis last came back: peers get a detection time to beat again before any is judged dead. */
  #redisUpSince = performance.now();
  /** Each movable room's seats as last checkpointed (`seatsVersion`). */
  readonly #checkpointedSeats = new Map<string, number>();
  /** Until when this process looks for its rooms adopted elsewhere (its heartbeat lapsed). */
  #fenceUntil = 0;
  #beaten = false;

  constructor(
    private readonly redis: Redis,
    private readonly presence: Presence,
    private readonly driver: ResilientRedisDriver,
    private readonly health: RedisHealth,
    private readonly settings: MigrationSettings,
    private readonly count: (roomType: string, outcome: MoveOutcome) => void = () => undefined,
    private readonly checkpointed: (rooms: number, seconds: number, bytes: number) => void = () => undefined,
  ) {
    health.on("up", () => {
      this.#redisUpSince = performance.now();
    });
    // Cut off from Redis longer than the detection time, this process's rooms may have been
    // adopted by a survivor: where one was, the adopted copy is the room, and this one sends
    // its clients there (4010; their seats travelled in the checkpoint).
    driver.onAdoptedElsewhere = (roomIds) => this.#fence(roomIds);
  }

  #fence(roomIds: readonly string[]): void {
    for (const roomId of roomIds) {
      const room = movableRoom(roomId);
      if (room === undefined) continue;
      logger.warn(`[tickroom] room ${roomId} was adopted by another process while this one was cut off from Redis: its clients go there`);
      room.freeze();
      this.count(room.roomName, "fenced");
      this.driver.handOff(roomId);
      void room.moveOut().catch(() => undefined);
    }
  }

  get processId(): string {
    return matchMaker.processId;
  }

  /** Once the process listens at `address` (host:port, for the router): take moved rooms, beat, checkpoint, watch the peers. */
  async start(address: string): Promise<void> {
    this.#address = address;
    await subscribeIPC(this.presence, MIGRATION_KEYS.moveChannel(this.processId), (_method: string, args: unknown[]) =>
      this.#restore(String(args[0]), "moved"),
    );
    await this.#beat();
    const every = (ms: number, task: () => Promise<void>): NodeJS.Timeout => {
      const timer = setInterval(() => void task().catch((error: unknown) => logger.warn(`[tickroom] migration: ${(error as Error).message}`)), ms);
      timer.unref();
      this.#timers.push(timer);
      return timer;
    };
    every(Math.max(100, this.settings.failoverDetectMs / 3), () => this.#beat());
    every(Math.max(100, Math.min(500, this.settings.failoverDetectMs / 3)), () => this.#scan());
    if (this.settings.checkpointMs > 0) {
      this.#checkpointTimer = every(this.settings.checkpointMs, () => this.#checkpoint(false));
      this.#timers.push(this.#checkpointTimer);
      every(SEAT_CHECKPOINT_MS, () => this.#checkpoint(true));
    }
  }

  /** Where matchmaking creates a room: the least loaded process that is not draining (Colyseus's `selectProcessIdToCreateRoom`). */
  readonly selectProcess = async (): Promise<string> => {
    const all = await matchMaker.stats.fetchAll();
    const open = all.filter((process) => !this.#isDraining(process.processId));
    return (open.length > 0 ? open : all).sort((a, b) => a.roomCount - b.roomCount)[0]?.processId ?? this.processId;
  };

  #isDraining(processId: string): boolean {
    return processId === this.processId ? this.#draining : this.#drainingPeers.has(processId);
  }

  /**
   * Move every movable room to a live peer; leave the rest to Colyseus's shutdown. Returns
   * what happened to each room. Called before Colyseus disposes of the rooms (SIGTERM).
   */
  async drain(): Promise<Record<MoveOutcome, number>> {
    const outcomes: Record<MoveOutcome, number> = { moved: 0, drained: 0, failed: 0, adopted: 0, refused: 0, fenced: 0 };
    this.#draining = true;
    await this.redis.sadd(MIGRATION_KEYS.draining, this.processId).catch(() => undefined);
    const peers = await this.#livePeers();
    const seen = new Set<string>();
    // Again until no room is left unseen: one created here (or moved in) while peers had not
    // yet read that this process drains goes too.
    for (let pass = 0; pass < 3; pass++) {
      const queue = this.driver.localRoomIds().filter((roomId) => !seen.has(roomId));
      if (queue.length === 0) break;
      for (const roomId of queue) seen.add(roomId);
      const work = async (): Promise<void> => {
        for (let roomId = queue.shift(); roomId !== undefined; roomId = queue.shift()) {
          const room = movableRoom(roomId);
          const outcome = room === undefined || !room.movable || peers.length === 0 ? "drained" : await this.#moveOne(room, peers);
          outcomes[outcome]++;
          this.count(room?.roomName ?? matchMaker.getLocalRoomById(roomId)?.roomName ?? "unknown", outcome);
        }
      };
      await Promise.all(Array.from({ length: MOVES_IN_FLIGHT }, work));
    }
    // What is left finishes here: nothing for a survivor to adopt should this process die now.
    clearInterval(this.#checkpointTimer);
    await this.redis
      .multi()
      .del(MIGRATION_KEYS.checkpoints(this.processId))
      .srem(MIGRATION_KEYS.checkpointed, this.processId)
      .exec()
      .catch(() => undefined);
    logger.info(
      `[tickroom] drained: ${outcomes.moved} room(s) moved to ${peers.length} peer(s), ${outcomes.failed} failed to move, ${outcomes.drained} left to finish here`,
    );
    return outcomes;
  }

  /** Live peers that take rooms, least loaded first. */
  async #livePeers(): Promise<{ processId: string; roomCount: number }[]> {
    const all = await matchMaker.stats.fetchAll();
    const peers = all.filter((process) => process.processId !== this.processId && !this.#drainingPeers.has(process.processId));
    const alive = await Promise.all(peers.map((peer) => this.redis.exists(MIGRATION_KEYS.alive(peer.processId)).catch(() => 0)));
    return peers.filter((_, i) => alive[i] === 1).sort((a, b) => a.roomCount - b.roomCount);
  }

  /** Freeze, snapshot, recreate on a peer (the least loaded first; the next if it refuses), close the clients with 4010. */
  async #moveOne(room: MovableRoom, peers: { processId: string; roomCount: number }[]): Promise<MoveOutcome> {
    await room.lock().catch(() => undefined);
    room.freeze();
    let snapshot: string;
    try {
      snapshot = JSON.stringify(room.snapshot());
    } catch (error) {
      logger.warn(`[tickroom] ${room.roomName}/${room.roomId} cannot be snapshotted, it finishes here: ${(error as Error).message}`);
      room.thaw();
      return "failed";
    }
    // From here its listing is the new process's to write.
    this.driver.handOff(room.roomId);
    for (const peer of [...peers].sort((a, b) => a.roomCount - b.roomCount)) {
      if (this.#unresponsive.has(peer.processId)) continue;
      try {
        try {
          await requestFromIPC(this.presence, MIGRATION_KEYS.moveChannel(peer.processId), "restore", [snapshot], MOVE_TIMEOUT_MS);
        } catch (error) {
          // A peer that did not answer in time may still have restored it: then it is there.
          if ((error as Error).message !== "ipc_timeout") throw error;
          this.#unresponsive.add(peer.processId);
          const listing = await this.driver.findOne({ roomId: room.roomId }).catch(() => undefined);
          if (listing?.processId !== peer.processId) throw error;
        }
        peer.roomCount++;
        await this.redis.hdel(MIGRATION_KEYS.checkpoints(this.processId), room.roomId).catch(() => undefined);
        this.#checkpointed.delete(room.roomId);
        await room.moveOut();
        // Disposing of this copy told the lobbies the room was gone: it is not, it is elsewhere.
        updateLobby(room as unknown as Room);
        return "moved";
      } catch (error) {
        logger.warn(`[tickroom] ${room.roomName}/${room.roomId} did not move to ${peer.processId}: ${(error as Error).message}`);
      }
    }
    this.driver.takeBack(room.roomId);
    room.thaw();
    return "failed";
  }

  /** Recreate a room here from its snapshot and reserve its seats (a move, or an adoption). */
  async #restore(text: string, outcome: "moved" | "adopted"): Promise<boolean> {
    if (this.#draining) throw new Error("this process is draining");
    let snapshot: RoomSnapshot;
    try {
      snapshot = parseSnapshot(text);
    } catch (error) {
      this.count("unknown", "refused");
      logger.error(`[tickroom] a room snapshot was refused: ${(error as Error).message}`);
      throw error;
    }
    const { roomId, roomType } = snapshot;
    if (outcome === "moved" && Date.now() - snapshot.takenAt > MOVE_SNAPSHOT_MAX_AGE_MS) {
      // Its mover may have given up on this process by now and sent the room elsewhere.
      throw new Error(`the snapshot of ${roomId} is ${Date.now() - snapshot.takenAt} ms old: too late to move it`);
    }
    // Not listed here until its seats are reserved: the router sends a reconnection wherever
    // the listing says, and one arriving before its seat would be refused (4003).
    this.driver.holdBack(roomId);
    try {
      await matchMaker.handleCreateRoom(roomType, { ...snapshot.createOptions, [RESTORE_OPTION]: snapshot }, undefined, roomId);
    } catch (error) {
      this.driver.dropHeld(roomId);
      // Refused for what it is (damaged, another version): counted; for now (this process is
      // full): another process may take it.
      if ((error as { code?: unknown }).code === HttpStatus.UNAVAILABLE) throw error;
      this.count(roomType, "refused");
      logger.error(`[tickroom] room ${roomType}/${roomId} was not restored: ${(error as Error).message}`);
      throw new SnapshotError((error as Error).message);
    }
    const room = movableRoom(roomId);
    try {
      await room?.seatCarried();
      await this.driver.release(roomId);
    } catch (error) {
      // Half a room is no room: this copy goes, unlisted, and the move or adoption fails.
      this.driver.dropHeld(roomId);
      this.driver.handOff(roomId);
      await room?.moveOut().catch(() => undefined);
      throw error;
    }
    if (room !== undefined) {
      updateLobby(room as unknown as Room);
      // Its checkpoint now, not at the next round (until then no process would have one), but
      // off the move's path: the old process closes its clients once this answers.
      if (this.settings.checkpointMs > 0) {
        void this.#checkpointRooms([room]).catch((error: unknown) =>
          logger.warn(`[tickroom] first checkpoint of ${roomId} failed: ${(error as Error).message}`),
        );
      }
    }
    if (outcome === "adopted") this.count(roomType, "adopted");
    return true;
  }

  /**
   * Renew this process's heartbeat. One that had lapsed meanwhile (a stall, a pause, a
   * network cut longer than the detection time, with or without Redis noticing) means a
   * survivor may have adopted this process's rooms: for the next while, look for them.
   */
  async #beat(): Promise<void> {
    if (!this.health.up) return;
    const key = MIGRATION_KEYS.alive(this.processId);
    const renewed = await this.redis.set(key, this.#address, "PX", this.settings.failoverDetectMs, "XX");
    if (renewed === null) {
      await this.redis.set(key, this.#address, "PX", this.settings.failoverDetectMs);
      if (this.#beaten) this.#fenceUntil = performance.now() + 3 * this.settings.failoverDetectMs;
    }
    this.#beaten = true;
    if (performance.now() < this.#fenceUntil) {
      // A room being restored here still shows its old process's listing: not one of these.
      const local = this.driver.localRoomIds().filter((roomId) => !this.driver.isHeld(roomId));
      const listed = await this.driver.findByIds(local);
      this.#fence(local.filter((roomId) => !this.driver.isHeld(roomId) && (listed.get(roomId)?.processId ?? this.processId) !== this.processId));
    }
  }

  /**
   * Write checkpoints: every movable room's on a full round, else only those whose seats
   * changed since their last one (a new reconnection token would not be in it), in one
   * round trip; drop the checkpoints of rooms gone since.
   */
  async #checkpoint(seatsOnly: boolean): Promise<void> {
    if (!this.health.up || this.#checkpointing) return;
    this.#checkpointing = true;
    try {
      const rooms: MovableRoom[] = [];
      const now = new Set<string>();
      for (const roomId of this.driver.localRoomIds()) {
        const room = movableRoom(roomId);
        if (room === undefined || !room.movable) continue;
        now.add(roomId);
        if (!seatsOnly || this.#checkpointedSeats.get(roomId) !== room.seatsVersion) rooms.push(room);
      }
      const gone = [...this.#checkpointed].filter((roomId) => !now.has(roomId));
      for (const roomId of gone) {
        this.#checkpointed.delete(roomId);
        this.#checkpointedSeats.delete(roomId);
      }
      await this.#checkpointRooms(rooms, gone);
    } finally {
      this.#checkpointing = false;
    }
  }

  async #checkpointRooms(rooms: readonly MovableRoom[], gone: readonly string[] = []): Promise<void> {
    const started = performance.now();
    const entries: string[] = [];
    for (const room of rooms) {
      try {
        const seats = room.seatsVersion;
        entries.push(room.roomId, JSON.stringify(room.snapshot()));
        this.#checkpointed.add(room.roomId);
        this.#checkpointedSeats.set(room.roomId, seats);
      } catch (error) {
        logger.warn(`[tickroom] checkpoint of ${room.roomName}/${room.roomId} failed: ${(error as Error).message}`);
      }
    }
    const key = MIGRATION_KEYS.checkpoints(this.processId);
    let bytes = 0;
    for (let i = 1; i < entries.length; i += 2) bytes += entries[i]!.length;
    this.checkpointed(entries.length / 2, (performance.now() - started) / 1000, bytes);
    if (entries.length === 0 && gone.length === 0) return;
    const write = this.redis.multi();
    if (entries.length > 0) write.hset(key, ...entries).sadd(MIGRATION_KEYS.checkpointed, this.processId);
    if (gone.length > 0) write.hdel(key, ...gone);
    await write.exec();
  }

  /** Read which peers drain, and adopt the rooms of any whose heartbeat lapsed. */
  async #scan(): Promise<void> {
    if (!this.health.up || this.#scanning) return;
    this.#scanning = true;
    try {
      const draining = await this.redis.smembers(MIGRATION_KEYS.draining);
      this.#drainingPeers = new Set(draining);
      // Not while this process may have missed peers' heartbeats (Redis was away): each gets a detection time to beat again.
      if (this.#draining || performance.now() - this.#redisUpSince < this.settings.failoverDetectMs) return;
      // A drained process that has exited: forget it.
      for (const processId of draining) {
        if ((await this.redis.exists(MIGRATION_KEYS.alive(processId))) === 0) await this.redis.srem(MIGRATION_KEYS.draining, processId);
      }
      for (const processId of await this.redis.smembers(MIGRATION_KEYS.checkpointed)) {
        if (processId === this.processId || (await this.redis.exists(MIGRATION_KEYS.alive(processId))) === 1) continue;
        await this.#adoptFrom(processId);
      }
    } finally {
      this.#scanning = false;
    }
  }

  /**
   * A dead process's rooms: each taken by whichever survivor wins its lock, and only if no
   * live process hosts it already (it moved before its old process died).
   */
  async #adoptFrom(deadProcessId: string): Promise<void> {
    const key = MIGRATION_KEYS.checkpoints(deadProcessId);
    const checkpoints = await this.redis.hgetall(key);
    for (const [roomId, text] of Object.entries(checkpoints)) {
      const lock = MIGRATION_KEYS.adopting(roomId);
      const won = await this.redis.set(lock, this.processId, "PX", 30_000, "NX");
      if (won !== "OK") continue;
      const listing = await this.driver.findOne({ roomId });
      const hostedElsewhere =
        listing !== undefined && listing.processId !== deadProcessId && (await this.redis.exists(MIGRATION_KEYS.alive(listing.processId))) === 1;
      let done = true;
      if (!hostedElsewhere && matchMaker.getLocalRoomById(roomId) === undefined && !this.#stale(text)) {
        const took = performance.now();
        await this.#restore(text, "adopted").then(
          () => logger.info(`[tickroom] adopted room ${roomId} of dead process ${deadProcessId} in ${Math.round(performance.now() - took)} ms`),
          (error: unknown) => {
            // Refused for what it is: gone. Not taken for now (this process is full, draining): another survivor may.
            done = error instanceof SnapshotError;
          },
        );
      }
      if (done) await this.redis.hdel(key, roomId);
      await this.redis.del(lock);
    }
    if ((await this.redis.hlen(key)) === 0) await this.redis.srem(MIGRATION_KEYS.checkpointed, deadProcessId);
  }

  /** A checkpoint so old that nobody waits for its match any more (a whole cluster that went down and came back on a Redis that kept it): dropped, never adopted. */
  #stale(text: string): boolean {
    let takenAt: unknown;
    try {
      takenAt = (JSON.parse(text) as { takenAt?: unknown }).takenAt;
    } catch {
      return false; // the restore refuses it, and says why
    }
    const stale = typeof takenAt === "number" && Date.now() - takenAt > STALE_CHECKPOINT_MS + this.settings.failoverDetectMs;
    if (stale) logger.warn(`[tickroom] a checkpoint ${Math.round((Date.now() - (takenAt as number)) / 1000)} s old was dropped, not adopted`);
    return stale;
  }

  /** Stop every timer (the heartbeat lapses on its own). */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }
}
