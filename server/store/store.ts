import { mkdirSync } from "node:fs";
import path from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { EmbeddedDialect } from "./embeddedDialect.ts";
import { migrate } from "./migrations.ts";
import type { Database } from "./schema.ts";

/** Where the store keeps its data: a folder of this process's (embedded), or a PostgreSQL server. */
export type StoreSettings =
  | { readonly kind: "embedded"; readonly dataDir: string }
  | { readonly kind: "postgres"; readonly url: string; readonly dataDir: string }
  | { readonly kind: "off" };

/**
 * The store seam: accounts, ratings, matches. Two implementations share one set of queries
 * (Kysely, typed; migrations in migrations.ts): the embedded default, SQLite (`node:sqlite`,
 * built into Node 22) on its own thread under the data folder, needing no service; and
 * PostgreSQL (`DATABASE_URL`), shared by every process of a cluster. Rooms never see it:
 * results reach it through the outbox (server/store/outbox.ts).
 */
export interface Store {
  readonly kind: "embedded" | "postgres";
  readonly db: Kysely<Database>;
  /** Whether `SELECT ... FOR UPDATE` means something (PostgreSQL; SQLite's one writer needs no row locks). */
  readonly rowLocks: boolean;
  close(): Promise<void>;
}

/** The embedded database's file in the data folder. */
const EMBEDDED_FILE = "tickroom.sqlite";

/** pg hands `bigint` columns back as strings (they may exceed 2^53); ours are epoch milliseconds and counts. */
const BIGINT_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === BIGINT_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Open the store and bring its schema up to date; undefined when the settings turn it off. */
export async function openStore(settings: StoreSettings): Promise<Store | undefined> {
  if (settings.kind === "off") return undefined;
  if (settings.kind === "embedded") {
    mkdirSync(settings.dataDir, { recursive: true });
    const db = new Kysely<Database>({ dialect: new EmbeddedDialect(path.join(settings.dataDir, EMBEDDED_FILE)) });
    return ready({ kind: "embedded", db, rowLocks: false, close: () => db.destroy() });
  }
  const pool = new pg.Pool({
    connectionString: settings.url,
    types: pgTypes,
    max: 10,
    // A database that does not answer fails the call in seconds; the outbox keeps the result.
    connectionTimeoutMillis: 3000,
    query_timeout: 10_000,
  });
  // An idle client losing its server (a restart) must not crash the process: the next query reconnects.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return ready({ kind: "postgres", db, rowLocks: true, close: () => db.destroy() });
}

async function ready(store: Store): Promise<Store> {
  try {
    await migrate(store.db as Kysely<unknown>);
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
