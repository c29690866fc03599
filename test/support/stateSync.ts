import { ClientState, type Client as ServerClient, type Room as ServerRoom } from "@colyseus/core";
import { ArraySchema, CollectionSchema, MapSchema, Metadata, Schema, SetSchema } from "@colyseus/schema";
import { Protocol, type Room } from "@colyseus/sdk";
import { protocolCodeOf } from "../../shared/protocol.ts";
import { eventually } from "./harness.ts";

/**
 * State-sync oracle for property tests: every state frame the server hands a client's
 * connection is recorded with the server state it encodes, and every frame a real SDK
 * client decodes is checked against the record of that very frame. Nothing here waits for
 * time: a frame is matched to its record by the connection it travelled on (the SDK's
 * reconnection token, which is the server client's) and its position on it (a WebSocket
 * delivers in order, and the SDK decodes each `ROOM_STATE` / `ROOM_STATE_PATCH` frame
 * once, synchronously, as it arrives).
 */

/** What a test client can observe: plain JSON, as `Schema.toJSON()` gives it. */
type Json = unknown;

/** A `@view()` field of the server state: shown to a client only if its entity is in that client's view. */
interface Secret {
  readonly path: readonly string[];
  readonly value: Json;
}

interface PlainState {
  /** Everything every client receives, float32 fields rounded as the wire rounds them. */
  readonly shared: Record<string, Json>;
  readonly secrets: readonly Secret[];
}

interface FieldMetadata {
  readonly name: string;
  readonly type: unknown;
  readonly deprecated?: boolean;
}

function metadataOf(instance: Schema): Record<string, FieldMetadata> {
  return (instance.constructor as unknown as { [Symbol.metadata]?: Record<string, FieldMetadata> })[Symbol.metadata] ?? {};
}

/** The element type of a collection field's declared type (`{ map: X }`, `{ array: X }`, ...). */
function elementType(type: unknown): unknown {
  if (typeof type !== "object" || type === null) return undefined;
  const declared = type as Record<string, unknown>;
  return declared.map ?? declared.array ?? declared.set ?? declared.collection;
}

function plainValue(value: unknown, type: unknown, path: readonly string[], secrets: Secret[]): Json {
  if (value instanceof Schema) return plainSchema(value, path, secrets);
  if (value instanceof MapSchema) {
    const out: Record<string, Json> = {};
    value.forEach((item: unknown, key: string) => {
      out[key] = plainValue(item, elementType(type), [...path, key], secrets);
    });
    return out;
  }
  if (value instanceof ArraySchema || value instanceof SetSchema || value instanceof CollectionSchema) {
    const out: Json[] = [];
    (value as { forEach(callback: (item: unknown) => void): void }).forEach((item) => {
      out.push(plainValue(item, elementType(type), [...path, String(out.length)], secrets));
    });
    return out;
  }
  // The server keeps doubles in float32 fields; the wire carries them rounded.
  return type === "float32" && typeof value === "number" ? Math.fround(value) : value;
}

function plainSchema(instance: Schema, path: readonly string[], secrets: Secret[]): Record<string, Json> {
  const metadata = metadataOf(instance);
  const out: Record<string, Json> = {};
  // Enumerable keys of a schema's metadata are its field indexes (what toJSON() walks too).
  for (const key of Object.keys(metadata)) {
    const field = metadata[key];
    if (field === undefined || field.deprecated) continue;
    const value = (instance as unknown as Record<string, unknown>)[field.name];
    if (value === undefined || value === null) continue;
    const fieldPath = [...path, field.name];
    const plain = plainValue(value, field.type, fieldPath, secrets);
    if (Metadata.hasViewTagAtIndex(metadata as never, Number(key))) secrets.push({ path: fieldPath, value: plain });
    else out[field.name] = plain;
  }
  return out;
}

/** The server state as plain JSON, its `@view()` fields set apart. */
function plainState(state: Schema): PlainState {
  const secrets: Secret[] = [];
  return { shared: plainSchema(state, [], secrets), secrets };
}

/** Decides whether the client of `viewer` may see the `@view()` field at `path`. */
export type SecretVisibility = (viewer: string, path: readonly string[]) => boolean;

interface Expected {
  readonly json: Json;
  /** Hidden fields with a server value other than 0: a client showing them would be a leak no default could mask. */
  readonly hiddenNonZero: number;
  readonly shown: number;
}

/** The state as `viewer` may see it: the shared part, plus the secrets its view holds. */
function project(plain: PlainState, viewer: string, visible: SecretVisibility): Expected {
  const json = structuredClone(plain.shared);
  let hiddenNonZero = 0;
  let shown = 0;
  for (const secret of plain.secrets) {
    if (!visible(viewer, secret.path)) {
      if (secret.value !== 0 && secret.value !== false && secret.value !== "") hiddenNonZero++;
      continue;
    }
    let parent: Record<string, Json> | undefined = json;
    for (const key of secret.path.slice(0, -1)) parent = parent?.[key] as Record<string, Json> | undefined;
    if (parent !== undefined) {
      parent[secret.path.at(-1)!] = secret.value;
      shown++;
    }
  }
  return { json, hiddenNonZero, shown };
}

/**
 * The first difference between two plain values, as a path and both sides; numbers
 * compare with `===` (so 0 and -0 are equal) and NaN equals NaN.
 */
function firstDifference(expected: Json, actual: Json, path = "state"): string | undefined {
  if (typeof expected === "number" && typeof actual === "number") {
    return expected === actual || (Number.isNaN(expected) && Number.isNaN(actual)) ? undefined : `${path}: server ${expected}, client ${actual}`;
  }
  if (typeof expected !== "object" || expected === null || typeof actual !== "object" || actual === null) {
    return expected === actual ? undefined : `${path}: server ${JSON.stringify(expected)}, client ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) return `${path}: server ${JSON.stringify(expected)}, client ${JSON.stringify(actual)}`;
  const e = expected as Record<string, Json>;
  const a = actual as Record<string, Json>;
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (!(key in a)) return `${path}.${key}: server ${JSON.stringify(e[key])}, missing on the client`;
    if (!(key in e)) return `${path}.${key}: client ${JSON.stringify(a[key])}, not on the server (or not for this client)`;
    const difference = firstDifference(e[key], a[key], `${path}.${key}`);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

/** One server client object: one connection of a session (a reconnection is a new one). */
interface Connection {
  readonly sessionId: string;
  readonly token: string;
  readonly client: ServerClient;
  /** Frames sent on this connection that its SDK client has not decoded yet, oldest first. */
  readonly pending: Array<Expected & { readonly full: boolean }>;
  last: Expected | undefined;
  sent: number;
  decoded: number;
  /** Its socket was cut by the test: frames sent after that may never arrive. */
  killed: boolean;
}

type Status = "connected" | "reconnecting" | "leaving" | "gone";

/** A real SDK client under watch. */
export interface Watched {
  readonly label: string;
  readonly room: Room;
  readonly sessionId: string;
  status: Status;
}

/** How many frames and fields a run has compared: proof that the checks ran. */
export interface SyncStats {
  frames: number;
  /** Full states decoded after a reconnection (the SDK's resync path). */
  resyncs: number;
  /** `@view()` fields the client saw and were compared. */
  secretsShown: number;
  /** `@view()` fields with a non-zero server value that the client had to be without. */
  secretsHiddenNonZero: number;
}

const DECODE_TROUBLE = /refId|@colyseus\/schema|definition mismatch|please report|decode|resync|trying to delete|\[tickroom\]/i;

/**
 * Watches one server room and the SDK clients in it. Failures are collected, never thrown
 * from a socket callback; `assertInSync()` throws them.
 */
export class SyncWatch {
  readonly stats: SyncStats = { frames: 0, resyncs: 0, secretsShown: 0, secretsHiddenNonZero: 0 };
  readonly #room: ServerRoom;
  readonly #visible: SecretVisibility;
  readonly #connections = new Map<string, Connection>();
  readonly #sessions = new Map<string, number>();
  readonly #failures: string[] = [];
  readonly #watched: Watched[] = [];
  readonly #console: string[] = [];
  #patchWaiters: Array<(sent: Map<string, number>) => void> = [];
  #patchSnapshot: PlainState | undefined;
  #inPatch = false;

  constructor(room: ServerRoom, visible: SecretVisibility) {
    this.#room = room;
    this.#visible = visible;
    this.#tapClients();
    this.#tapPatches();
  }

  /** Record a failure (the first few are kept). */
  fail(message: string): void {
    if (this.#failures.length < 8) this.#failures.push(message);
  }

  /** A line the process wrote to the console while this run was on. */
  console(level: string, text: string): void {
    if (this.#console.length < 50) this.#console.push(`${level}: ${text}`);
    if (level === "error" || (level === "warn" && DECODE_TROUBLE.test(text))) this.fail(`console.${level}: ${text}`);
  }

  assertInSync(when: string): void {
    if (this.#failures.length === 0) return;
    const log = this.#console.length > 0 ? `\nconsole during the run:\n  ${this.#console.join("\n  ")}` : "";
    throw new Error(`state out of sync ${when}:\n  ${this.#failures.join("\n  ")}${log}`);
  }

  /** Every client object the room takes (a join or a reconnection) gets its state frames recorded before any is sent. */
  #tapClients(): void {
    const clients = this.#room.clients;
    const push = clients.push.bind(clients);
    // colyseus-internal: refused-join-ondrop
    // Room._onJoin pushes every joining or reconnecting client into `clients` before it
    // sends that client anything; its reconnection token is set by then.
    clients.push = (...added: ServerClient[]): number => {
      for (const client of added) this.#tapClient(client);
      return push(...added);
    };
  }

  #tapClient(client: ServerClient): void {
    const connection: Connection = {
      sessionId: client.sessionId,
      token: client.reconnectionToken,
      client,
      pending: [],
      last: undefined,
      sent: 0,
      decoded: 0,
      killed: false,
    };
    this.#connections.set(connection.token, connection);
    const raw = client.raw.bind(client);
    // colyseus-internal: socket-send-wrap
    // Every frame to a client goes out through its `raw()`: full states (`sendFullState`)
    // and patches (`SchemaSerializer.applyPatches`, heartbeats of timed rooms included).
    client.raw = (data, options, callback) => {
      // colyseus-internal: protocol-framing
      const code = data.length > 0 ? protocolCodeOf(data) : -1;
      if (code === Protocol.ROOM_STATE || code === Protocol.ROOM_STATE_PATCH) {
        // Within one patch's encoding the state cannot change: one snapshot serves every
        // client. Taken at the first frame, after the patch's clock tick and onBeforePatch.
        const plain = this.#inPatch ? this.#snapshotOfPatch() : plainState(this.#room.state as Schema);
        const expected = project(plain, connection.sessionId, this.#visible);
        if (connection.sent === 0 && code !== Protocol.ROOM_STATE) this.fail(`${connection.sessionId}: a patch was sent before the full state`);
        connection.pending.push({ ...expected, full: code === Protocol.ROOM_STATE });
        connection.last = expected;
        connection.sent++;
      }
      raw(data, options, callback);
    };
  }

  /**
   * Snapshot the state once per patch, and right after each patch check that every joined
   * client's last frame is the live state as it may see it: a change the patch should have
   * carried to a client and did not (the state moved, no frame went) fails here, even
   * if no later frame ever reaches that client.
   */
  #tapPatches(): void {
    const room = this.#room;
    const broadcastPatch = room.broadcastPatch.bind(room);
    room.broadcastPatch = () => {
      this.#inPatch = true;
      this.#patchSnapshot = undefined;
      let changed: boolean;
      try {
        changed = broadcastPatch();
      } finally {
        this.#inPatch = false;
      }
      // Nothing changes the state between the encoding and here.
      const live = this.#patchSnapshot ?? plainState(room.state as Schema);
      this.#patchSnapshot = undefined;
      const sent = new Map<string, number>();
      for (const connection of this.#connections.values()) {
        if (!this.#isLive(connection)) continue;
        sent.set(connection.token, connection.sent);
        if (connection.last === undefined || connection.client.state !== ClientState.JOINED) continue;
        const difference = firstDifference(project(live, connection.sessionId, this.#visible).json, connection.last.json);
        if (difference !== undefined) this.fail(`after a patch, ${connection.sessionId} was left with a stale state: ${difference}`);
      }
      for (const waiter of this.#patchWaiters.splice(0)) waiter(sent);
      return changed;
    };
  }

  #snapshotOfPatch(): PlainState {
    if (this.#patchSnapshot === undefined) this.#patchSnapshot = plainState(this.#room.state as Schema);
    return this.#patchSnapshot;
  }

  #isLive(connection: Connection): boolean {
    return !connection.killed && this.#room.clients.get(connection.sessionId) === connection.client;
  }

  /** Watch a real SDK client: check each state frame it decodes, and catch what its decoding throws. */
  watch(label: string, room: Room): Watched {
    const watched: Watched = { label, room, sessionId: room.sessionId, status: "connected" };
    this.#watched.push(watched);
    room.onDrop(() => {
      if (watched.status === "connected") watched.status = "reconnecting";
    });
    room.onReconnect(() => {
      watched.status = "connected";
    });
    room.onLeave(() => {
      watched.status = "gone";
    });
    // Below the SDK's decoding, not on `onStateChange`: a signal handler can be skipped
    // for one frame when another one removes itself during dispatch.
    const connection = room.connection;
    // colyseus-internal: sdk-connection-events
    const deliver = connection.events.onmessage;
    connection.events.onmessage = (event: MessageEvent) => {
      const frame = new Uint8Array(event.data as ArrayBuffer);
      try {
        deliver?.(event);
      } catch (error) {
        this.fail(`${label}: the SDK threw on a frame (code ${frame[0]}): ${(error as Error).stack ?? String(error)}`);
        return;
      }
      // colyseus-internal: protocol-framing
      const code = frame.byteLength > 0 ? protocolCodeOf(frame) : -1;
      if (code === Protocol.ROOM_STATE || code === Protocol.ROOM_STATE_PATCH) this.#decoded(watched, code === Protocol.ROOM_STATE);
    };
    return watched;
  }

  #connectionOf(watched: Watched): Connection | undefined {
    const token = watched.room.reconnectionToken ?? "";
    return this.#connections.get(token.slice(token.indexOf(":") + 1));
  }

  #decoded(watched: Watched, full: boolean): void {
    const connection = this.#connectionOf(watched);
    if (connection === undefined) {
      this.fail(`${watched.label}: decoded a state frame on a connection the server never sent state on`);
      return;
    }
    if (full) {
      const count = (this.#sessions.get(watched.sessionId) ?? 0) + 1;
      this.#sessions.set(watched.sessionId, count);
      if (count > 1) this.stats.resyncs++;
    }
    const frame = connection.pending.shift();
    const at = `${watched.label} (${watched.sessionId}), connection ${this.#sessions.get(watched.sessionId) ?? 0}, frame ${connection.decoded}`;
    connection.decoded++;
    if (frame === undefined) {
      this.fail(`${at}: decoded more state frames than the server sent`);
      return;
    }
    if (frame.full !== full) this.fail(`${at}: decoded a ${full ? "full state" : "patch"} where the server sent the other`);
    this.stats.frames++;
    this.stats.secretsShown += frame.shown;
    this.stats.secretsHiddenNonZero += frame.hiddenNonZero;
    const difference = firstDifference(frame.json, watched.room.state.toJSON());
    if (difference !== undefined) this.fail(`${at}${full ? " (full state)" : ""}: ${difference}`);
  }

  /** The test cut this session's socket server-side: what is sent on it from now on may be lost. */
  killed(sessionId: string): void {
    const client = this.#room.clients.get(sessionId);
    for (const connection of this.#connections.values()) if (connection.client === client) connection.killed = true;
  }

  /** Whether the test may treat this client as reachable: its SDK says connected and its server connection is alive. */
  reachable(watched: Watched): boolean {
    if (watched.status !== "connected") return false;
    const connection = this.#connectionOf(watched);
    return connection !== undefined && this.#isLive(connection);
  }

  /** Resolve after the next patch the room runs, with the state frames sent on each live connection by then. */
  nextPatch(): Promise<Map<string, number>> {
    return deadline(new Promise((resolve) => this.#patchWaiters.push(resolve)), 10_000, "the room's next patch");
  }

  /**
   * Settle after a step: every message the `senders` sent has been handled (a ping's
   * answer comes after them), a patch has gone out since, and every reachable client has
   * decoded every frame sent to it up to that patch.
   */
  async settle(senders: readonly Watched[]): Promise<void> {
    await Promise.all([...new Set(senders)].map((watched) => this.#handled(watched)));
    const sent = await this.nextPatch();
    // Lost sockets and departed clients have nothing more to receive.
    const behind = (): Connection[] =>
      [...this.#connections.values()].filter((connection) => {
        const target = sent.get(connection.token);
        return target !== undefined && this.#isLive(connection) && connection.decoded < target;
      });
    try {
      await eventually(() => behind().length === 0, "every client decoding the frames sent up to the patch", 10_000);
    } catch {
      const lagging = behind().map((connection) => {
        const label = this.#watched.find((watched) => watched.sessionId === connection.sessionId)?.label ?? "?";
        return `${label} (${connection.sessionId}) decoded ${connection.decoded} of the ${sent.get(connection.token)} state frames sent on its connection`;
      });
      this.fail(`10 s after a patch, frames sent are still not decoded: ${lagging.join("; ")}`);
    }
  }

  /** Resolve once the server has handled all `watched` sent so far (or it is no longer reachable). */
  #handled(watched: Watched): Promise<void> {
    if (!this.reachable(watched) || !watched.room.connection.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      };
      const poll = setInterval(() => {
        if (!this.reachable(watched)) finish();
      }, 10);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`${watched.label}: no answer to a ping in 10 s`));
      }, 10_000);
      watched.room.ping(() => finish());
    });
  }
}

/** `promise`, or a rejection naming `what` after `ms`: no wait of a property run may hang it. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

type ConsoleMethod = "error" | "warn" | "info" | "log";

/**
 * Route the process's console to the running watch: the SDK reports schema decoding trouble
 * ("refId" not found, definition mismatch...) only there, and its reconnection chatter
 * would drown a test's output. Returns the function that puts the console back.
 */
export function captureConsole(current: () => SyncWatch | undefined): () => void {
  const methods: ConsoleMethod[] = ["error", "warn", "info", "log"];
  const originals = methods.map((method) => [method, console[method]] as const);
  for (const [method, original] of originals) {
    console[method] = (...args: unknown[]) => {
      const watch = current();
      if (watch === undefined) {
        original.apply(console, args);
        return;
      }
      const text = args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : typeof arg === "string" ? arg : safeJson(arg))).join(" ");
      watch.console(method, text);
    };
  }
  return () => {
    for (const [method, original] of originals) console[method] = original;
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
