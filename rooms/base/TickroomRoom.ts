import { randomInt } from "node:crypto";
import {
  type Client,
  type ClientPrivate,
  ClientState,
  logger,
  matchMaker,
  Room,
  type RoomException,
  type RoomMethodName,
  type RoomOptions,
  ServerError,
} from "@colyseus/core";
import { z } from "zod";
import { CloseCode, ErrorCode, HttpStatus, type RoomError, type RuleResult } from "../../shared/errors.ts";
import { generateJoinCode } from "../../shared/joinCode.ts";
import { MAX_SPECTATOR_DELAY_SECONDS } from "../../shared/limits.ts";
import type { ListingMetadata } from "../../shared/listing.ts";
import { type Random, type SeededRandom, seededRandom } from "../../shared/random.ts";
import { displayNameOf, identityOf } from "./identity.ts";
import {
  type BaseJoinOptions,
  type CreateOptions,
  composeJoinSchema,
  type JoinOptions,
  type JoinOptionsSchema,
  type ParsedJoinOptions,
} from "./joinOptions.ts";
import {
  type CarriedSeat,
  parseSnapshot,
  RESTORE_OPTION,
  type RoomSnapshot,
  restoreSchema,
  SNAPSHOT_VERSION,
  SnapshotError,
  schemaFingerprint,
} from "./migration.ts";
import { socketsClosedForProtocolViolations } from "./protocolViolations.ts";
import type { WatchingLate } from "./recording.ts";
import { type MatchPlayer, playerIdOf, type Standings } from "./results.ts";
import { type RecordedMatch, RoomRecorder } from "./roomRecorder.ts";
import type { RoomServices } from "./services.ts";

/**
 * Messages per second one client of a room type that declares no limit may send: a
 * person acting (moves, lines of chat) never needs more; past it the client is closed
 * (4002). Real-time room types derive theirs from the tick rate (`RealtimeRoom`).
 */
export const DEFAULT_MESSAGES_PER_SECOND = 10;

/** A collection of player entities, keyed by session id (a `MapSchema`), with a `connected` flag each. */
export interface PlayerEntities<E extends { connected: boolean } = { connected: boolean }> {
  get(sessionId: string): E | undefined;
}

/** The state's fields that hold player entities. */
export type EntityKeys<S> = { [K in keyof S]: S[K] extends PlayerEntities ? K : never }[keyof S] & string;

/** A list the state holds (an `ArraySchema`): what a per-patch event field must be. */
interface EventList {
  readonly length: number;
  clear(): void;
}

/** The state's fields that may carry per-patch events. */
export type EventKeys<S> = { [K in keyof S]: S[K] extends EventList ? K : never }[keyof S] & string;

/** The state's fields that may hold a match's phase. */
export type PhaseKeys<S> = { [K in keyof S]: S[K] extends MatchPhase ? K : never }[keyof S] & string;

/** A match's phase, for room types that declare one: only a waiting match takes players. */
type MatchPhase = "waiting" | "playing" | "finished";

/** The entity type held under `K`. */
export type EntityOf<S, K extends keyof S> = S[K] extends PlayerEntities<infer E> ? E : never;

/** What a room type declares; `TickroomRoom` does the rest. See docs/rooms.md. */
export interface RoomDeclaration<
  S extends object,
  O extends JoinOptionsSchema | undefined,
  K extends EntityKeys<S>,
  P extends PhaseKeys<S> = never,
  V extends EventKeys<S> = never,
> {
  /** How people call it, in the lobby and `GET /room-types` ("Tic-tac-toe"). @default its registered name, capitalized */
  readonly title?: string;
  /** The state class (`@colyseus/schema` decorators); each room gets a fresh instance. @default no state */
  readonly state?: new () => S;
  /**
   * The room type's own join options, one zod object: validated in matchmaking before a
   * room exists (HTTP 400), then handed typed to `onCreate` and `onPlayerJoin`. Every room
   * type also accepts `name`, `private` and (with spectator slots) `spectator`.
   * @default none of its own
   */
  readonly joinOptions?: O;
  /** Player slots. */
  readonly maxPlayers: number;
  /** Spectator slots; 0 refuses spectators and drops the `spectator` option. @default 0 */
  readonly maxSpectators?: number;
  /** `create(type, { private: true })` makes a room reachable only by its join code. @default true */
  readonly privateRooms?: boolean;
  /**
   * Messages (and input frames) per second one client may send; one more closes it with
   * 4002 and no reconnection window. @default 10; real-time rooms: 5 x the tick rate
   */
  readonly maxMessagesPerSecond?: number;
  /**
   * The state field holding each seated player's entity, keyed by session id (`"players"`):
   * its `connected` flag follows the socket; real-time rooms rewind it for lag compensation.
   * @default none
   */
  readonly entities?: K;
  /**
   * The state field holding the match's phase (`"waiting" | "playing" | "finished"`): the
   * listing shows it as the status, and only a waiting match takes players (a started one
   * never seats a newcomer, even after a forfeit frees a slot). @default none: open or full
   */
  readonly phase?: P;
  /**
   * State lists (`ArraySchema`) of per-patch events, such as the arena's shots: the room
   * pushes what happened, each patch carries what was pushed since the previous one, and
   * the base empties the lists once it is sent. Events ride inside the patch (one frame
   * per client per patch, in order with the state they explain); clients read them with
   * `onPatchEvents` (client/events.ts). @default none
   */
  readonly events?: readonly V[];
  /**
   * Who placed where once a match is over (session id -> place, 1 = first, equal places
   * draw), else undefined: called after every message and tick in matches the ranked queue
   * made. The base reports it once per match, with who played and who left early (rated as
   * losses), to the server's results (rooms/base/results.ts); when it turns undefined again
   * (a rematch), a new match begins. @default unrated: no results
   */
  readonly result?: (state: S) => Standings | undefined;
  /** See `RecordingPolicy`. @default { matches: "ranked" } */
  readonly recording?: RecordingPolicy;
  /**
   * A live room of this type can move to another process (a deploy, a crash; docs/deploying.md):
   * its schema state, the base's bookkeeping and every seat travel, and what the room class
   * keeps besides the state travels through `packRoom()`/`unpackRoom()`. A room type that is
   * not movable is drained the old way: its match may finish until SHUTDOWN_TIMEOUT_SECONDS,
   * then its clients are closed with 4001. @default false
   */
  readonly movable?: boolean;
}

/**
 * Recording for replays and late spectators (docs/recording.md). Any room type with a state
 * and spectator slots lets its spectators watch late (`delaySeconds`), from a buffer of the
 * last two minutes.
 */
interface RecordingPolicy {
  /**
   * Which matches are kept for replays: `"ranked"` (those the queue made), `"all"` or
   * `"none"`; the server's `RECORD_MATCHES` may override it, and server code creating a room
   * may pass `record: true | false`. A match ends when `result` says so (or the room
   * closes); a rematch is a new recording. @default "ranked"
   */
  readonly matches?: "ranked" | "all" | "none";
  /** Spectators of a ranked match watch at least this late, whatever they ask: no one ghosts for a teammate. @default 0 */
  readonly rankedSpectatorDelaySeconds?: number;
}

/** The payload shape of each handler made by `accept()`: what the room catalog describes. */
const acceptedShapes = new WeakMap<object, z.ZodType>();

/** The payload shape a message handler validates with, if `accept()` made it. */
export function acceptedShapeOf(handler: unknown): z.ZodType | undefined {
  return typeof handler === "function" ? acceptedShapes.get(handler) : undefined;
}

/** What the base reads of any declaration, whatever its state type. */
export interface AnyDeclaration {
  readonly title?: string;
  readonly state?: new () => object;
  readonly joinOptions?: JoinOptionsSchema;
  readonly maxPlayers: number;
  readonly maxSpectators?: number;
  readonly privateRooms?: boolean;
  readonly maxMessagesPerSecond?: number;
  readonly entities?: string;
  readonly phase?: string;
  readonly events?: readonly string[];
  result?(state: object): Standings | undefined;
  readonly recording?: RecordingPolicy;
  readonly movable?: boolean;
}

/** A room type's class as registration sees it: the declaration and the schema it composes. */
export interface DeclaredRoomType {
  readonly declaration: AnyDeclaration;
  readonly joinSchema: z.ZodType<ParsedJoinOptions>;
}

/** The server's verdict on a client's options, before any room exists (static `onAuth`). */
function parseJoinOptions<T>(schema: z.ZodType<T>, options: unknown): T {
  const result = schema.safeParse(options ?? {});
  if (!result.success) {
    throw new ServerError(HttpStatus.INVALID_REQUEST, `invalid join options: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/**
 * Validate a client's join options and rewrite its options object in place to the parsed
 * form (defaults filled, unknown keys dropped). Colyseus hands this same object on to room
 * filtering (`filterBy`), `onCreate` and `onJoin` (MatchMaker `joinOrCreate`/`join`/`create`
 * in 0.18), so a client that omits `channel` is matched as channel "" instead of matching
 * every channel (test/in-process/chat.test.ts guards this), and a key a client may not send
 * (the queue's roster) can never reach a room from a client.
 */
// colyseus-internal: auth-options-identity
export function normalizeJoinOptions<T>(schema: z.ZodType<T>, options: unknown): T {
  const parsed = parseJoinOptions(schema, options);
  if (typeof options === "object" && options !== null && typeof parsed === "object" && parsed !== null) {
    const target = options as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, parsed);
  }
  return parsed;
}

/**
 * Server-only create option: who plays on which team (session id -> team, 1-based), as the
 * ranked queue decided. Clients can never send it (their options are rewritten to their
 * room type's schema in matchmaking); server code that passes a malformed one has a bug.
 */
const rosterSchema = z.record(z.string().min(1), z.number().int().min(1));

/**
 * Declare a room type: `class ChatRoom extends roomType({ state: ChatState, joinOptions,
 * maxPlayers: 200 }) { ... }`. The class gets the state instance, the slots, the limits and
 * typed options; it writes only its messages and its join and leave rules.
 */
export function roomType<
  S extends object,
  O extends JoinOptionsSchema | undefined = undefined,
  K extends EntityKeys<S> = never,
  P extends PhaseKeys<S> = never,
  V extends EventKeys<S> = never,
>(declaration: RoomDeclaration<S, O, K, P, V>) {
  const joinSchema = joinSchemaOf(declaration);
  abstract class DeclaredRoom extends TickroomRoom<{ state: S }, O> {
    static readonly declaration = declaration;
    static readonly joinSchema = joinSchema;
    constructor() {
      super(declaration, joinSchema);
    }
  }
  return DeclaredRoom;
}

/** Whether join options (as matchmaking normalized them) ask for a spectator seat. */
function wantsToSpectate(options: unknown): boolean {
  return typeof options === "object" && options !== null && (options as { spectator?: unknown }).spectator === true;
}

/** Composed once per declaration. */
const composedSchemas = new WeakMap<object, z.ZodType<ParsedJoinOptions>>();

export function joinSchemaOf(declaration: AnyDeclaration): z.ZodType<ParsedJoinOptions> {
  let schema = composedSchemas.get(declaration);
  if (schema === undefined) {
    schema = composeJoinSchema({
      own: declaration.joinOptions,
      spectators: (declaration.maxSpectators ?? 0) > 0,
      privateRooms: declaration.privateRooms ?? true,
    });
    composedSchemas.set(declaration, schema);
  }
  return schema;
}

/**
 * What every tickroom room shares: its server's services; typed, validated options;
 * players and spectators with their slots; the one display-name policy; listing metadata
 * kept current for filters and the lobby; private join codes; safe message limits; the
 * one error policy (malformed input -> close 4002, no seat kept; illegal action -> `error`
 * message; bug -> reported, room lives on); and the reconnection window on drops, with
 * each player entity's `connected` flag following its socket.
 *
 * Declare a room type with `roomType({...})` (or `realtimeRoomType` for a fixed step) and
 * register it with `define()` in server/app.config.ts.
 */
export abstract class TickroomRoom<T extends RoomOptions = RoomOptions, O extends JoinOptionsSchema | undefined = undefined> extends Room<
  T & { metadata: ListingMetadata }
> {
  /** The server's settings and seams; set for every room by its registration (server/roomTypes.ts). */
  protected services!: RoomServices;
  /** The seed of `random`. */
  protected readonly seed = randomInt(2 ** 31);
  #random: SeededRandom;
  /** Teams decided by the ranked queue (session id -> team), on rooms it created. */
  protected roster: Readonly<Record<string, number>> | undefined;
  /** Set on private rooms: the code friends join with (`POST /join-code/:code`). */
  protected joinCode: string | undefined;

  readonly #declaration: AnyDeclaration;
  readonly #joinSchema: z.ZodType<ParsedJoinOptions>;
  readonly #spectators = new Set<string>();
  /** Session ids of seated players. A set, not a counter: Colyseus also calls `onLeave` for a join it refused. */
  // colyseus-internal: refused-join-ondrop
  readonly #players = new Set<string>();
  /** Clients closed for malformed input: they lose their seat instead of getting a window. */
  readonly #closedForMalformedInput = new WeakSet<Client>();
  /** This match's players, from their join (ranked rooms only): who is recorded, and who left early. */
  readonly #matchPlayers = new Map<string, { readonly playerId: string; readonly name: string; readonly team: number }>();
  /** Matches played in this room so far (rematches): part of each match's id. */
  #round = 1;
  #matchStartedAt = Date.now();
  /** This round's result is reported: the next is a new match, once `result` says it is not over. */
  #reported = false;
  /** The server is shutting down: players leave because of it, not of their own accord. */
  #shuttingDown = false;
  /** What the listing shows now, to republish only on a change. */
  #listed: { status: string; open: boolean; players: number; spectators: number } | undefined;
  /** The patch tap: keeps this room's recording and feeds its late spectators (rooms with a state that record or seat spectators). */
  #recorder: RoomRecorder | undefined;
  /** This room keeps its matches' recordings. */
  #recordsMatches = false;
  /** The server-side options this room was created with: what a move recreates it from. */
  #createOptions: Record<string, unknown> = {};
  /** Frozen for a move: no step, no patch, no message acted on. */
  #frozen = false;
  /** Its clients are on their way to the room's new process: their leaving is nobody's forfeit. */
  #movingOut = false;
  /** Seats a move brought, until their clients return (session id -> seat). */
  readonly #carried = new Map<string, CarriedSeat>();
  /** Seats a move brought that `seatCarried()` has still to reserve. */
  #toReserve: readonly CarriedSeat[] = [];
  /** Late spectators and how late each watches: what a move carries to their new seat. */
  readonly #lateBy = new Map<string, number>();
  /** The state schema's fingerprint (`schemaFingerprint`), computed once. */
  #schema: string | undefined;
  #seatsVersion = 0;

  protected constructor(declaration: AnyDeclaration, joinSchema: z.ZodType<ParsedJoinOptions>) {
    super();
    this.#declaration = declaration;
    this.#joinSchema = joinSchema;
    this.#random = seededRandom(this.seed);
    if (declaration.state !== undefined) (this as { state: object }).state = new declaration.state();
    this.maxClients = declaration.maxPlayers + (declaration.maxSpectators ?? 0);
    this.maxMessagesPerSecond = declaration.maxMessagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
    this.#flushBeforeFullState();
    this.#reservePlayerSeatsOnly();
    this.#checkCarriedTokens();
  }

  /** This room's random source: seeded per room, so rules stay pure and a seed replays a match; a move carries where it was. */
  protected get random(): Random {
    return this.#random;
  }

  /**
   * Before a client's full state is encoded (on its join or its reconnection), send the
   * changes still pending to everyone else. With @colyseus/schema 5.0.34, an ArraySchema
   * push and removal pending while a full state is encoded are applied a second time by
   * the next patch on that client: a chat member joining as the history overflowed held
   * 101 lines, and a fresh room's board arrived with 10 cells. Found by the state-sync
   * properties (test/in-process/stateSync.test.ts); a patch sent early costs nothing else.
   */
  // colyseus-internal: full-state-flush
  #flushBeforeFullState(): void {
    const room = this as unknown as { sendFullState(client: Client): void };
    const sendFullState = room.sendFullState;
    room.sendFullState = (client: Client): void => {
      // A late spectator's full state is a keyframe from the buffer; a replay sends its own.
      if (this.#recorder?.isDelayed(client.sessionId) || this.sendOwnFullState(client)) return;
      // Colyseus marked it joined just before: the early patch must not reach it.
      const joined = client.state;
      client.state = ClientState.JOINING;
      try {
        this.broadcastPatch();
      } finally {
        client.state = joined;
      }
      sendFullState.call(this, client);
    };
  }

  /** Send the state's changes, then empty the declared event lists: each patch carries the events since the last. */
  override broadcastPatch(): boolean {
    // Frozen for a move: what changes now would never reach the room's new process.
    if (this.#frozen) return false;
    const sent = super.broadcastPatch();
    const events = this.#declaration.events;
    if (events !== undefined) {
      const state = this.state as unknown as Record<string, EventList>;
      for (const key of events) {
        const list = state[key];
        if (list !== undefined && list.length > 0) list.clear();
      }
    }
    return sent;
  }

  /** For a room that sends a client's full state itself (the replay room): true when it did. */
  protected sendOwnFullState(_client: Client): boolean {
    return false;
  }

  /** Player slots. */
  protected get maxPlayers(): number {
    return this.#declaration.maxPlayers;
  }

  /** Called with the room's create options, validated and typed, once the base has set the room up. */
  override onCreate(_options: CreateOptions<O>): void | Promise<void> {}

  /** Seat a player: add its entity to the state. Runs after the slot checks, with its options typed and its name decided. */
  protected abstract onPlayerJoin(client: Client, options: JoinOptions<O>): void | Promise<void>;
  /** A player left for good (after any reconnection window). */
  protected abstract onPlayerLeave(client: Client, code?: number): void | Promise<void>;

  /** Whether the game still takes new players. @default only while waiting with a declared `phase`; else always */
  protected acceptsPlayers(): boolean {
    const phase = this.#phase();
    return phase === undefined || phase === "waiting";
  }

  /** The status word shown in listings. @default the declared `phase`; else "open" or "full" */
  protected listingStatus(): string {
    return this.#phase() ?? (this.#players.size < this.maxPlayers ? "open" : "full");
  }

  #phase(): string | undefined {
    const field = this.#declaration.phase;
    return field === undefined ? undefined : (this.state as Record<string, string>)[field];
  }

  protected isSpectator(client: Client): boolean {
    return this.#spectators.has(client.sessionId);
  }

  /** The team the ranked queue put this player on, if it made this match. */
  protected teamOf(client: Client): number | undefined {
    return this.roster?.[client.sessionId];
  }

  /** Tell one client its well-formed action was refused; state stays as it was. */
  protected refuse(client: Client, error: RoomError): void {
    this.services.observer.rejected(this.roomName, error.code);
    client.send("error", error);
  }

  /**
   * Declare a message handler that validates its payload first. A payload that fails
   * `shape` closes the sender with 4002 and no reconnection window; a spectator is refused
   * (`SPECTATOR_READ_ONLY`). A handler that returns a refused `RuleResult` has it sent to
   * the client as an `error` message. The listing is brought up to date afterwards.
   * (Colyseus's own `validate()` closes with the same code but leaves no trace `onDrop`
   * could tell apart from Colyseus closing a stale socket during a reconnection, which
   * also uses 4002.) The same check applies to `room.request()`, which Colyseus would
   * answer with an error reply instead of closing.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler either returns a rule's verdict or nothing at all
  protected accept<Shape extends z.ZodType>(shape: Shape, handler: (client: Client, message: z.output<Shape>) => RuleResult | void) {
    // Typed as the shape's input so typed SDK clients get checked `send()` payloads;
    // at run time the payload is whatever arrived, hence the parse.
    const accepting = (client: Client, payload: z.input<Shape>): void => {
      // Frozen for a move: the snapshot is taken; an action now would be lost on the way.
      if (this.#frozen) {
        this.refuse(client, { code: ErrorCode.ROOM_MOVING, message: "the room is moving to another server: send it again once reconnected" });
        return;
      }
      const parsed = shape.safeParse(payload);
      if (!parsed.success) {
        this.closeForMalformedInput(client, "invalid_payload", `invalid payload: ${parsed.error.issues[0]?.message ?? "wrong shape"}`);
        return;
      }
      if (this.refuseSpectator(client)) return;
      const result = handler(client, parsed.data);
      if (result !== undefined && !result.ok) this.refuse(client, result.error);
      this.refreshListing();
    };
    acceptedShapes.set(accepting, shape);
    return accepting;
  }

  /** `category` is the metrics label (a closed set); `reason` goes to the client in the close frame. */
  protected closeForMalformedInput(client: Client, category: "invalid_payload" | "unknown_type" | "undecodable_input", reason: string): void {
    this.services.observer.rejected(this.roomName, category);
    this.#closedForMalformedInput.add(client);
    // A close frame's reason holds at most 123 bytes.
    // colyseus-internal: close-code-4002
    client.leave(CloseCode.WITH_ERROR, reason.slice(0, 100));
  }

  /**
   * Run by the server's registration around the room type's own `onCreate`: refuses the
   * room past the process's limit, validates and types the options, reads the queue's
   * roster, installs the unknown-type catch-all, makes the room private with a join code
   * when asked, and publishes its listing; then `onCreate(options)`, then `onStarted()`.
   */
  protected async createWith(raw: unknown, create: (options: CreateOptions<O>) => void | Promise<void>): Promise<void> {
    const { maxRoomsPerProcess } = this.services.settings;
    // Counted before this room is: refuse the one past the limit.
    // colyseus-internal: room-count-before-create
    if (matchMaker.stats.local.roomCount >= maxRoomsPerProcess) {
      throw new ServerError(HttpStatus.UNAVAILABLE, `this server hosts its maximum of ${maxRoomsPerProcess} rooms`);
    }
    // A room moving in from another process (server/migration.ts) is recreated from the
    // options it was first created with, then given its snapshot.
    // colyseus-internal: auth-options-identity
    const restoring = (raw as Record<string, unknown> | undefined)?.[RESTORE_OPTION];
    const snapshot = restoring === undefined ? undefined : parseSnapshot(restoring);
    if (snapshot !== undefined && (snapshot.roomType !== this.roomName || snapshot.roomId !== this.roomId)) {
      throw new SnapshotError(`a snapshot of ${snapshot.roomType}/${snapshot.roomId} cannot become ${this.roomName}/${this.roomId}`);
    }
    const created = snapshot?.createOptions ?? { ...(raw as Record<string, unknown> | undefined) };
    this.#createOptions = created;
    const options = parseJoinOptions(this.#joinSchema, created);
    const roster = created.roster;
    // colyseus-internal: auth-options-identity
    this.roster = roster === undefined ? undefined : rosterSchema.parse(roster);
    this.onMessage("*", (client: Client, type: string | number) => {
      this.closeForMalformedInput(client, "unknown_type", `unknown message type "${String(type).slice(0, 40)}"`);
    });
    if (snapshot !== undefined ? snapshot.base.private : options.private) {
      // A moved room keeps its code: friends who have it still find it.
      this.joinCode = snapshot !== undefined ? snapshot.base.joinCode : await this.#uniqueJoinCode();
      await this.setPrivate(true);
    }
    await this.updateListing();
    await create(options as unknown as CreateOptions<O>);
    if (snapshot !== undefined) this.#restore(snapshot);
    this.#startRecorder(created, snapshot !== undefined);
    this.onStarted();
    this.refreshListing();
  }

  /**
   * Bumped whenever a seat or its reconnection token changes (a join, a reconnection, a
   * return after a move, a leave): a checkpoint older than that would carry a token its
   * client no longer has, so the server checkpoints such a room again at once.
   */
  get seatsVersion(): number {
    return this.#seatsVersion;
  }

  /** Whether a live room of this type can move to another process (its declaration's `movable`). */
  get movable(): boolean {
    return this.#declaration.movable === true;
  }

  /**
   * What the room class keeps besides its schema state that must travel with a move (JSON):
   * cooldowns, private per-player records. Rooms whose state is everything need not override
   * it. @default nothing
   */
  protected packRoom(): unknown {
    return undefined;
  }

  /** The room class's private state after a move, as `packRoom()` gave it: called once the schema state is restored, before any client returns. */
  protected unpackRoom(_packed: unknown): void {}

  /** A player or spectator back in its seat after a move: restore what lives on its connection (its `StateView`). @default nothing */
  protected onSeatReturned(_client: Client): void {}

  /** The state schema's fingerprint: a snapshot is restored only into the same schema. */
  #schemaFingerprint(): string {
    // colyseus-internal: recording-tap
    this.#schema ??= schemaFingerprint((this as unknown as { _serializer?: { handshake?(): Uint8Array } })._serializer?.handshake?.());
    return this.#schema;
  }

  /**
   * This room as it stands, for a move or a checkpoint (rooms/base/migration.ts): call it
   * between ticks (any synchronous moment). Every seat goes with it: connected clients and
   * those in their reconnection window with the token they will present, seats matchmaking
   * reserved with the time they have left.
   */
  snapshot(): RoomSnapshot {
    if (!this.movable) throw new SnapshotError(`${this.roomName} is not movable`);
    const seats = new Map<string, CarriedSeat>();
    for (const client of this.clients) {
      if (!this.#players.has(client.sessionId) && !this.#spectators.has(client.sessionId)) continue;
      seats.set(client.sessionId, this.#seatOf(client.sessionId, client.reconnectionToken, client.auth));
    }
    // colyseus-internal: carried-seats
    const internals = this as unknown as {
      _reconnections: Record<string, [string, unknown]>;
      _reservedSeats: Record<string, [unknown, unknown, boolean, boolean]>;
    };
    for (const [token, [sessionId]] of Object.entries(internals._reconnections)) {
      if (seats.has(sessionId) || (!this.#players.has(sessionId) && !this.#spectators.has(sessionId))) continue;
      const carried = this.#carried.get(sessionId);
      seats.set(sessionId, this.#seatOf(sessionId, token, carried?.auth ?? internals._reservedSeats[sessionId]?.[1]));
    }
    for (const [sessionId, [joinOptions, auth, consumed, reconnecting]] of Object.entries(internals._reservedSeats)) {
      if (seats.has(sessionId) || consumed || reconnecting || this.#carried.has(sessionId)) continue;
      seats.set(sessionId, {
        sessionId,
        spectator: wantsToSpectate(joinOptions),
        ...(auth !== undefined ? { auth } : {}),
        pending: { joinOptions: joinOptions ?? {}, msLeft: this.seatReservationTimeout * 1000 },
      });
    }
    const state = this.#declaration.state === undefined ? undefined : (this.state as { toJSON(): unknown }).toJSON();
    const own = this.packRoom();
    return {
      version: SNAPSHOT_VERSION,
      roomType: this.roomName,
      roomId: this.roomId,
      takenAt: Date.now(),
      schema: this.#schemaFingerprint(),
      createOptions: this.#createOptions,
      ...(state !== undefined ? { state } : {}),
      base: {
        ...(this.joinCode !== undefined ? { joinCode: this.joinCode } : {}),
        // colyseus-internal: carried-seats
        private: (this as unknown as { _listing: { private?: boolean } })._listing.private === true,
        random: this.#random.position,
        round: this.#round,
        matchStartedAt: this.#matchStartedAt,
        reported: this.#reported,
        elapsedMs: this.clock.elapsedTime,
        matchPlayers: [...this.#matchPlayers],
      },
      seats: [...seats.values()],
      ...(own !== undefined ? { own } : {}),
    };
  }

  #seatOf(sessionId: string, token: string | undefined, auth: unknown): CarriedSeat {
    const spectator = this.#spectators.has(sessionId);
    const late = this.#lateBy.get(sessionId);
    return {
      sessionId,
      spectator,
      ...(token !== undefined ? { token } : {}),
      ...(auth !== undefined ? { auth } : {}),
      ...(late !== undefined ? { delaySeconds: late } : {}),
    };
  }

  /** Put a snapshot's state, bookkeeping and seats into this fresh room (from `createWith`); throws `SnapshotError` and the room is refused whole. */
  #restore(snapshot: RoomSnapshot): void {
    if (snapshot.schema !== this.#schemaFingerprint()) {
      throw new SnapshotError(`${this.roomName}/${this.roomId}: the snapshot is of another version of the state schema`);
    }
    if (this.#declaration.state !== undefined) restoreSchema(this.state as object, snapshot.state);
    const { base } = snapshot;
    this.#random = seededRandom(base.random);
    this.#round = base.round;
    this.#matchStartedAt = base.matchStartedAt;
    this.#reported = base.reported;
    this.clock.elapsedTime = base.elapsedMs;
    for (const [sessionId, player] of base.matchPlayers) this.#matchPlayers.set(sessionId, player);
    for (const seat of snapshot.seats) {
      if (seat.token === undefined) continue;
      this.#carried.set(seat.sessionId, seat);
      (seat.spectator ? this.#spectators : this.#players).add(seat.sessionId);
    }
    this.#toReserve = snapshot.seats;
    this.unpackRoom(snapshot.own);
    // Away until they return: their entities say so.
    for (const sessionId of this.#players) this.#markConnected({ sessionId } as Client, false);
  }

  /**
   * After a moved room is created: reserve every carried seat (a returning client for the
   * reconnection window, matchmaking's pending ones for the time they had left), and give
   * a clean leave to every player the state holds whose seat did not travel.
   */
  async seatCarried(): Promise<void> {
    const seats = this.#toReserve;
    this.#toReserve = [];
    // colyseus-internal: carried-seats
    const reserve = (this as unknown as { _reserveSeat(...args: unknown[]): Promise<boolean> })._reserveSeat.bind(this);
    const windowSeconds = this.services.settings.reconnectionSeconds;
    for (const seat of seats) {
      if (seat.token !== undefined) await reserve(seat.sessionId, { spectator: seat.spectator }, seat.auth, windowSeconds, false, seat.token);
      else if (seat.pending !== undefined) await reserve(seat.sessionId, seat.pending.joinOptions, seat.auth, Math.max(1, seat.pending.msLeft / 1000));
    }
    const field = this.#declaration.entities;
    const entities = field === undefined ? undefined : (this.state as unknown as Record<string, { keys(): Iterable<string> }>)[field];
    for (const sessionId of [...(entities?.keys() ?? [])]) {
      if (!this.#carried.has(sessionId) && !seats.some((seat) => seat.sessionId === sessionId)) {
        this.#players.add(sessionId);
        await this.onLeave({ sessionId } as Client, CloseCode.FAILED_TO_RECONNECT);
      }
    }
    await this.updateListing();
  }

  /** Stop acting for a move: no step, no patch, no message, from the snapshot on. */
  freeze(): void {
    this.#frozen = true;
  }

  /** The move did not happen: carry on here. */
  thaw(): void {
    this.#frozen = false;
  }

  /** Whether the room is frozen for a move: a real-time room does not step. */
  protected get frozen(): boolean {
    return this.#frozen;
  }

  /**
   * The room now lives on another process: close every client with 4010 (the SDK reconnects,
   * and the router sends it to the new process) and dispose of this copy. Nobody's leaving
   * counts (no forfeit, no result); what was recorded is kept.
   */
  async moveOut(): Promise<void> {
    this.#movingOut = true;
    await this.disconnect(CloseCode.MAY_TRY_RECONNECT);
  }

  /**
   * A carried seat is taken only with the reconnection token its client had: session ids are
   * in the state for anyone to read, and Colyseus gives a reserved seat to whoever names it.
   * And a frozen room takes nobody.
   */
  // colyseus-internal: carried-seats
  #checkCarriedTokens(): void {
    type Join = (client: Client, authContext: unknown, connection?: { reconnectionToken?: string | null }) => Promise<void>;
    const room = this as unknown as { _onJoin: Join };
    const join = room._onJoin;
    room._onJoin = async (client, authContext, connection) => {
      if (this.#frozen) {
        // Moving: a client reconnecting now would get a new token the snapshot does not
        // carry. 4010 sends its SDK to retry, by then to the room's new process.
        // colyseus-internal: client-socket-ref
        (client.ref as unknown as { close(code: number): void }).close(CloseCode.MAY_TRY_RECONNECT);
        throw new ServerError(CloseCode.MAY_TRY_RECONNECT, "the room is moving to another process");
      }
      const carried = this.#carried.get(client.sessionId);
      if (carried !== undefined && connection?.reconnectionToken !== carried.token) {
        throw new ServerError(CloseCode.FAILED_TO_RECONNECT, "bad reconnection token");
      }
      await join.call(this, client, authContext, connection);
      // Claimed: Colyseus keeps a carried token in `_reconnections` until the seat's timeout,
      // which a taken seat never reaches; left there, the next snapshot would carry it
      // instead of the client's new one, and it would still open the seat after a drop.
      // colyseus-internal: carried-seats
      if (carried?.token !== undefined) delete (this as unknown as { _reconnections: Record<string, unknown> })._reconnections[carried.token];
    };
  }

  /**
   * Tap the patches when this room keeps its matches' recordings (its policy, the server's
   * `RECORD_MATCHES`, or `record` from server code creating it) or seats spectators, who
   * may watch late.
   */
  #startRecorder(raw: unknown, moved: boolean): void {
    const declaration = this.#declaration;
    const settings = this.services.settings.recording;
    const policy = settings.matches === "declared" ? (declaration.recording?.matches ?? "ranked") : settings.matches;
    // Server-only, like the roster: clients' options are rewritten to their room type's schema in matchmaking.
    // colyseus-internal: auth-options-identity
    const asked = (raw as { record?: unknown } | undefined)?.record;
    this.#recordsMatches = typeof asked === "boolean" ? asked : policy === "all" || (policy === "ranked" && this.roster !== undefined);
    if (declaration.state === undefined || (!this.#recordsMatches && (declaration.maxSpectators ?? 0) === 0)) return;
    // colyseus-internal: recording-tap
    this.#recorder = new RoomRecorder((this as unknown as { _serializer: unknown })._serializer, {
      keyframeMs: settings.keyframeSeconds * 1000,
      maxDelayMs: MAX_SPECTATOR_DELAY_SECONDS * 1000,
      now: () => this.clock.currentTime,
    });
    // A match that moved in was recorded up to the move by its old process; the next one is recorded here.
    if (this.#recordsMatches && !moved) this.#recorder.startRecording();
  }

  /** Hand a finished recording to the server's recordings (written off the tick). */
  #keepRecording(matchId: string, match: RecordedMatch | undefined): void {
    const recorder = this.#recorder;
    if (recorder === undefined || match === undefined) return;
    const { observer, recordings } = this.services;
    const roomType = this.roomName;
    recordings
      .save({
        header: {
          matchId,
          roomType,
          roomId: this.roomId,
          startedAt: match.startedAt,
          durationMs: match.durationMs,
          handshake: Buffer.from(recorder.handshake()).toString("base64"),
        },
        frames: match.frames,
      })
      .then(
        (bytes) => observer.recording(roomType, "saved", bytes),
        (error: unknown) => {
          // The match is over or goes on either way: a recording lost is counted, never thrown at it.
          observer.recording(roomType, "failed", 0);
          logger.warn(`[tickroom] recording ${matchId} was not kept: ${(error as Error).message}`);
        },
      );
  }

  /** The current match's id: what its result and its recording are kept under. */
  #matchId(): string {
    return `${this.roomId}:${this.#round}`;
  }

  /** After the room type's `onCreate`: where a real-time room starts its fixed step. */
  protected onStarted(): void {}

  /** Codes are looked up through the matchmaker (`query({ code })`), so they work across processes. */
  async #uniqueJoinCode(): Promise<string> {
    for (;;) {
      const code = generateJoinCode(() => randomInt(2 ** 31) / 2 ** 31);
      if ((await matchMaker.query({ code })).length === 0) return code;
    }
  }

  /**
   * Publish what listings and the lobby show. The base calls it after joins, leaves,
   * handlers and steps; call it yourself only after a change made elsewhere (a clock
   * callback that ends a game).
   */
  // colyseus-internal: listing-metadata-filters
  protected async updateListing(): Promise<void> {
    const listed = {
      status: this.listingStatus(),
      open: this.acceptsPlayers() && this.#playerSeatsTaken() < this.maxPlayers,
      players: this.#players.size,
      spectators: this.#spectators.size,
    };
    this.#listed = listed;
    const metadata: ListingMetadata = {
      ...this.metadata,
      type: this.roomName,
      ...listed,
      maxPlayers: this.maxPlayers,
      ...(this.joinCode !== undefined ? { code: this.joinCode } : {}),
    };
    await this.setMetadata(metadata as never);
  }

  /**
   * Report the match's result once it is over (ranked rooms of a room type that declares
   * `result`); a result that turns undefined again starts the next match (a rematch).
   */
  #watchResult(): void {
    const result = this.#declaration.result;
    // A server shutting down disconnects everyone: the forfeits that follow are no result.
    if (result === undefined || (this.roster === undefined && !this.#recordsMatches) || this.#shuttingDown || this.#movingOut) return;
    const standings = result(this.state);
    if (standings === undefined) {
      if (this.#reported) {
        // A rematch: a new match, among those still here.
        this.#reported = false;
        this.#round++;
        this.#matchStartedAt = Date.now();
        for (const sessionId of this.#matchPlayers.keys()) if (!this.#players.has(sessionId)) this.#matchPlayers.delete(sessionId);
        if (this.#recordsMatches) this.#recorder?.startRecording();
      }
      return;
    }
    if (this.#reported) return;
    this.#reported = true;
    // The patch that shows the end is sent after this: the recording ends with it.
    if (this.#recordsMatches) {
      const matchId = this.#matchId();
      this.#recorder?.finishAfterNextPatch((match) => this.#keepRecording(matchId, match));
    }
    if (this.roster === undefined) return;
    const stayed = Object.values(standings);
    const last = (stayed.length === 0 ? 0 : Math.max(...stayed)) + 1;
    const players: MatchPlayer[] = [];
    for (const [sessionId, player] of this.#matchPlayers) {
      const place = standings[sessionId];
      players.push({ ...player, place: place ?? last, forfeited: place === undefined });
    }
    this.services.results.report({
      matchId: this.#matchId(),
      game: this.roomName,
      ranked: true,
      startedAt: this.#matchStartedAt,
      endedAt: Date.now(),
      players,
    });
  }

  /**
   * Player slots taken: players seated, and seats reserved by matchmaking for players who
   * have not joined yet. Colyseus counts its seats against `maxClients`, which includes the
   * spectator slots, so by itself it would reserve more player seats than there are: two
   * players matched at once to the last free slot, one refused in `onJoin` (409, a failed
   * join) instead of matchmaking placing it elsewhere.
   */
  // colyseus-internal: player-seat-reservation
  #playerSeatsTaken(): number {
    let reserved = 0;
    const seats = (this as unknown as { _reservedSeats: Record<string, [unknown, ...unknown[]]> })._reservedSeats;
    for (const sessionId in seats) {
      if (!this.#players.has(sessionId) && !this.#spectators.has(sessionId) && !wantsToSpectate(seats[sessionId]![0])) reserved++;
    }
    return this.#players.size + reserved;
  }

  /**
   * Matchmaking reserves a seat: a player's only while a player slot is free (else
   * Colyseus's matchmaker tries another room, or creates one), and the listing says at once
   * when the last one goes, so the next search does not pick this room again.
   */
  // colyseus-internal: player-seat-reservation
  #reservePlayerSeatsOnly(): void {
    type Reserve = (sessionId: string, joinOptions?: unknown, ...rest: unknown[]) => Promise<boolean>;
    const room = this as unknown as { _reserveSeat: Reserve };
    const reserve = room._reserveSeat;
    room._reserveSeat = async (sessionId, joinOptions, ...rest) => {
      // (authData, seconds, allowReconnection, reconnectionToken): a seat held for a
      // reconnection, or carried by a move, is not a new player.
      const player = rest[2] !== true && typeof rest[3] !== "string" && !wantsToSpectate(joinOptions);
      if (player && (!this.acceptsPlayers() || this.#playerSeatsTaken() >= this.maxPlayers)) return false;
      const reserved = await reserve.call(this, sessionId, joinOptions, ...rest);
      if (reserved && player) {
        if (this.#playerSeatsTaken() >= this.maxPlayers) await this.updateListing();
        // A reservation nobody takes expires inside Colyseus with no hook to the room: look
        // again just after, so a turn-based room (no tick refreshes it) is listed open again.
        const seconds = typeof rest[1] === "number" ? rest[1] : this.seatReservationTimeout;
        this.clock.setTimeout(() => this.refreshListing(), seconds * 1000 + 100);
      }
      return reserved;
    };
  }

  /** Republish the listing if what it shows changed (cheap enough to call every tick). */
  protected refreshListing(): void {
    this.#watchResult();
    const recorder = this.#recorder;
    if (recorder?.recording === true && recorder.recordedMs > this.services.settings.recording.maxMinutes * 60_000) {
      // Long enough: kept as it is, and this room records no more.
      this.#keepRecording(this.#matchId(), recorder.finishRecording());
      this.#recordsMatches = false;
    }
    const listed = this.#listed;
    if (
      listed === undefined ||
      listed.status !== this.listingStatus() ||
      listed.players !== this.#players.size ||
      listed.spectators !== this.#spectators.size ||
      listed.open !== (this.acceptsPlayers() && this.#playerSeatsTaken() < this.maxPlayers)
    ) {
      this.updateListing().catch((error: unknown) => this.onUncaughtException(error as RoomException, "setMetadata" as RoomMethodName));
    }
  }

  /**
   * Seats a spectator (read-only, no player slot) or a player (through `onPlayerJoin`,
   * with its display name decided), refusing with 409 when the slots are gone. Private
   * rooms tell every joiner the code.
   */
  override async onJoin(client: Client, raw?: unknown): Promise<void> {
    const carried = this.#carried.get(client.sessionId);
    if (carried !== undefined) {
      this.#carried.delete(client.sessionId);
      await this.#seatReturned(client, carried);
      return;
    }
    this.#seatsVersion++;
    const parsed = parseJoinOptions(this.#joinSchema, raw);
    const maxSpectators = this.#declaration.maxSpectators ?? 0;
    if (parsed.spectator) {
      if (this.#spectators.size >= maxSpectators) {
        throw new ServerError(HttpStatus.ROOM_FULL, maxSpectators === 0 ? "this room takes no spectators" : "no spectator slot left");
      }
      this.#watchLate(client, parsed.delaySeconds ?? 0);
      this.#spectators.add(client.sessionId);
    } else {
      if (this.#players.size >= this.maxPlayers || !this.acceptsPlayers()) {
        throw new ServerError(HttpStatus.ROOM_FULL, "no player slot left in this room");
      }
      // A seat reserved before its session was signed out (a logout in the 15 s a reservation lives) is not taken.
      const identity = identityOf(client.auth);
      if (identity?.sid !== undefined && !(await this.services.sessions.stillSignedIn(identity))) {
        throw new ServerError(HttpStatus.UNAUTHENTICATED, "signed out: sign in again");
      }
      this.#players.add(client.sessionId);
      const options: BaseJoinOptions = { ...parsed, name: displayNameOf(client.auth, parsed.name, client.sessionId) };
      try {
        await this.onPlayerJoin(client, options as unknown as JoinOptions<O>);
      } catch (error) {
        this.#players.delete(client.sessionId);
        // Its reserved seat goes with the refusal: list the slot as free again once it has.
        this.clock.setTimeout(() => this.refreshListing(), 0);
        throw error;
      }
      if (this.roster !== undefined) {
        this.#matchPlayers.set(client.sessionId, {
          playerId: playerIdOf(identityOf(client.auth)?.id, client.sessionId),
          name: options.name,
          // The queue's team; a player it did not place (none should be) plays alone.
          team: this.teamOf(client) ?? this.#matchPlayers.size + 1,
        });
      }
    }
    this.#recorder?.mark({
      event: "join",
      sessionId: client.sessionId,
      spectator: parsed.spectator,
      ...(parsed.spectator ? {} : { name: displayNameOf(client.auth, parsed.name, client.sessionId) }),
    });
    // A match the ranked queue made is full by its roster: its code invites no one, so no page offers it.
    if (this.joinCode !== undefined && this.roster === undefined) client.send("joinCode", { code: this.joinCode });
    await this.updateListing();
  }

  /** A client back in the seat a move carried: its entity is connected again, a late spectator is late again. */
  async #seatReturned(client: Client, seat: CarriedSeat): Promise<void> {
    this.#seatsVersion++;
    if (seat.delaySeconds !== undefined && seat.delaySeconds > 0) this.#watchLate(client, seat.delaySeconds);
    this.#markConnected(client, true);
    this.onSeatReturned(client);
    this.services.observer.reconnected(this.roomName);
    // Counted as seated since the room was restored: the listing changes only if what it shows did.
    this.refreshListing();
  }

  override async onLeave(client: Client, code?: number): Promise<void> {
    // Moving out: the client leaves this copy for the room's new process.
    if (this.#movingOut) return;
    this.#seatsVersion++;
    this.#carried.delete(client.sessionId);
    this.#lateBy.delete(client.sessionId);
    const spectator = this.#spectators.has(client.sessionId);
    if (spectator || this.#players.has(client.sessionId)) this.#recorder?.mark({ event: "leave", sessionId: client.sessionId, spectator });
    this.#recorder?.forget(client.sessionId);
    if (this.#spectators.delete(client.sessionId)) {
      await this.updateListing();
      return;
    }
    // A refused join reaches here too, for a client that was never seated.
    if (!this.#players.delete(client.sessionId)) return;
    await this.onPlayerLeave(client, code);
    // A leaver may end the match (a forfeit): the result goes out now, not at the next message.
    this.#watchResult();
    await this.updateListing();
  }

  /**
   * A spectator asking to watch late (or of a ranked match whose room type sets a least
   * delay) gets the state from the recorder's buffer, that many seconds after it happened,
   * and never a live patch.
   */
  #watchLate(client: Client, askedSeconds: number): void {
    const least = this.roster !== undefined ? (this.#declaration.recording?.rankedSpectatorDelaySeconds ?? 0) : 0;
    const seconds = Math.max(askedSeconds, least);
    if (seconds === 0) return;
    if (this.#recorder === undefined) throw new ServerError(HttpStatus.INVALID_REQUEST, "this room cannot be watched late");
    this.#recorder.delay(client, seconds * 1000);
    this.#lateBy.set(client.sessionId, seconds);
    // It may watch later than it asked (a ranked match's least delay): the page says how late.
    client.send("delay", { delaySeconds: seconds } satisfies WatchingLate);
  }

  /** Keep what is recorded of an unfinished match when the room closes (everyone left, or a deploy). */
  override onDispose(): void | Promise<void> {
    const recorder = this.#recorder;
    if (recorder?.recording === true) this.#keepRecording(this.#matchId(), recorder.finishRecording());
  }

  /** For handlers: spectators act on nothing; they get `SPECTATOR_READ_ONLY`. */
  protected refuseSpectator(client: Client): boolean {
    if (!this.isSpectator(client)) return false;
    this.refuse(client, { code: ErrorCode.SPECTATOR_READ_ONLY, message: "spectators cannot act" });
    return true;
  }

  /** Keep the player's entity's `connected` flag in step with its socket. */
  #markConnected(client: Client, connected: boolean): void {
    const field = this.#declaration.entities;
    if (field === undefined) return;
    const entity = (this.state as Record<string, PlayerEntities>)[field]?.get(client.sessionId);
    if (entity !== undefined) entity.connected = connected;
  }

  /**
   * Abnormal close (network drop, killed socket): hold the seat for the window so the
   * SDK's automatic reconnection brings the same session back. When the window passes,
   * Colyseus calls `onLeave`, where the room removes the player for good.
   *
   * A client closed for breaking the rules of the wire gets no window, whatever close code
   * its socket reports: malformed payloads and unknown types (marked by this room), a
   * flood past `maxMessagesPerSecond` (Colyseus's own per-client counter), an oversized
   * frame (recorded by the transport). Colyseus sends 4002 both for those and for a stale
   * socket replaced by a reconnection, so the code alone cannot decide.
   */
  override onDrop(client: Client): void {
    if (this.#movingOut) return;
    // colyseus-internal: refused-join-ondrop
    // Colyseus calls onDrop for a join it refused too (no slot, bad options): no seat to hold.
    if (!this.#players.has(client.sessionId) && !this.#spectators.has(client.sessionId)) return;
    if (this.#closedForMalformedInput.has(client)) return;
    // colyseus-internal: client-message-counter
    if (((client as Client & ClientPrivate)._numMessagesLastSecond ?? 0) > this.maxMessagesPerSecond) {
      this.services.observer.rejected(this.roomName, "flood");
      return;
    }
    // colyseus-internal: client-socket-ref
    if (socketsClosedForProtocolViolations.has(client.ref)) return;
    this.services.observer.dropped(this.roomName);
    // Its seat is now held by its token in the reconnection window: what a checkpoint carries changes.
    this.#seatsVersion++;
    this.#markConnected(client, false);
    // A client that never finished joining cannot reconnect; Colyseus rejects at once.
    this.allowReconnection(client, this.services.settings.reconnectionSeconds).catch(() => undefined);
  }

  /** A dropped client is back in its seat. */
  /**
   * The server is shutting down (SIGTERM, a deploy): Colyseus disconnects every client
   * next. A ranked match cut short this way is not reported (its players left no match of
   * their own accord: rating a forfeit for both would punish them for a deploy).
   */
  override onBeforeShutdown(): void {
    const graceMs = this.services.settings.shutdownGraceMs;
    if (graceMs > 0 && this.#phase() === "playing") {
      // In a cluster, a match that could not move may finish (and be rated) before the
      // process goes: it closes when it is over, or at the deadline.
      const closeWhenOver = this.clock.setInterval(() => {
        if (this.#phase() === "playing") return;
        closeWhenOver.clear();
        // The last moves reach everyone before the sockets close.
        this.broadcastPatch();
        this.disconnect(CloseCode.SERVER_SHUTDOWN).catch(() => undefined);
      }, 100);
      this.clock.setTimeout(() => {
        this.#shuttingDown = true;
        super.onBeforeShutdown();
      }, graceMs);
      return;
    }
    this.#shuttingDown = true;
    super.onBeforeShutdown();
  }

  override onReconnect(client: Client): void {
    this.#seatsVersion++;
    this.#markConnected(client, true);
    this.#recorder?.restartDelayed(client);
    this.services.observer.reconnected(this.roomName);
    // A session signed out while its player was away does not get its seat back.
    const identity = identityOf(client.auth);
    if (identity?.sid === undefined) return;
    void this.services.sessions.stillSignedIn(identity).then((signedIn) => {
      if (signedIn) return;
      // colyseus-internal: client-socket-ref
      socketsClosedForProtocolViolations.add(client.ref);
      client.leave(CloseCode.SIGNED_OUT, "signed out");
    });
  }

  /**
   * Catches exceptions from handlers, the step, clock callbacks and lifecycle methods
   * (Colyseus wraps them all once this method exists), so one bug costs one action,
   * not the room or the process.
   */
  // colyseus-internal: uncaught-exception-wrapping
  override onUncaughtException(error: RoomException, method: RoomMethodName): void {
    // A join or a room refused on purpose (no slot, server full, bad options) is an
    // answer to the client, not a bug: rooms throw ServerError only deliberately.
    // A snapshot refused on a move is logged by the process that tried to restore it.
    if ((method === "onJoin" || method === "onCreate") && (error.cause instanceof ServerError || error.cause instanceof SnapshotError)) return;
    const sessionId = "client" in error && error.client ? ` session=${error.client.sessionId}` : "";
    logger.error(`[tickroom] uncaught exception room=${this.roomName}/${this.roomId} method=${method}${sessionId}:`, error.cause ?? error);
  }
}
