import type { AddressInfo } from "node:net";
import { matchMaker } from "@colyseus/core";
import { createTickroomServer } from "./app.config.ts";
import { ConfigError, loadConfig, type TickroomConfig } from "./config.ts";
import { openStore, type Store } from "./store/store.ts";

// Colyseus 0.18 reads a global WebSocket during reconnection; on Node 20 every dropped
// client would be removed instead of reconnected. Refuse to run rather than misbehave.
// colyseus-internal: global-websocket-node22
const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 22) {
  console.error(`tickroom needs Node.js >= 22 (running ${process.version}); use \`npm start\`, which runs the project's Node 22.`);
  process.exit(1);
}

// Colyseus leaves some promises unhandled (stats and leave bookkeeping on Redis); under
// Node's default one rejecting ends the process, through Colyseus's shutdown. Only
// @pm2/io, an optional peer of @colyseus/core, happened to swallow them.
process.on("unhandledRejection", (reason: unknown) => {
  console.error("tickroom: unhandled rejection, the process goes on:", reason instanceof Error ? reason.message : reason);
});

/** The configuration, or one block naming every bad variable and an exit: a wrong setting is the user's to fix, not a stack trace. */
function configOrExit(): TickroomConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`tickroom: ${error.message}\n(see README.md, "Configuration")`);
    process.exit(1);
  }
}

/** The store, migrated; or one line naming what is wrong and an exit (a database that does not answer, a folder not writable). */
async function storeOrExit(settings: TickroomConfig["store"]): Promise<Store | undefined> {
  try {
    return await openStore(settings);
  } catch (error) {
    const where = settings.kind === "postgres" ? "the PostgreSQL server in DATABASE_URL" : settings.kind === "embedded" ? `DATA_DIR ${settings.dataDir}` : "";
    console.error(`tickroom: cannot open the store (${where}): ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

const config = configOrExit();
const store = await storeOrExit(config.store);
const server = createTickroomServer(config, {
  ...(store !== undefined ? { store } : {}),
  onShutdown: async () => {
    await store?.close();
    console.log("tickroom: all rooms disposed, exiting");
  },
});

// Colyseus drains rooms on SIGTERM; this timer only bounds how long that may take.
process.once("SIGTERM", () => {
  console.log("tickroom: SIGTERM received, shutting down");
  setTimeout(() => {
    console.error(`tickroom: shutdown took longer than ${config.shutdownTimeoutMs} ms, exiting`);
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
});

// A port in use (or not ours to take) is the commonest first-hour mistake: one line and
// exit before the transport prints the error's stack and Colyseus's listen waits forever.
const onListenError = (error: NodeJS.ErrnoException): void => {
  const why =
    error.code === "EADDRINUSE"
      ? `port ${config.port} is in use; set PORT`
      : error.code === "EACCES"
        ? `no permission to listen on port ${config.port}; set PORT (above 1023)`
        : error.code === "EADDRNOTAVAIL"
          ? `HOST ${config.host} is not an address of this machine; set HOST`
          : `cannot listen on ${config.host}:${config.port}: ${error.message}`;
  console.error(`tickroom: ${why}`);
  process.exit(1);
};
server.transport.server?.prependOnceListener("error", onListenError);
await server.listen(config.port, config.host);
// Listening: a later error of the HTTP server is not a start-up mistake.
server.transport.server?.off("error", onListenError);
const address = server.transport.server?.address() as AddressInfo | null;
const port = address?.port ?? config.port;
// Every interface: the address a developer's browser opens is localhost.
const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
const url = (path: string) => `http://${host}:${port}${path}`;
// One write: whoever reads the first line (tools/serverProcess.ts) has the rest with it.
console.log(
  [
    `tickroom listening on ${url("/")} (WebSocket ws://${host}:${port})`,
    ...(config.devTools.mode !== "off" ? [`  monitor    ${url("/monitor")}   playground ${url("/playground")}`] : []),
    ...(config.metrics.enabled ? [`  metrics    ${url("/metrics")}`] : []),
    `  health     ${url("/health")}`,
  ].join("\n"),
);
if (config.cluster !== undefined) {
  // Where the router reaches this process: announced with its heartbeat.
  const reachedAt = config.cluster.internalAddress ?? `${config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host}:${port}`;
  await server.migration?.start(reachedAt);
  console.log(`tickroom: process ${matchMaker.processId} on Redis, public address ${config.cluster.publicAddress}`);
}
