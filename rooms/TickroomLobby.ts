import { LobbyRoom, logger, type AuthContext, type IRoomCache } from "@colyseus/core";
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
export class TickroomLobby extends LobbyRoom {
  static override async onAuth(_token: string, options: unknown, _context: AuthContext): Promise<true> {
    normalizeJoinOptions(z.object({ filter: lobbyFilter.optional() }), options);
    return true;
  }

  /** A bug in a lobby handler is reported; the lobby and the process live on. */
  override onUncaughtException(error: Error, method: string): void {
    logger.error(`[tickroom] uncaught exception room=lobby/${this.roomId} method=${method}:`, error.cause ?? error);
  }

  /**
   * Also runs for filters sent with the stock "filter" message, which Colyseus does not
   * validate: anything that is not a valid filter matches no room.
   */
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
