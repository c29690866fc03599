import { type ChildProcess, spawn } from "node:child_process";
import { redisAnswers } from "../../tools/redisCommand.ts";
import { freePort } from "../../tools/serverProcess.ts";

/**
 * A redis-server of a test's own on a free port, no persistence: killing it loses
 * everything, as a restart of a cache does, and no other test shares its keys.
 */
export async function startRedis(port?: number): Promise<{ process: ChildProcess; url: string; port: number }> {
  const chosen = port ?? (await freePort());
  const child = spawn("redis-server", ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${chosen}`;
  const deadline = performance.now() + 10_000;
  while (!(await redisAnswers(url))) {
    if (performance.now() > deadline) throw new Error("redis-server did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { process: child, url, port: chosen };
}

/** Send `signal` and wait for the exit; nothing if it has already exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}
