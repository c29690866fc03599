import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** One line the launcher printed (its children's lines prefixed `[<port>] `), stamped on arrival (epoch ms: servers stamp with the same clock). */
export interface ClusterLine {
  readonly at: number;
  readonly text: string;
}

/** A tickroom process behind the router, as the launcher announced it. */
export interface ClusterMember {
  readonly port: number;
  readonly pid: number;
  /** Its Colyseus process id, once it printed it (its heartbeat is in Redis: it takes traffic). */
  processId: string | undefined;
}

/** Whether `pid` still runs the server entry with this cluster's environment (not a process that took over a freed pid). */
function isOurs(pid: number, environment: string): boolean {
  try {
    return (
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("server/index.ts") && readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(environment)
    );
  } catch {
    return false;
  }
}

/** `count` ports in a row free right now (the router's and its processes'), from a random start. */
async function freePortRun(count: number): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20_000 + Math.floor(Math.random() * 20_000);
    let all = true;
    for (let port = start; port < start + count && all; port++) all = await free(port);
    if (all) return start;
  }
  throw new Error(`no ${count} free ports in a row`);
}

/**
 * `npm run start:cluster` (server/cluster.ts) in its own process: the router on `port`, its
 * processes on the ports after it. What it prints is kept line by line with its arrival
 * time; the members (port, pid, process id) are read from it as they change.
 */
export class ClusterProcess {
  readonly lines: ClusterLine[] = [];
  /** The member on each port now (a restarted or replaced process takes its port over). */
  readonly members = new Map<number, ClusterMember>();
  /** Every pid the launcher ever announced: what the bench may have to kill should the launcher fail. */
  readonly #pids = new Set<number>();
  #listening = false;
  readonly #waiters = new Set<() => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly processes: number,
    readonly redisUrl: string | undefined,
  ) {
    const pending = { stdout: "", stderr: "" };
    const take = (stream: "stdout" | "stderr", chunk: Buffer): void => {
      const text = pending[stream] + chunk.toString();
      const parts = text.split("\n");
      pending[stream] = parts.pop() ?? "";
      const at = Date.now();
      for (const line of parts) this.#line({ at, text: line });
    };
    child.stdout!.on("data", (chunk: Buffer) => take("stdout", chunk));
    child.stderr!.on("data", (chunk: Buffer) => take("stderr", chunk));
    child.once("exit", () => this.#wake());
  }

  /** Start the launcher with `env` on top of this process's environment; resolves once the router listens and every process is up. */
  static async start(env: Record<string, string>, processes: number, timeoutMs = 90_000): Promise<ClusterProcess> {
    const port = await freePortRun(processes + 1);
    const child = spawn(process.execPath, ["--import", "tsx", "server/cluster.ts"], {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", CLUSTER_PROCESSES: String(processes) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const cluster = new ClusterProcess(child, port, processes, env.REDIS_URL);
    try {
      await cluster.until(() => cluster.#listening && cluster.allUp(), "the router and every process up", timeoutMs);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  #line(line: ClusterLine): void {
    this.lines.push(line);
    const announced = /^tickroom cluster: process on port (\d+) is pid (\d+)/.exec(line.text);
    if (announced !== null) {
      const member: ClusterMember = { port: Number(announced[1]), pid: Number(announced[2]), processId: undefined };
      this.members.set(member.port, member);
      this.#pids.add(member.pid);
    }
    const up = /^\[(\d+)\] tickroom: process (\S+) on Redis/.exec(line.text);
    if (up !== null) {
      const member = this.members.get(Number(up[1]));
      if (member !== undefined) member.processId = up[2];
    }
    if (/^tickroom cluster: router listening on /.test(line.text)) this.#listening = true;
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Whether every port has a process that printed its process id. */
  allUp(): boolean {
    if (this.members.size < this.processes) return false;
    for (const member of this.members.values()) if (member.processId === undefined) return false;
    return true;
  }

  /** Resolves once `condition` holds (checked at each line the launcher prints, and every 100 ms); rejects after `timeoutMs` or if the launcher exits. */
  until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) finish();
        else if (this.child.exitCode !== null || this.child.signalCode !== null) finish(new Error(`the launcher exited waiting for ${what}:\n${this.tail()}`));
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.tail()}`)), timeoutMs);
      const poll = setInterval(check, 100);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** The first line from index `from` on that matches `pattern`, once printed. */
  async nextLine(pattern: RegExp, from: number, what: string, timeoutMs: number): Promise<ClusterLine> {
    let found: ClusterLine | undefined;
    await this.until(
      () => {
        found = this.lines.slice(from).find((line) => pattern.test(line.text));
        return found !== undefined;
      },
      what,
      timeoutMs,
    );
    return found!;
  }

  /** The last lines printed, for an error message. */
  tail(count = 40): string {
    return this.lines
      .slice(-count)
      .map((line) => line.text)
      .join("\n");
  }

  /** SIGHUP: the launcher restarts its processes one at a time. */
  rollingRestart(): void {
    this.child.kill("SIGHUP");
  }

  /**
   * SIGTERM to the launcher (it drains every process and exits; past `graceMs`, SIGKILL),
   * then SIGKILL to every process it announced that still runs.
   */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, "exit");
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Whatever the launcher left running (it lost track of one, or was killed itself) goes now.
    for (const pid of this.#pids) {
      if (!isOurs(pid, `REDIS_URL=${this.redisUrl}`)) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }
  }
}
