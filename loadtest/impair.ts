/**
 * Run the network impairment proxy from the command line, in front of a running server:
 *
 *   node_modules/.bin/node --import tsx loadtest/impair.ts --target 127.0.0.1:2567 --port 2667 \
 *     --latency 50 --jitter 10 [--up-latency 30] [--down-bandwidth 64000] [--stalls 0.2 --stall-ms 300]
 *
 * Plain flags apply to both directions; `--up-*` (client to server) and `--down-*`
 * (server to client) override one direction. Point clients at ws://127.0.0.1:<port>.
 */
import { parseArgs } from "node:util";
import { ImpairmentProxy, type LinkImpairment } from "./impairment/ImpairmentProxy.ts";

const fields = {
  latency: "latencyMs",
  jitter: "jitterMs",
  bandwidth: "bandwidthBytesPerSecond",
  stalls: "stallsPerSecond",
  "stall-ms": "stallMs",
} as const satisfies Record<string, keyof LinkImpairment>;

const options: Record<string, { type: "string" }> = { target: { type: "string" }, port: { type: "string" }, seed: { type: "string" } };
for (const flag of Object.keys(fields)) {
  for (const prefix of ["", "up-", "down-"]) options[`${prefix}${flag}`] = { type: "string" };
}
const { values } = parseArgs({ options, strict: true });

function number(flag: string): number | undefined {
  const raw = values[flag];
  if (typeof raw !== "string") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag} must be a non-negative number, got "${raw}"`);
  return value;
}

function direction(prefix: "up-" | "down-"): Partial<LinkImpairment> {
  const impairment: Partial<LinkImpairment> = {};
  for (const [flag, field] of Object.entries(fields)) {
    const value = number(`${prefix}${flag}`) ?? number(flag);
    if (value !== undefined) impairment[field] = value;
  }
  return impairment;
}

const [host, port] = (typeof values.target === "string" ? values.target : "127.0.0.1:2567").split(":");
const proxy = new ImpairmentProxy({
  target: { host: host ?? "127.0.0.1", port: Number(port ?? 2567) },
  port: number("port") ?? 0,
  seed: number("seed") ?? 1,
  up: direction("up-"),
  down: direction("down-"),
});
const listening = await proxy.listen();
console.log(`impairment proxy on 127.0.0.1:${listening} -> ${host}:${port}`, { up: direction("up-"), down: direction("down-") });
const stop = (): void => {
  void proxy.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
