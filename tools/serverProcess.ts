import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** A port free right now (the OS picks it); for servers that must know their port before they start. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Load generators and tests join from one address: the per-address request limit lifted.
 * A test's server shares its machine (or its very event loop) with the test's own clients,
 * so it does not shed load either; the benchmark turns shedding back on.
 */
/** Servers started by tools and tests keep nothing unless asked (a test's store lives in its own folder or database). */
const noStore = { STORE_ENABLED: "false" } as const;

export const generousHttpLimits = {
  HTTP_RATE_PER_SECOND: "100000",
  HTTP_RATE_BURST: "100000",
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: "100000",
  MAX_EVENT_LOOP_DELAY_MS: "0",
} as const;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Start the real server entry (what `npm start` runs) in its own process on a free port,
 * so what is measured or tested is the server alone, not the load generator beside it.
 * `entry` runs another script the same way (the benchmark's baselines); it must print
 * "listening on http://<host>:<port>".
 *
 * `timeoutMs` only catches a server that hangs before listening; one that fails exits and
 * is reported at once. It is no bound on start-up time: on a machine the suite keeps busy
 * (the flake hunt adds a busy core), starting Node and compiling the server took over 20 s.
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  timeoutMs = 90_000,
  entry: readonly string[] = ["server/index.ts"],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ...entry], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DEV_TOOLS: "off", ...noStore, ...generousHttpLimits, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (): void => {
      const match = /listening on http:\/\/[^\s:/]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    port,
    output: () => output,
    stop: async (graceMs = 10_000) => {
      // Already gone (exited, or killed by a signal such as a test's SIGKILL).
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Run the real server entry until it exits by itself (a start that must fail), killed after `timeoutMs`: its exit code and what it printed. */
export async function runServerToExit(
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DEV_TOOLS: "off", ...noStore, ...generousHttpLimits, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
