import type { AddressInfo } from "node:net";
import { matchMaker } from "@colyseus/core";
import { createTickroomServer } from "./app.config.ts";
import { loadConfig } from "./config.ts";

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

const config = loadConfig();
const server = createTickroomServer(config, { onShutdown: () => console.log("tickroom: all rooms disposed, exiting") });

// Colyseus drains rooms on SIGTERM; this timer only bounds how long that may take.
process.once("SIGTERM", () => {
  console.log("tickroom: SIGTERM received, shutting down");
  setTimeout(() => {
    console.error(`tickroom: shutdown took longer than ${config.shutdownTimeoutMs} ms, exiting`);
    process.exit(1);
  }, config.shutdownTimeoutMs).unref();
});

await server.listen(config.port, config.host);
const address = server.transport.server?.address() as AddressInfo | null;
const port = address?.port ?? config.port;
console.log(`tickroom listening on http://${config.host}:${port} (WebSocket ws://${config.host}:${port}, health /health)`);
if (config.cluster !== undefined) {
  console.log(`tickroom: process ${matchMaker.processId} on Redis, public address ${config.cluster.publicAddress}`);
}
