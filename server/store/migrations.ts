import type { Kysely } from "kysely";
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";

/**
 * The store's schema, as versioned migrations written through Kysely's schema builder (one
 * text for SQLite and PostgreSQL). Applied in order at start and recorded in the
 * `store_migrations` table; a released migration is never edited: a change is a new one.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001_players_matches_ratings": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("accounts")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("username_key", "text", (column) => column.unique())
        .addColumn("username", "text")
        .addColumn("password_hash", "text")
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("deleted_at", "bigint")
        .execute();
      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("account_id", "text", (column) => column.notNull().references("accounts.id"))
        .addColumn("refresh_hash", "text", (column) => column.notNull().unique())
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("expires_at", "bigint", (column) => column.notNull())
        .addColumn("revoked_at", "bigint")
        .execute();
      await db.schema.createIndex("sessions_by_account").on("sessions").column("account_id").execute();
      await db.schema
        .createTable("ratings")
        .addColumn("account_id", "text", (column) => column.notNull().references("accounts.id"))
        .addColumn("game", "text", (column) => column.notNull())
        .addColumn("mu", "double precision", (column) => column.notNull())
        .addColumn("sigma", "double precision", (column) => column.notNull())
        .addColumn("ordinal", "double precision", (column) => column.notNull())
        .addColumn("played", "integer", (column) => column.notNull())
        .addColumn("wins", "integer", (column) => column.notNull())
        .addColumn("losses", "integer", (column) => column.notNull())
        .addColumn("draws", "integer", (column) => column.notNull())
        .addColumn("updated_at", "bigint", (column) => column.notNull())
        .addPrimaryKeyConstraint("ratings_pk", ["account_id", "game"])
        .execute();
      // Leaderboards: one game, best first; ties broken by account id so pages never overlap.
      await db.schema.createIndex("ratings_leaderboard").on("ratings").columns(["game", "ordinal desc", "account_id"]).execute();
      await db.schema
        .createTable("matches")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("game", "text", (column) => column.notNull())
        .addColumn("started_at", "bigint", (column) => column.notNull())
        .addColumn("ended_at", "bigint", (column) => column.notNull())
        .addColumn("duration_ms", "integer", (column) => column.notNull())
        .addColumn("ranked", "integer", (column) => column.notNull())
        .addColumn("outcome", "text", (column) => column.notNull())
        .addColumn("replay_id", "text")
        .addColumn("recorded_at", "bigint", (column) => column.notNull())
        .execute();
      await db.schema
        .createTable("match_players")
        .addColumn("match_id", "text", (column) => column.notNull().references("matches.id"))
        .addColumn("player_id", "text", (column) => column.notNull())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("team", "integer", (column) => column.notNull())
        .addColumn("place", "integer", (column) => column.notNull())
        .addColumn("result", "text", (column) => column.notNull())
        .addColumn("forfeited", "integer", (column) => column.notNull())
        .addColumn("mu_before", "double precision")
        .addColumn("sigma_before", "double precision")
        .addColumn("mu_after", "double precision")
        .addColumn("sigma_after", "double precision")
        .addPrimaryKeyConstraint("match_players_pk", ["match_id", "player_id"])
        .execute();
      // A player's history, newest first (the match's end time is joined in).
      await db.schema.createIndex("match_players_by_player").on("match_players").columns(["player_id", "match_id"]).execute();
      await db.schema.createIndex("matches_by_end").on("matches").columns(["ended_at", "id"]).execute();
    },
  },
  "0002_retired_refresh_credentials": {
    async up(db: Kysely<unknown>): Promise<void> {
      // A session's refresh credentials already rotated away (their SHA-256): one presented
      // again is a stolen copy or a stolen original, and revokes the session (server/accounts).
      await db.schema
        .createTable("retired_refresh")
        .addColumn("refresh_hash", "text", (column) => column.primaryKey())
        .addColumn("session_id", "text", (column) => column.notNull().references("sessions.id").onDelete("cascade"))
        .addColumn("retired_at", "bigint", (column) => column.notNull())
        .execute();
      await db.schema.createIndex("retired_refresh_by_session").on("retired_refresh").columns(["session_id", "retired_at"]).execute();
    },
  },
  "0003_recordings": {
    async up(db: Kysely<unknown>): Promise<void> {
      // One match's recording (rooms/base/recording.ts), gzip-compressed: a replay reads it whole.
      // "bytea" is PostgreSQL's binary type; SQLite stores the bytes as a BLOB under any type name.
      await db.schema
        .createTable("recordings")
        .addColumn("match_id", "text", (column) => column.primaryKey())
        .addColumn("game", "text", (column) => column.notNull())
        .addColumn("room_id", "text", (column) => column.notNull())
        .addColumn("started_at", "bigint", (column) => column.notNull())
        .addColumn("duration_ms", "integer", (column) => column.notNull())
        .addColumn("size_bytes", "integer", (column) => column.notNull())
        .addColumn("saved_at", "bigint", (column) => column.notNull())
        .addColumn("data", "bytea", (column) => column.notNull())
        .execute();
      // Expiry deletes by age.
      await db.schema.createIndex("recordings_by_saved").on("recordings").column("saved_at").execute();
    },
  },
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS };
  }
}

/** Apply every migration not yet applied; throws with the failing one's name. */
export async function migrate(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrations(),
    migrationTableName: "store_migrations",
    migrationLockTableName: "store_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName ?? "?";
    throw new Error(`store migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
