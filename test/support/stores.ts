import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store, type StoreSettings } from "../../server/store/store.ts";

/**
 * The machine's PostgreSQL (trust auth): .ci/run makes sure it answers. Each test gets a
 * database of its own, created here and dropped after, so runs never see each other's rows.
 */
export const POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test";

export interface OpenedStore {
  readonly store: Store;
  /** Settings that open the same data again (a restart, a second process). */
  readonly settings: StoreSettings;
  /** Close the store and delete its data. */
  dispose(): Promise<void>;
}

/** A fresh, empty embedded store in a temporary folder. */
export async function freshEmbeddedStore(): Promise<OpenedStore> {
  const dataDir = await mkdtemp(join(tmpdir(), "tickroom-store-"));
  return opened({ kind: "embedded", dataDir }, () => rm(dataDir, { recursive: true, force: true }));
}

/** A fresh, empty database on the machine's PostgreSQL, and a data folder for the outbox. */
export async function freshPostgresStore(): Promise<OpenedStore> {
  const name = `tickroom_test_${randomBytes(6).toString("hex")}`;
  await admin(`create database ${name}`);
  const dataDir = await mkdtemp(join(tmpdir(), "tickroom-store-"));
  return opened({ kind: "postgres", url: POSTGRES_ADMIN_URL.replace(/\/test$/, `/${name}`), dataDir }, async () => {
    await admin(`drop database if exists ${name} with (force)`);
    await rm(dataDir, { recursive: true, force: true });
  });
}

async function opened(settings: StoreSettings, removeData: () => Promise<void>): Promise<OpenedStore> {
  const store = (await openStore(settings))!;
  return {
    store,
    settings,
    dispose: async () => {
      await store.close();
      await removeData();
    },
  };
}

/** Both engines, for tests that must hold on each: `for (const engine of STORE_ENGINES) describe(...)`. */
export const STORE_ENGINES = [
  { name: "embedded", open: freshEmbeddedStore },
  { name: "postgres", open: freshPostgresStore },
] as const;

/** One statement as the admin (database names cannot be query parameters; ours are generated hex). */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
