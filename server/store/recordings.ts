import { BackgroundRecordings, type StoredRecording, unpackRecording } from "../../rooms/base/recordings.ts";
import type { Store } from "./store.ts";

/**
 * Recordings in the store (embedded or PostgreSQL): one row per match, the compressed
 * container in it. Written after the match, off the tick; a failed write is counted and
 * logged by the room that saved it (the match is long over). Recordings older than the retention are deleted as new
 * ones arrive, and refused as expired meanwhile.
 */
export class StoreRecordings extends BackgroundRecordings {
  constructor(
    private readonly store: Store,
    private readonly retentionMs: number,
  ) {
    super();
  }

  protected async write({ header, data }: StoredRecording): Promise<void> {
    const now = Date.now();
    const row = {
      match_id: header.matchId,
      game: header.roomType,
      room_id: header.roomId,
      started_at: header.startedAt,
      duration_ms: Math.round(header.durationMs),
      size_bytes: data.byteLength,
      saved_at: now,
      data,
    };
    await this.store.db
      .insertInto("recordings")
      .values(row)
      .onConflict((conflict) => conflict.column("match_id").doUpdateSet({ data, size_bytes: row.size_bytes, duration_ms: row.duration_ms, saved_at: now }))
      .execute();
    await this.store.db
      .deleteFrom("recordings")
      .where("saved_at", "<", now - this.retentionMs)
      .execute();
  }

  async load(matchId: string): Promise<Uint8Array | undefined> {
    const row = await this.store.db
      .selectFrom("recordings")
      .select(["data"])
      .where("match_id", "=", matchId)
      .where("saved_at", ">=", Date.now() - this.retentionMs)
      .executeTakeFirst();
    return row === undefined ? undefined : unpackRecording(row.data);
  }
}
