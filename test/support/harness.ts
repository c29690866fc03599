import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { matchMaker, type Room as ServerRoom } from "@colyseus/core";
import { Client, type Room } from "@colyseus/sdk";
// colyseus-internal: tools-loadenv
import { ColyseusTestServer } from "@colyseus/testing";
import { listenUntil } from "../../client/signals.ts";
import { createTickroomServer, type ServerHooks, type TickroomServer } from "../../server/app.config.ts";
import { type Environment, parseConfig } from "../../server/config.ts";
import { openStore, type Store } from "../../server/store/store.ts";
import { generousHttpLimits } from "../../tools/serverProcess.ts";

/** A real tickroom server on an OS-assigned port, with SDK clients pointed at it. */
export interface TestServer {
  readonly colyseus: ColyseusTestServer<TickroomServer>;
  /** The server itself (its migration, its outbox). */
  readonly server: TickroomServer;
  readonly port: number;
  readonly httpUrl: string;
  /** A fresh SDK client (one per simulated player). */
  client(): Client<TickroomServer>;
  /** The server's store, when the test asked for one (STORE_ENABLED=true, or `hooks.store`). */
  readonly store: Store | undefined;
  close(): Promise<void>;
}

/**
 * Boot on port 0 (never collides with another test file or a running dev server).
 * `@colyseus/testing`'s boot() pins port 2568, so the test server is built around our own
 * listen and its SDK is re-pointed at the real port.
 */
export async function startTestServer(env: Environment = {}, hooks: Omit<ServerHooks, "handleSignals"> = {}): Promise<TestServer> {
  // Every test client comes from 127.0.0.1: the per-address limits are tested on their own.
  // No store unless a test asks for one (STORE_ENABLED=true): then in its own temporary folder unless it names one.
  const dataDir = env.STORE_ENABLED === "true" && env.DATA_DIR === undefined ? await mkdtemp(join(tmpdir(), "tickroom-data-")) : undefined;
  const config = parseConfig({
    RECONNECTION_WINDOW_SECONDS: "3",
    DEV_TOOLS: "off",
    STORE_ENABLED: "false",
    ...generousHttpLimits,
    ...env,
    ...(dataDir !== undefined ? { DATA_DIR: dataDir } : {}),
  });
  const store = hooks.store ?? (await openStore(config.store));
  const server = createTickroomServer(config, { ...hooks, ...(store !== undefined ? { store } : {}), handleSignals: false });
  // Port 0 unless the test names one (a server on Redis announces its address in seats).
  await server.listen(env.PORT !== undefined ? config.port : 0, "127.0.0.1");
  const address = server.transport.server?.address() as AddressInfo;
  const port = address.port;
  // colyseus-internal: testing-server-wrap
  const colyseus = new ColyseusTestServer<TickroomServer>(server);
  colyseus.sdk = new Client<TickroomServer>(`ws://127.0.0.1:${port}`);
  return {
    colyseus,
    server,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    client: () => new Client<TickroomServer>(`ws://127.0.0.1:${port}`),
    store,
    close: async () => {
      await colyseus.cleanup();
      await colyseus.shutdown();
      // A store the test handed in is the test's to close.
      if (hooks.store === undefined) await store?.close();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const DEFAULT_TIMEOUT_MS = 4000;

function withTimeout<T>(what: string, ms: number, executor: (resolve: (value: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let release = (): void => undefined;
    const timer = setTimeout(() => {
      settled = true;
      release();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    release = executor((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      release();
      resolve(value);
    });
  });
}

/** Resolve once the client's synced state satisfies `predicate` (checked now and on every patch). */
export function untilState<S>(room: Room<unknown, S>, predicate: (state: S) => boolean, what = "state", ms = DEFAULT_TIMEOUT_MS): Promise<S> {
  return withTimeout<S>(what, ms, (done) => {
    const check = (): boolean => {
      if (room.state === undefined || room.state === null) return false;
      let satisfied = false;
      // Before the first full state, collections may not exist yet: that is "not yet".
      try {
        satisfied = predicate(room.state);
      } catch {
        satisfied = false;
      }
      if (satisfied) done(room.state);
      return satisfied;
    };
    // Never a bare remove(): see client/signals.ts.
    const stop = listenUntil(room.onStateChange, check);
    queueMicrotask(check);
    return stop;
  });
}

/** Resolve with the next `type` message the server sends this client. */
export function nextMessage<T = unknown>(room: Room, type: string, ms = DEFAULT_TIMEOUT_MS): Promise<T> {
  return withTimeout<T>(`message "${type}"`, ms, (done) => room.onMessage(type, (payload: T) => done(payload)));
}

/** Resolve with the close code when this client's connection ends for good. */
export function closed(room: Room, ms = DEFAULT_TIMEOUT_MS): Promise<number> {
  return withTimeout<number>("room leave", ms, (done) => {
    room.onLeave((code: number) => done(code));
    return () => undefined;
  });
}

/** Resolve when the SDK has re-established a dropped connection. */
export function reconnected(room: Room, ms = DEFAULT_TIMEOUT_MS): Promise<void> {
  return withTimeout<void>("reconnection", ms, (done) => {
    room.onReconnect(() => done());
    return () => undefined;
  });
}

/** The server-side room instance (same process) by id. */
export function serverRoom<R extends ServerRoom>(roomId: string): R {
  const room = matchMaker.getLocalRoomById(roomId);
  if (room === undefined) throw new Error(`no local room ${roomId}`);
  return room as R;
}

/**
 * Cut a client's socket from the server side without a close handshake: what a dead
 * network looks like to the room (close code 1006 on the client, `onDrop` on the server).
 */
export function killSocket(roomId: string, sessionId: string): void {
  const room = serverRoom(roomId);
  const client = room.clients.getById(sessionId);
  if (client === undefined) throw new Error(`no client ${sessionId} in ${roomId}`);
  // colyseus-internal: client-socket-ref
  (client.ref as unknown as { terminate(): void }).terminate();
}

/** Allow the SDK to auto-reconnect a connection younger than its default 5 s minimum uptime. */
// colyseus-internal: sdk-reconnection-rules
export function allowQuickReconnect(room: Room): void {
  room.reconnection.minUptime = 0;
}

/** Yield for `ms`: only where the thing awaited is the *absence* of an event. */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll a condition that has no event to await (SDK input acknowledgements, server-side state). */
export async function eventually(predicate: () => boolean, what: string, ms = DEFAULT_TIMEOUT_MS): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolve with a room's listing metadata once it satisfies `predicate` (listings are published asynchronously). */
export async function untilListed(
  roomId: string,
  predicate: (metadata: Record<string, unknown>) => boolean,
  what = "listing",
  ms = DEFAULT_TIMEOUT_MS,
): Promise<Record<string, unknown>> {
  const deadline = performance.now() + ms;
  for (;;) {
    const metadata = ((await matchMaker.query({ roomId }))[0]?.metadata ?? {}) as Record<string, unknown>;
    if (predicate(metadata)) return metadata;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}: last ${JSON.stringify(metadata)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
