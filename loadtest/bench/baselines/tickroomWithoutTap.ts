import type { AddressInfo } from "node:net";
import { SchemaSerializer } from "@colyseus/core";
import { ArenaRoom } from "../../../rooms/ArenaRoom.ts";
import { createTickroomServer } from "../../../server/app.config.ts";
import { loadConfig } from "../../../server/config.ts";

/**
 * tickroom with the recorder's tap taken off the arena: the baseline that prices the tap
 * itself. The arena seats spectators, so every arena room taps its patches for late
 * spectators (a buffer of the last keyframes) even when it records nothing; this server
 * is tickroom (`createTickroomServer`, the configuration from the environment) with an
 * arena whose serializer has its own `applyPatches` back. Nothing else differs: the same
 * rules, inputs, views and metrics. A spectator asking to watch late would get nothing
 * here; the benchmark seats none.
 *
 *   node --import tsx loadtest/bench/baselines/tickroomWithoutTap.ts   (PORT, HOST and the rest as server/index.ts reads them)
 */
class ArenaWithoutTap extends ArenaRoom {
  /** After the base made its recorder (`#startRecorder`), before the first tick: undo the recorder's wrap. */
  protected override onStarted(): void {
    // colyseus-internal: recording-tap
    // The recorder replaced `applyPatches` with an own property of this room's serializer;
    // deleting it uncovers SchemaSerializer's method on the prototype.
    const serializer = (this as unknown as { _serializer: { applyPatches?: unknown } })._serializer;
    delete serializer.applyPatches;
    // Refuse to run as a baseline that still taps: its numbers would mean nothing.
    if (serializer.applyPatches !== SchemaSerializer.prototype.applyPatches) throw new Error("the arena's patches are still tapped");
    super.onStarted();
  }
}

const config = loadConfig();
const server = createTickroomServer(config, {
  // The same name, filters and sort as server/app.config.ts registers the arena with: the hook's room types replace built-in ones of the same name.
  rooms: (define) => ({ arena: define(ArenaWithoutTap).filterBy(["mode", "region", "open"]).sortBy({ players: -1 }).enableRealtimeListing() }),
});
await server.listen(config.port, config.host);
const { port } = server.transport.server!.address() as AddressInfo;
// What tools/serverProcess.ts waits for.
console.log(`tickroom without the recording tap listening on http://${config.host}:${port}`);
