import { randomInt } from "node:crypto";
import {
  type Client,
  type ClientPrivate,
  logger,
  matchMaker,
  Room,
  type RoomException,
  type RoomMethodName,
  type RoomOptions,
  ServerError,
} from "@colyseus/core";
import { z } from "zod";
import { CloseCode, ErrorCode, type RoomError } from "./errors.ts";
import { generateJoinCode } from "./joinCodes.ts";
import { type RoomObserver, readObserver, silentObserver } from "./observer.ts";
import { socketsClosedForProtocolViolations } from "./protocolViolations.ts";
import { defaultRoomSettings, type RoomSettings, readRoomSettings } from "./settings.ts";

/** HTTP status (and SDK `MatchMakeError.code`) for join options that fail validation. */
export const INVALID_JOIN_OPTIONS_STATUS = 400;
/** Join refused: no player (or spectator) slot left, or the game no longer seats players. */
export const ROOM_FULL_STATUS = 409;
/** A new room refused: the process hosts `MAX_ROOMS_PER_PROCESS` rooms already. */
export const SERVER_FULL_STATUS = 503;

/**
 * What a room shows in listings and the lobby. Flat keys only: Colyseus filters and
 * sorts on top-level metadata. `open` is what player matchmaking filters on.
 */
export interface ListingMetadata {
  type: string;
  status: string;
  players: number;
  maxPlayers: number;
  spectators: number;
  open: boolean;
  [filterKey: string]: string | number | boolean;
}

/** Seat choices every room reads from join options (see `seating.ts`). */
interface SeatOptions {
  spectator?: boolean;
  private?: boolean;
}

/**
 * What every tickroom room shares: server-provided settings; players and spectators with
 * their slots; listing metadata for filters and the lobby; private join codes; the one
 * error policy (malformed input -> close 4002, no seat kept; illegal action -> `error`
 * message; bug -> reported, room lives on); and the reconnection window on drops.
 */
export abstract class TickroomRoom<T extends RoomOptions = RoomOptions> extends Room<T> {
  protected settings: RoomSettings = defaultRoomSettings;
  /** Where this room reports ticks, rejections and reconnections (server metrics). */
  protected observer: RoomObserver = silentObserver;
  /** Player slots. `maxClients` is set to players plus spectators. */
  protected abstract readonly maxPlayers: number;
  /** Spectator slots; 0 refuses spectators. @default 0 */
  protected readonly maxSpectators: number = 0;
  /** Set on private rooms: the code friends join with (`POST /join-code/:code`). */
  protected joinCode: string | undefined;
  readonly #spectators = new Set<string>();
  /** Session ids of seated players. A set, not a counter: Colyseus also calls `onLeave` for a join it refused. */
  readonly #players = new Set<string>();

  /** Seat a player: add its entity to the state. Runs after the slot checks. */
  protected abstract onPlayerJoin(client: Client, options: unknown): void | Promise<void>;
  /** A player left for good (after any reconnection window). */
  protected abstract onPlayerLeave(client: Client, code?: number): void | Promise<void>;
  /** Whether the game still takes new players (a started match may not). @default true */
  protected acceptsPlayers(): boolean {
    return true;
  }
  /** The status word shown in listings. @default "open" or "full" */
  protected listingStatus(): string {
    return this.#players.size < this.maxPlayers ? "open" : "full";
  }

  protected isSpectator(client: Client): boolean {
    return this.#spectators.has(client.sessionId);
  }

  /** Tell one client its well-formed action was refused; state stays as it was. */
  protected refuse(client: Client, error: RoomError): void {
    this.observer.rejected(this.roomName, error.code);
    client.send("error", error);
  }

  /** Clients closed for malformed input: they lose their seat instead of getting a window. */
  readonly #closedForMalformedInput = new WeakSet<Client>();

  /**
   * Declare a message handler that validates its payload first. A payload that fails
   * `shape` closes the sender with 4002 and no reconnection window. (Colyseus's own
   * `validate()` closes with the same code but leaves no trace `onDrop` could tell apart
   * from Colyseus closing a stale socket during a reconnection, which also uses 4002.)
   * The same check applies to `room.request()`, which Colyseus would answer with an
   * error reply instead of closing.
   */
  protected accept<S extends z.ZodType>(shape: S, handler: (client: Client, message: z.output<S>) => void) {
    // Typed as the shape's input so typed SDK clients get checked `send()` payloads;
    // at run time the payload is whatever arrived, hence the parse.
    return (client: Client, payload: z.input<S>): void => {
      const parsed = shape.safeParse(payload);
      if (parsed.success) {
        if (!this.refuseSpectator(client)) handler(client, parsed.data);
      } else this.closeForMalformedInput(client, "invalid_payload", `invalid payload: ${parsed.error.issues[0]?.message ?? "wrong shape"}`);
    };
  }

  /** `category` is the metrics label (a closed set); `reason` goes to the client in the close frame. */
  protected closeForMalformedInput(client: Client, category: "invalid_payload" | "unknown_type", reason: string): void {
    this.observer.rejected(this.roomName, category);
    this.#closedForMalformedInput.add(client);
    // A close frame's reason holds at most 123 bytes.
    client.leave(CloseCode.WITH_ERROR, reason.slice(0, 100));
  }

  /**
   * Call first in `onCreate`: reads the server-provided settings, sizes the room (players
   * plus spectators), installs the unknown-type catch-all, makes the room private with a
   * join code when asked, and publishes its listing.
   */
  protected async configure(createOptions: unknown): Promise<void> {
    this.settings = readRoomSettings(createOptions);
    this.observer = readObserver(createOptions);
    // Counted before this room is: refuse the one past the limit.
    if (matchMaker.stats.local.roomCount >= this.settings.maxRoomsPerProcess) {
      throw new ServerError(SERVER_FULL_STATUS, `this server hosts its maximum of ${this.settings.maxRoomsPerProcess} rooms`);
    }
    this.maxClients = this.maxPlayers + this.maxSpectators;
    this.onMessage("*", (client: Client, type: string | number) => {
      this.closeForMalformedInput(client, "unknown_type", `unknown message type "${String(type).slice(0, 40)}"`);
    });
    if ((createOptions as SeatOptions | undefined)?.private === true) {
      this.joinCode = await this.#uniqueJoinCode();
      await this.setPrivate(true);
    }
    await this.updateListing();
  }

  /** Codes are looked up through the matchmaker (`query({ code })`), so they work across processes. */
  async #uniqueJoinCode(): Promise<string> {
    for (;;) {
      const code = generateJoinCode(() => randomInt(2 ** 31) / 2 ** 31);
      if ((await matchMaker.query({ code })).length === 0) return code;
    }
  }

  /** Refresh what listings and the lobby show; call after anything they show changes. */
  protected async updateListing(): Promise<void> {
    const metadata: ListingMetadata = {
      ...(this.metadata as ListingMetadata | undefined),
      type: this.roomName,
      status: this.listingStatus(),
      players: this.#players.size,
      maxPlayers: this.maxPlayers,
      spectators: this.#spectators.size,
      open: this.acceptsPlayers() && this.#players.size < this.maxPlayers,
    };
    if (this.joinCode !== undefined) metadata.code = this.joinCode;
    await this.setMetadata(metadata as never);
  }

  /**
   * Seats a spectator (read-only, no player slot) or a player (through `onPlayerJoin`),
   * refusing with 409 when the slots are gone. Private rooms tell every joiner the code.
   */
  override async onJoin(client: Client, options?: unknown): Promise<void> {
    if ((options as SeatOptions | undefined)?.spectator === true) {
      if (this.#spectators.size >= this.maxSpectators) {
        throw new ServerError(ROOM_FULL_STATUS, this.maxSpectators === 0 ? "this room takes no spectators" : "no spectator slot left");
      }
      this.#spectators.add(client.sessionId);
    } else {
      if (this.#players.size >= this.maxPlayers || !this.acceptsPlayers()) {
        throw new ServerError(ROOM_FULL_STATUS, "no player slot left in this room");
      }
      this.#players.add(client.sessionId);
      try {
        await this.onPlayerJoin(client, options);
      } catch (error) {
        this.#players.delete(client.sessionId);
        throw error;
      }
    }
    if (this.joinCode !== undefined) client.send("joinCode", { code: this.joinCode });
    await this.updateListing();
  }

  override async onLeave(client: Client, code?: number): Promise<void> {
    if (this.#spectators.delete(client.sessionId)) {
      await this.updateListing();
      return;
    }
    // A refused join reaches here too, for a client that was never seated.
    if (!this.#players.delete(client.sessionId)) return;
    await this.onPlayerLeave(client, code);
    await this.updateListing();
  }

  /** For handlers: spectators act on nothing; they get `SPECTATOR_READ_ONLY`. */
  protected refuseSpectator(client: Client): boolean {
    if (!this.isSpectator(client)) return false;
    this.refuse(client, { code: ErrorCode.SPECTATOR_READ_ONLY, message: "spectators cannot act" });
    return true;
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
    if (this.#closedForMalformedInput.has(client)) return;
    if (((client as Client & ClientPrivate)._numMessagesLastSecond ?? 0) > this.maxMessagesPerSecond) {
      this.observer.rejected(this.roomName, "flood");
      return;
    }
    if (socketsClosedForProtocolViolations.has(client.ref)) return;
    this.observer.dropped(this.roomName);
    // A client that never finished joining cannot reconnect; Colyseus rejects at once.
    this.allowReconnection(client, this.settings.reconnectionSeconds).catch(() => undefined);
  }

  /** A dropped client is back in its seat. Subclasses that override call `super.onReconnect`. */
  override onReconnect(_client: Client): void {
    this.observer.reconnected(this.roomName);
  }

  /**
   * Catches exceptions from handlers, the step, clock callbacks and lifecycle methods
   * (Colyseus wraps them all once this method exists), so one bug costs one action,
   * not the room or the process.
   */
  override onUncaughtException(error: RoomException, method: RoomMethodName): void {
    // A join or a room refused on purpose (no slot, server full) is an answer to the
    // client, not a bug: rooms throw ServerError only deliberately.
    if ((method === "onJoin" || method === "onCreate") && error.cause instanceof ServerError) return;
    const sessionId = "client" in error && error.client ? ` session=${error.client.sessionId}` : "";
    logger.error(`[tickroom] uncaught exception room=${this.roomName}/${this.roomId} method=${method}${sessionId}:`, error.cause ?? error);
  }
}

/**
 * Validate join options at the HTTP matchmaking boundary (static `onAuth` runs before a
 * room is created or a seat reserved), so bad options get a 400 and create nothing.
 */
export function parseJoinOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (!result.success) {
    throw new ServerError(INVALID_JOIN_OPTIONS_STATUS, `invalid join options: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/**
 * For static `onAuth`: validate join options and rewrite the caller's options object in
 * place to the parsed form (defaults filled, unknown keys dropped). Colyseus hands this
 * same object on to room filtering (`filterBy`), `onCreate` and `onJoin` (MatchMaker
 * `joinOrCreate`/`join`/`create` in 0.18), so a client that omits `channel` is matched
 * as channel "" instead of matching every channel. test/in-process/chat.test.ts guards this.
 */
export function normalizeJoinOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const parsed = parseJoinOptions(schema, options);
  if (typeof options === "object" && options !== null && typeof parsed === "object" && parsed !== null) {
    const target = options as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, parsed);
  }
  return parsed;
}
