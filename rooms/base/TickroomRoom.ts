import {
  Room,
  ServerError,
  logger,
  type Client,
  type ClientPrivate,
  type RoomException,
  type RoomMethodName,
  type RoomOptions,
} from "@colyseus/core";
import { z } from "zod";
import { CloseCode, type RoomError } from "./errors.ts";
import { socketsClosedForOversizedFrames } from "./protocolViolations.ts";
import { defaultRoomSettings, readRoomSettings, type RoomSettings } from "./settings.ts";

/** HTTP status (and SDK `MatchMakeError.code`) for join options that fail validation. */
export const INVALID_JOIN_OPTIONS_STATUS = 400;

/**
 * What every tickroom room shares: server-provided settings, the one error policy
 * (illegal action -> `error` message; bug -> reported, room lives on), and the
 * reconnection window on abnormal disconnects.
 */
export abstract class TickroomRoom<T extends RoomOptions = RoomOptions> extends Room<T> {
  protected settings: RoomSettings = defaultRoomSettings;

  /** Tell one client its well-formed action was refused; state stays as it was. */
  protected refuse(client: Client, error: RoomError): void {
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
      if (parsed.success) handler(client, parsed.data);
      else this.closeForMalformedInput(client, `invalid payload: ${parsed.error.issues[0]?.message ?? "wrong shape"}`);
    };
  }

  protected closeForMalformedInput(client: Client, reason: string): void {
    this.#closedForMalformedInput.add(client);
    // A close frame's reason holds at most 123 bytes.
    client.leave(CloseCode.WITH_ERROR, reason.slice(0, 100));
  }

  /** Read the server-provided settings and install the unknown-type catch-all; call first in `onCreate`. */
  protected configure(createOptions: unknown): void {
    this.settings = readRoomSettings(createOptions);
    this.onMessage("*", (client: Client, type: string | number) => {
      this.closeForMalformedInput(client, `unknown message type "${String(type).slice(0, 40)}"`);
    });
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
    if (((client as Client & ClientPrivate)._numMessagesLastSecond ?? 0) > this.maxMessagesPerSecond) return;
    if (socketsClosedForOversizedFrames.has(client.ref)) return;
    // A client that never finished joining cannot reconnect; Colyseus rejects at once.
    this.allowReconnection(client, this.settings.reconnectionSeconds).catch(() => undefined);
  }

  /**
   * Catches exceptions from handlers, the step, clock callbacks and lifecycle methods
   * (Colyseus wraps them all once this method exists), so one bug costs one action,
   * not the room or the process.
   */
  override onUncaughtException(error: RoomException, method: RoomMethodName): void {
    const sessionId = "client" in error && error.client ? ` session=${error.client.sessionId}` : "";
    logger.error(
      `[tickroom] uncaught exception room=${this.roomName}/${this.roomId} method=${method}${sessionId}:`,
      error.cause ?? error,
    );
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
 * as channel "" instead of matching every channel. test/rooms/chat.test.ts guards this.
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
