import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config.ts";

/**
 * `npm run start:cluster`: CLUSTER_PROCESSES tickroom processes on one machine, sharing
 * Redis (REDIS_URL, default redis://127.0.0.1:6379). Process i listens on PORT + i and
 * announces `<PUBLIC_HOST>:<PORT + i>` as its public address, so a seat reserved through
 * any of them sends the client straight to the process hosting the room. SIGTERM or
 * SIGINT drains every process; the launcher exits once all have exited (0 if all did).
 * A process that dies on its own is reported, not restarted: its peers drop its rooms
 * from listings within PROCESS_CHECK_INTERVAL_SECONDS plus a 2 s health check.
 */
const config = loadConfig();
const redisUrl = config.cluster?.redisUrl ?? "redis://127.0.0.1:6379";
const entry = fileURLToPath(new URL("./index.ts", import.meta.url));
const basePort = config.port === 0 ? 2567 : config.port;
let stopping = false;

const children: ChildProcess[] = Array.from({ length: config.launcher.processes }, (_, index) => {
  const port = basePort + index;
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl, PUBLIC_ADDRESS: `${config.launcher.publicHost}:${port}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const label = `[${port}] `;
  const prefix = (chunk: Buffer): string => chunk.toString().replace(/^(?=.)/gm, label);
  child.stdout!.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.once("exit", (code, signal) => {
    if (!stopping) console.error(`tickroom cluster: process on port ${port} exited (${signal ?? code}); the others carry on`);
  });
  return child;
});
console.log(`tickroom cluster: ${children.length} processes on ports ${basePort}-${basePort + children.length - 1}, Redis ${redisUrl}`);

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`tickroom cluster: ${signal}, draining every process`);
  const codes = await Promise.all(
    children.map(
      (child) =>
        new Promise<number | null>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
          child.once("exit", (code) => resolve(code));
          child.kill("SIGTERM");
        }),
    ),
  );
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
}
process.once("SIGTERM", () => void stop("SIGTERM"));
process.once("SIGINT", () => void stop("SIGINT"));
