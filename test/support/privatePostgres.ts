import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../tools/serverProcess.ts";

const run = promisify(execFile);

/**
 * A PostgreSQL server of a test's own, on a free port, that the test may stop and start
 * again (the machine's shared one must stay up for every other test). Its binaries come
 * from the machine's PostgreSQL package; it runs as the `postgres` user (PostgreSQL
 * refuses to run as root), trust auth, database `postgres`.
 */
export interface PrivatePostgres {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and delete its data. */
  destroy(): Promise<void>;
}

async function binaries(): Promise<string> {
  const versions = await readdir("/usr/lib/postgresql");
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error("no PostgreSQL under /usr/lib/postgresql");
  return `/usr/lib/postgresql/${newest}/bin`;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await binaries();
  const dir = await mkdtemp(join(tmpdir(), "tickroom-pg-"));
  const data = join(dir, "data");
  const { uid, gid } = await ids();
  await chown(dir, uid, gid);
  await chmod(dir, 0o700);
  const asPostgres = (command: string, args: string[]) => run("runuser", ["-u", "postgres", "--", join(bin, command), ...args], { cwd: dir });
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await asPostgres("pg_ctl", ["-D", data, "-o", options, "-w", "-l", join(dir, "log"), "start"]);
  };
  const stop = async () => {
    await asPostgres("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function ids(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
