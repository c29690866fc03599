import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * A live room, frozen between two ticks, as it travels to another process: on a drain (a
 * deploy, SIGTERM) it goes straight to a peer; as a checkpoint it waits in Redis for a
 * survivor should its process die (docs/deploying.md). JSON all the way: it rides Colyseus's
 * IPC and sits in a Redis hash.
 *
 * What travels: the options the room was created with, the schema state (`toJSON()`), the
 * base's own bookkeeping (join code, random position, the match's players and round), every
 * seat (with the reconnection token its client will present, or the time a seat reserved by
 * matchmaking has left), and whatever private state the room type packs (`packRoom()`).
 * What does not: timers (rooms keep them as ticks in the state), input queues (the SDK
 * resets its input numbering on every reconnection), the late-spectator buffer.
 */
export interface RoomSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly roomType: string;
  readonly roomId: string;
  /** Epoch ms when it was taken: a checkpoint's age is the state a failover loses. */
  readonly takenAt: number;
  /** Fingerprint of the state's schema (its handshake): a snapshot from another version of the state class is refused. */
  readonly schema: string;
  /** The server-side options the room was created with (roster, `record`, `private`, the room type's own). */
  readonly createOptions: Record<string, unknown>;
  /** The schema state, as `toJSON()` gives it; absent for room types without a state. */
  readonly state?: unknown;
  readonly base: BaseSnapshot;
  readonly seats: readonly CarriedSeat[];
  /** The room type's private state (`packRoom()`), JSON. */
  readonly own?: unknown;
}

/** What `TickroomRoom` itself keeps besides the schema state. */
interface BaseSnapshot {
  readonly joinCode?: string;
  readonly private: boolean;
  /** Where the room's seeded random source was: the sequence continues on the new process. */
  readonly random: number;
  readonly round: number;
  readonly matchStartedAt: number;
  readonly reported: boolean;
  /** The room clock's elapsed time: patches keep their timeline (clients' clock sync and interpolation read it) instead of starting again from zero. */
  readonly elapsedMs: number;
  readonly matchPlayers: readonly (readonly [string, { readonly playerId: string; readonly name: string; readonly team: number }])[];
}

/** One seat, as it travels. */
export interface CarriedSeat {
  readonly sessionId: string;
  readonly spectator: boolean;
  /** The token the client reconnects with (its socket was open, or it was in its reconnection window). */
  readonly token?: string;
  /** Who it is (`client.auth`): a returning client is not asked again. */
  readonly auth?: unknown;
  /** A spectator watching late, and how late. */
  readonly delaySeconds?: number;
  /** A seat matchmaking reserved that nobody has taken yet (the ranked queue's players on their way): its options and time left. */
  readonly pending?: { readonly joinOptions: unknown; readonly msLeft: number };
}

export const SNAPSHOT_VERSION = 1;

const carriedSeat = z.object({
  sessionId: z.string().min(1),
  spectator: z.boolean(),
  token: z.string().min(1).optional(),
  auth: z.unknown().optional(),
  delaySeconds: z.number().min(0).optional(),
  pending: z.object({ joinOptions: z.unknown(), msLeft: z.number() }).optional(),
});

const snapshotShape = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  roomType: z.string().min(1),
  roomId: z.string().min(1),
  takenAt: z.number(),
  schema: z.string(),
  createOptions: z.record(z.string(), z.unknown()),
  state: z.unknown().optional(),
  base: z.object({
    joinCode: z.string().optional(),
    private: z.boolean(),
    random: z.number().int(),
    round: z.number().int().min(1),
    matchStartedAt: z.number(),
    reported: z.boolean(),
    elapsedMs: z.number().min(0),
    matchPlayers: z.array(z.tuple([z.string(), z.object({ playerId: z.string(), name: z.string(), team: z.number() })])),
  }),
  seats: z.array(carriedSeat),
  own: z.unknown().optional(),
});

/** A snapshot that cannot be restored: damaged, cut short, or from another version of the room type. The room is refused whole. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

/** Read a snapshot (from IPC or Redis), refusing anything that is not one whole. */
export function parseSnapshot(value: unknown): RoomSnapshot {
  const text = typeof value === "string" ? value : undefined;
  let data = value;
  if (text !== undefined) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new SnapshotError("the snapshot is not JSON (cut short?)");
    }
  }
  const parsed = snapshotShape.safeParse(data);
  if (!parsed.success) throw new SnapshotError(`not a room snapshot: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  return parsed.data as RoomSnapshot;
}

/** The fingerprint a snapshot carries of its state's schema (the serializer's handshake bytes). */
export function schemaFingerprint(handshake: Uint8Array | undefined): string {
  return handshake === undefined ? "" : createHash("sha1").update(handshake).digest("base64url");
}

/**
 * The create option under which a snapshot reaches the room being recreated. Server-only,
 * like the queue's roster: matchmaking rewrites a client's options to its room type's schema,
 * so no client can send one.
 */
// colyseus-internal: auth-options-identity
export const RESTORE_OPTION = "$restore";

/** Primitive schema types and the values each holds: what a snapshot's field must be to be restored. */
const integerRanges: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

function checkedPrimitive(type: string, value: unknown, path: string): unknown {
  const range = integerRanges[type];
  const ok =
    type === "string"
      ? typeof value === "string"
      : type === "boolean"
        ? typeof value === "boolean"
        : range !== undefined
          ? Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1]
          : type === "number" || type === "float32" || type === "float64"
            ? typeof value === "number" && Number.isFinite(value)
            : false;
  if (!ok) throw new SnapshotError(`${path}: ${JSON.stringify(value)?.slice(0, 40)} is not a ${type}`);
  return value;
}

interface FieldMetadata {
  readonly name: string;
  readonly type: unknown;
}

/** A schema class (what `@type` names for a child), told apart from a primitive or collection type. */
type SchemaClass = new () => object;

function isSchemaClass(type: unknown): type is SchemaClass {
  return typeof type === "function" && (type as unknown as { [Symbol.metadata]?: unknown })[Symbol.metadata] !== undefined;
}

function restoredChild(type: unknown, value: unknown, path: string): unknown {
  if (typeof type === "string") return checkedPrimitive(type, value, path);
  if (isSchemaClass(type)) {
    const child = new type();
    restoreSchema(child, value, path);
    return child;
  }
  throw new SnapshotError(`${path}: a collection of collections is not restored`);
}

/**
 * Write a snapshot's state (`toJSON()` of the same schema class) into `target`, checking
 * every value against its declared type. Unlike `Schema#restore`, collections are emptied
 * first (a state class that starts with items, like the tic-tac-toe board, would otherwise
 * hold them twice) and a value of the wrong type is refused instead of reaching the encoder.
 * Throws `SnapshotError`; the caller refuses the room whole.
 */
export function restoreSchema(target: object, json: unknown, path = "state"): void {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new SnapshotError(`${path}: not an object`);
  const metadata = (target.constructor as { [Symbol.metadata]?: Record<string, FieldMetadata> })[Symbol.metadata] ?? {};
  const source = json as Record<string, unknown>;
  const fields = target as Record<string, unknown>;
  for (const index of Object.keys(metadata)) {
    const field = metadata[index];
    if (field === undefined || typeof field !== "object" || typeof field.name !== "string") continue;
    const value = source[field.name];
    const at = `${path}.${field.name}`;
    if (value === undefined || value === null) continue;
    const type = field.type;
    if (typeof type === "string" || isSchemaClass(type)) {
      fields[field.name] = restoredChild(type, value, at);
      continue;
    }
    const [kind, childType] = Object.entries(type as Record<string, unknown>)[0] ?? [];
    const collection = fields[field.name] as { clear(): void; set?(key: string, value: unknown): void; push?(value: unknown): void };
    if (kind === "map" && typeof value === "object" && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, restoredChild(childType, item, `${at}.${key}`)] as const);
      collection.clear();
      for (const [key, item] of entries) collection.set?.(key, item);
    } else if (kind === "array" && Array.isArray(value)) {
      const items = value.map((item, i) => restoredChild(childType, item, `${at}[${i}]`));
      collection.clear();
      for (const item of items) collection.push?.(item);
    } else {
      throw new SnapshotError(`${at}: not a ${kind ?? "collection"}`);
    }
  }
}
