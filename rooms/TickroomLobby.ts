import { type AuthContext, type IRoomCache, LobbyRoom, logger, matchMaker } from "@colyseus/core";
import { z } from "zod";
import { normalizeJoinOptions } from "./base/TickroomRoom.ts";

/** A lobby filter: a room type and/or exact values of listing metadata (mode, region, status...). */
const lobbyFilter = z.object({
  name: z.string().max(32).optional(),
  metadata: z.record(z.string().max(32), z.union([z.string().max(64), z.number(), z.boolean()])).optional(),
});
type LobbyFilter = z.output<typeof lobbyFilter>;

/**
 * Colyseus's LobbyRoom (live room list: "rooms", then "+" and "-"; send "filter" to
 * change what you see), with filters validated, and tolerant of rooms without metadata
 * (the stock filter throws on them and stops updating every client after that one).
 */
/** How often a lobby re-reads the listings to drop rooms that vanished unannounced. */
const RECONCILE_MS = 2000;

export class TickroomLobby extends LobbyRoom {
  #reconciling = false;
  /**
   * Rooms normally announce their own disposal, but a process that crashes cannot: its
   * peers delete its listings (server/app.config.ts sweeps dead processes) without telling
   * lobbies, which would go on showing them. Every RECONCILE_MS the lobby re-reads the
   * listings and sends "-" for every room that is gone.
   */
  // colyseus-internal: dead-process-sweep
  override async onCreate(options: unknown): Promise<void> {
    await super.onCreate(options);
    this.clock.setInterval(() => {
      // One re-read at a time, and never an unhandled rejection: without Redis it hangs or fails.
      if (this.#reconciling) return;
      this.#reconciling = true;
      this.#dropVanishedRooms()
        .catch((error: unknown) => logger.warn(`[tickroom] lobby ${this.roomId} could not re-read the listings: ${(error as Error).message}`))
        .finally(() => {
          this.#reconciling = false;
        });
    }, RECONCILE_MS);
  }

  // colyseus-internal: lobby-room-internals
  async #dropVanishedRooms(): Promise<void> {
    // Only entries already listed before the query: one added or updated meanwhile is newer than it.
    const listedBefore = new Set(this.rooms);
    const live = new Set((await matchMaker.query({ private: false, unlisted: false })).map((room) => room.roomId));
    for (const room of this.rooms.filter((listed) => listedBefore.has(listed) && !live.has(listed.roomId))) {
      this.rooms.splice(this.rooms.indexOf(room), 1);
      for (const client of this.clients) {
        const options = this.clientOptions[client.sessionId];
        if (options !== undefined && this.filterItemForClient(room, options.filter)) client.send("-", room.roomId);
      }
    }
  }

  // colyseus-internal: auth-options-identity
  static override async onAuth(_token: string, options: unknown, _context: AuthContext): Promise<true> {
    normalizeJoinOptions(z.object({ filter: lobbyFilter.optional() }), options);
    return true;
  }

  /** A bug in a lobby handler is reported; the lobby and the process live on. */
  // colyseus-internal: uncaught-exception-wrapping
  override onUncaughtException(error: Error, method: string): void {
    logger.error(`[tickroom] uncaught exception room=lobby/${this.roomId} method=${method}:`, error.cause ?? error);
  }

  /**
   * Also runs for filters sent with the stock "filter" message, which Colyseus does not
   * validate: anything that is not a valid filter matches no room.
   */
  // colyseus-internal: lobby-room-internals
  protected override filterItemForClient(room: IRoomCache, raw?: unknown): boolean {
    if (raw === undefined) return true;
    const parsed = lobbyFilter.safeParse(raw);
    if (!parsed.success) return false;
    const filter: LobbyFilter = parsed.data;
    if (filter.name !== undefined && filter.name !== room.name) return false;
    const metadata = (room.metadata ?? {}) as Record<string, unknown>;
    for (const [field, value] of Object.entries(filter.metadata ?? {})) {
      if (!Object.hasOwn(metadata, field) || metadata[field] !== value) return false;
    }
    return true;
  }
}
