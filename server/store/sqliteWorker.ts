/**
 * The embedded store's database thread: one `node:sqlite` connection, so its synchronous
 * calls never hold up a room's tick on the main thread. It runs the statements the main
 * thread's Kysely driver sends (server/store/embeddedDialect.ts), one at a time, in order.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

/** What the main thread sends: one statement and its parameters. */
export type WorkerRequest =
  | { readonly id: number; readonly sql: string; readonly parameters: readonly SQLInputValue[] }
  /** Close the database (checkpointing the WAL) and let the thread end. */
  | { readonly id: number; readonly close: true };

/** What comes back: the rows (for a statement that returns any) and the change counts, or the error. */
export type WorkerResponse =
  | { readonly id: number; readonly rows: unknown[]; readonly changes?: number; readonly lastInsertRowid?: number }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: string } };

interface Options {
  readonly path: string;
}

const port = parentPort;
if (port === null) throw new Error("sqliteWorker.ts runs as a worker thread");
const { path } = workerData as Options;
const database = new DatabaseSync(path);
// WAL: readers never wait for the writer; NORMAL is durable across a process crash (an OS
// crash may lose the last transactions, not corrupt the file). The busy timeout covers a
// second process opening the same file (two servers on one data folder).
database.exec("pragma journal_mode = wal; pragma synchronous = normal; pragma busy_timeout = 5000; pragma foreign_keys = on;");

/** SQLite's primary result codes the store tells apart (https://sqlite.org/rescode.html). */
const RESULT_CODES: Readonly<Record<number, string>> = {
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  13: "SQLITE_FULL",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
};

/** `SQLITE_CONSTRAINT` for an extended code such as 1555 (a primary key): the low byte is the primary code. */
function resultCodeName(errcode: number): string {
  const primary = errcode & 0xff;
  return RESULT_CODES[primary] ?? `SQLITE_${primary}`;
}

/** Prepared once per distinct SQL text: the store's queries are a fixed set. */
const statements = new Map<string, StatementSync>();

port.on("message", (request: WorkerRequest) => {
  if ("close" in request) {
    database.close();
    port.postMessage({ id: request.id, rows: [] } satisfies WorkerResponse);
    port.close();
    return;
  }
  try {
    let statement = statements.get(request.sql);
    if (statement === undefined) {
      statement = database.prepare(request.sql);
      statements.set(request.sql, statement);
    }
    const response: WorkerResponse =
      statement.columns().length > 0
        ? { id: request.id, rows: statement.all(...request.parameters) }
        : (() => {
            const { changes, lastInsertRowid } = statement.run(...request.parameters);
            return { id: request.id, rows: [], changes: Number(changes), lastInsertRowid: Number(lastInsertRowid) };
          })();
    port.postMessage(response);
  } catch (error) {
    const failure = error as { message?: string; errcode?: number };
    const code = typeof failure.errcode === "number" ? resultCodeName(failure.errcode) : undefined;
    port.postMessage({ id: request.id, error: { message: failure.message ?? String(error), ...(code !== undefined ? { code } : {}) } });
  }
});
