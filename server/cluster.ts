import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { loadConfig } from "./config.ts";
import { MIGRATION_KEYS } from "./migration.ts";
import { createRouter } from "./router.ts";

/**
 * `npm run start:cluster`: a router on PORT in front of CLUSTER_PROCESSES tickroom processes
 * on PORT+1, PORT+2, ..., sharing Redis (REDIS_URL, default redis://127.0.0.1:6379). Every
 * process announces the router as its public address, so players only ever see one, and the
 * router sends each room's WebSocket to whichever process hosts the room now
 * (docs/deploying.md).
 *
 * - SIGHUP: rolling restart. For each process in turn a fresh one (running the code now on
 *   disk) is started and must be up first; then the old one is drained (its rooms move to the
 *   others, the fresh one among them) and exits. Capacity never drops, the fresh process's
 *   start-up is not paid during anyone's freeze, and a deploy of new code keeps every match.
 *   Processes take ports from PORT+1 to PORT+2*CLUSTER_PROCESSES; the router finds each by
 *   its heartbeat, whatever its port.
 * - A process that dies on its own is replaced; meanwhile the survivors adopt its rooms from
 *   their checkpoints.
 * - SIGTERM or SIGINT drains every process; the launcher exits once all have exited (0 if
 *   all did).
 */
const config = loadConfig();
const redisUrl = config.cluster?.redisUrl ?? "redis://127.0.0.1:6379";
const entry = fileURLToPath(new URL("./index.ts", import.meta.url));
const routerPort = config.port === 0 ? 2567 : config.port;
const publicAddress = `${config.launcher.publicHost}:${routerPort}`;
/** Behind the router every request comes from it: the per-address limits are the router's. */
const behindTheRouter = { HTTP_RATE_PER_SECOND: "1000000", HTTP_RATE_BURST: "1000000", HTTP_MAX_CONNECTIONS_PER_ADDRESS: "1000000" };

interface Member {
  readonly port: number;
  child: ChildProcess;
  /** Takes HTTP: listening and not draining. */
  up: boolean;
  /** Being stopped on purpose (a restart or the launcher's own stop): its exit is no crash. */
  leaving: boolean;
  /** Its Colyseus process id, once it printed it. */
  processId?: string;
}

let stopping = false;
let restarting = false;

function launch(port: number): Member {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: {
      ...process.env,
      ...behindTheRouter,
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: redisUrl,
      PUBLIC_ADDRESS: publicAddress,
      INTERNAL_ADDRESS: `127.0.0.1:${port}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const member: Member = { port, child, up: false, leaving: false };
  console.log(`tickroom cluster: process on port ${port} is pid ${child.pid}`);
  const label = `[${port}] `;
  const prefix = (chunk: Buffer): string => chunk.toString().replace(/^(?=.)/gm, label);
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    // Printed once its heartbeat is in Redis: the router can reach it.
    const announced = /tickroom: process (\S+) on Redis/.exec(text);
    if (announced !== null) {
      member.processId = announced[1];
      member.up = !member.leaving;
    }
    process.stdout.write(prefix(chunk));
  });
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.once("exit", (code, signal) => {
    member.up = false;
    released.set(port, performance.now());
    if (stopping || member.leaving) return;
    // Dead for sure: no need to wait for its heartbeat to lapse. The router stops sending
    // reconnections to its address (a new process there would refuse them) and a survivor
    // adopts its rooms at its next scan.
    if (member.processId !== undefined) void redis.del(MIGRATION_KEYS.alive(member.processId)).catch(() => undefined);
    const inSlot = members.includes(member);
    console.error(
      `tickroom cluster: process on port ${port} exited (${signal ?? code}); its rooms are adopted by the others${inSlot ? ", and a new one starts" : ""}`,
    );
    replace(member);
  });
  return member;
}

/** A member that died on its own, replaced in its slot; nothing if it had already left its slot. */
function replace(member: Member): void {
  const slot = members.indexOf(member);
  if (slot !== -1) members[slot] = launch(freePort());
}

/** When each port was last given up: a port just left is taken last (its old heartbeat may still name it). */
const released = new Map<number, number>();

/** Processes started by a rolling restart that have no slot yet (stopped with the rest on SIGTERM). */
const starting = new Set<Member>();

/** The port of the launcher's range no process holds that was given up longest ago (or never held). */
function freePort(): number {
  const taken = new Set([...members, ...starting, ...leaving].map((member) => member.port));
  let best: number | undefined;
  for (let port = routerPort + 1; port <= routerPort + 2 * config.launcher.processes; port++) {
    if (!taken.has(port) && (best === undefined || (released.get(port) ?? 0) < (released.get(best) ?? 0))) best = port;
  }
  if (best === undefined) throw new Error("no free port in the launcher's range");
  return best;
}

/** A process not up within this long is not coming: the restart stops rather than wait for ever. */
const START_TIMEOUT_MS = 120_000;

/** Resolves once the member takes traffic (its heartbeat is in Redis), rejects if it exits first or takes too long. */
async function ready(member: Member): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (!member.up) {
    if (member.child.exitCode !== null || member.child.signalCode !== null) throw new Error(`the process on port ${member.port} exited while starting`);
    if (performance.now() > deadline) throw new Error(`the process on port ${member.port} was not up within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Drain one member (SIGTERM: its rooms move to the others) and wait for it to exit. */
async function drain(member: Member): Promise<number | null> {
  member.leaving = true;
  member.up = false;
  if (member.child.exitCode !== null || member.child.signalCode !== null) return member.child.exitCode;
  leaving.add(member);
  const exited = once(member.child, "exit") as Promise<[number | null]>;
  member.child.kill("SIGTERM");
  const [code] = await exited;
  leaving.delete(member);
  return code;
}

/** Processes draining: their ports are still held. */
const leaving = new Set<Member>();

const members: Member[] = Array.from({ length: config.launcher.processes }, (_, index) => launch(routerPort + 1 + index));
const redis = new Redis(redisUrl, { retryStrategy: (times) => Math.min(times * 100, 1000) });
redis.on("error", () => undefined);
const router = createRouter({
  redis,
  backends: () => members.filter((member) => member.up).map((member) => `127.0.0.1:${member.port}`),
  limits: config.http,
});
router.listen(routerPort, config.host, () => {
  console.log(
    `tickroom cluster: router listening on http://${config.launcher.publicHost}:${routerPort} in front of ${members.length} processes (ports ${routerPort + 1}-${routerPort + 2 * members.length}), Redis ${redisUrl}`,
  );
});

/** SIGHUP: each process in turn drained into the others and replaced, the next only once its replacement is up. */
async function rollingRestart(): Promise<void> {
  if (restarting || stopping) return;
  restarting = true;
  console.log("tickroom cluster: rolling restart");
  try {
    for (let slot = 0; slot < members.length; slot++) {
      // Whoever holds each slot now (a process that died meanwhile was replaced in place).
      await Promise.all(members.map(ready));
      const old = members[slot]!;
      const fresh = launch(freePort());
      starting.add(fresh);
      try {
        await ready(fresh);
      } finally {
        starting.delete(fresh);
      }
      members[slot] = fresh;
      const code = await drain(old);
      console.log(`tickroom cluster: process on port ${old.port} drained into the others (exit ${code}); its successor is on port ${fresh.port}`);
    }
    console.log("tickroom cluster: rolling restart done");
  } catch (error) {
    console.error(`tickroom cluster: rolling restart stopped: ${(error as Error).message}`);
  } finally {
    restarting = false;
  }
}

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`tickroom cluster: ${signal}, draining every process`);
  const codes = await Promise.all([...members, ...starting].map(drain));
  router.close();
  redis.disconnect();
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
}
process.on("SIGHUP", () => void rollingRestart());
process.once("SIGTERM", () => void stop("SIGTERM"));
process.once("SIGINT", () => void stop("SIGINT"));
