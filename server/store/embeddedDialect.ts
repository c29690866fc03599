import { Worker } from "node:worker_threads";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import type { WorkerRequest, WorkerResponse } from "./sqliteWorker.ts";

/** A statement the database refused: its message and SQLite's error code (`SQLITE_CONSTRAINT_UNIQUE`...). */
class EmbeddedDatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "EmbeddedDatabaseError";
  }
}

type Pending = { resolve(response: WorkerResponse & { rows: unknown[] }): void; reject(error: Error): void };

/** The main thread's end of the database thread: statements go out in order, answers come back by id. */
class WorkerConnection implements DatabaseConnection {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #failure: Error | undefined;

  constructor(path: string) {
    // node:sqlite is "experimental" in Node 22 and says so on stderr at every start; the store
    // pins the Node version it runs on (package.json), so the warning tells an operator nothing.
    this.#worker = new Worker(new URL("./sqliteWorker.ts", import.meta.url), {
      workerData: { path },
      execArgv: [...process.execArgv, "--disable-warning=ExperimentalWarning"],
    });
    this.#worker.on("message", (response: WorkerResponse) => {
      const pending = this.#pending.get(response.id);
      if (pending === undefined) return;
      this.#pending.delete(response.id);
      if ("error" in response) pending.reject(new EmbeddedDatabaseError(response.error.message, response.error.code));
      else pending.resolve(response);
    });
    this.#worker.on("error", (error) => this.#fail(error));
    this.#worker.on("exit", (code) => this.#fail(new Error(`the embedded database thread exited (${code})`)));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #send(request: WorkerRequest): Promise<WorkerResponse & { rows: unknown[] }> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const response = await this.#send({ id: this.#next++, sql: compiled.sql, parameters: compiled.parameters as WorkerRequestParameters });
    const changes = "changes" in response ? response.changes : undefined;
    const insertId = "lastInsertRowid" in response ? response.lastInsertRowid : undefined;
    return {
      rows: response.rows as R[],
      ...(changes !== undefined ? { numAffectedRows: BigInt(changes) } : {}),
      ...(insertId !== undefined ? { insertId: BigInt(insertId) } : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: the store never streams; Kysely's interface asks for the method
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the embedded store does not stream query results");
  }

  async close(): Promise<void> {
    if (this.#failure !== undefined) return;
    await this.#send({ id: this.#next++, close: true });
    await this.#worker.terminate();
  }
}

type WorkerRequestParameters = Extract<WorkerRequest, { sql: string }>["parameters"];

/** One connection (SQLite has one writer), behind Kysely's mutex (the adapter says so). */
class EmbeddedDriver implements Driver {
  #connection: WorkerConnection | undefined;

  constructor(private readonly path: string) {}

  async init(): Promise<void> {
    this.#connection = new WorkerConnection(this.path);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#connection === undefined) throw new Error("the embedded store is not open");
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // Immediate: the write lock is taken at the start, so a transaction that reads then
    // writes never fails half-way because another writer (another process) got there first.
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.#connection?.close();
    this.#connection = undefined;
  }
}

/**
 * SQLite runs schema changes inside transactions; saying so makes Kysely's migrator run
 * each start's migrations in one (`begin immediate`: the write lock): two processes opening
 * one fresh data folder at once migrate one after the other, and a crash mid-migration
 * leaves the schema as it was.
 */
class EmbeddedAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely over `node:sqlite` on its own thread: SQLite's SQL (Kysely's SQLite compiler and
 * adapter), with every statement run off the event loop.
 */
export class EmbeddedDialect implements Dialect {
  constructor(private readonly path: string) {}

  createAdapter(): DialectAdapter {
    return new EmbeddedAdapter();
  }

  createDriver(): Driver {
    return new EmbeddedDriver(this.path);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
}
