/**
 * The one registry of codes a client can see: `error` message codes, WebSocket close
 * codes and HTTP statuses. Imported by rooms, rules, the server and clients (the browser
 * too); documented in README.md ("Errors and close codes"). Pure: no Colyseus import.
 */

/**
 * Codes of the `error` message `{ code, message }` a room sends to one client when
 * a well-formed action is illegal right now. State is left unchanged.
 */
export const ErrorCode = {
  /** chat `say`: text is empty after trimming. */
  TEXT_EMPTY: "TEXT_EMPTY",
  /** chat `say`: text is longer than 500 characters after trimming. */
  TEXT_TOO_LONG: "TEXT_TOO_LONG",
  /** tictactoe `move`: the game has not started (waiting for a second player). */
  GAME_NOT_STARTED: "GAME_NOT_STARTED",
  /** tictactoe `move`: the game is over. */
  GAME_OVER: "GAME_OVER",
  /** tictactoe `move`: it is the other player's turn. */
  NOT_YOUR_TURN: "NOT_YOUR_TURN",
  /** tictactoe `move`: the cell already holds a mark. */
  CELL_OCCUPIED: "CELL_OCCUPIED",
  /** tictactoe `rematch`: the game is not over yet. */
  GAME_NOT_OVER: "GAME_NOT_OVER",
  /** tictactoe `rematch`: the opponent has left the room; only a new game is possible. */
  OPPONENT_LEFT: "OPPONENT_LEFT",
  /** chat `say`: more lines than the chat allows (a burst of 5, then 1 a second). */
  RATE_LIMITED: "RATE_LIMITED",
  /** Any action from a spectator: spectators watch, they do not act. */
  SPECTATOR_READ_ONLY: "SPECTATOR_READ_ONLY",
  /** Any action while the room is moving to another process (a deploy): not applied; send it again once reconnected (the close 4010 follows). */
  ROOM_MOVING: "ROOM_MOVING",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Payload of the `error` message. */
export interface RoomError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Outcome of a rule that may refuse an action: rules return it, rooms turn it into an `error` message. */
export type RuleResult = { readonly ok: true } | { readonly ok: false; readonly error: RoomError };

export const accepted: RuleResult = Object.freeze({ ok: true });

export function refused(code: ErrorCode, message: string): RuleResult {
  return { ok: false, error: { code, message } };
}

/**
 * WebSocket close codes a client can receive. The 4xxx values are Colyseus's own
 * (`@colyseus/shared-types` CloseCode), repeated here so clients and docs need no server
 * import; test/pure/sharedCodes.test.ts checks they still match.
 */
// colyseus-internal: close-code-constants
export const CloseCode = {
  /** The client asked to leave (`room.leave()`). */
  CONSENTED: 4000,
  /** The server is shutting down (SIGTERM). */
  SERVER_SHUTDOWN: 4001,
  /** Malformed input: unknown message type, payload failing validation, or too many messages per second. */
  WITH_ERROR: 4002,
  /** The SDK's reconnection was refused: the seat's window passed or the room is gone. */
  FAILED_TO_RECONNECT: 4003,
  /** The player's session was signed out (`POST /auth/logout`, a refresh credential reused) or its account deleted: sign in again. Tickroom's own. */
  SIGNED_OUT: 4004,
  /** The server asks the client to reconnect (dev-mode restarts; the SDK retries it, as after a drop). */
  MAY_TRY_RECONNECT: 4010,
  /** The connection dropped without a close frame (network, missed pongs, a stalled reader cut). */
  ABNORMAL_CLOSURE: 1006,
  /** A frame larger than the transport's `maxPayload` (WS_MAX_PAYLOAD_BYTES). */
  MESSAGE_TOO_BIG: 1009,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * HTTP statuses tickroom answers from matchmaking and its own routes (the SDK reports
 * matchmaking ones as `MatchMakeError.code`). Colyseus's own 52x codes are listed in
 * README.md.
 */
export const HttpStatus = {
  /** Invalid join options, a body that is not a JSON object, not a join code. */
  INVALID_REQUEST: 400,
  /** A missing (with AUTH_REQUIRED), malformed, tampered, expired or signed-out token; a wrong username or password. */
  UNAUTHENTICATED: 401,
  /** No room has this join code (it is wrong, or the room has ended); an account route on a server without a store; no recording of this match (unknown or expired). */
  NOT_FOUND: 404,
  /** No player (or spectator) slot left, or the game no longer seats players. */
  ROOM_FULL: 409,
  /** `POST /auth/register`: the username is taken (case-folded), or the caller's account already has one. */
  CONFLICT: 409,
  /** A body without Content-Length. */
  LENGTH_REQUIRED: 411,
  /** A body over the route's limit. */
  BODY_TOO_LARGE: 413,
  /** A recording that cannot be replayed: damaged, cut short, or made by another version of its room type's state. */
  UNPROCESSABLE: 422,
  /** More requests from one address than the limit allows, or too many failed sign-ins (`Retry-After` says when). */
  TOO_MANY_REQUESTS: 429,
  /** The server is draining, or hosts its maximum of rooms; the store does not answer (sign-in, a join that checks its session). */
  UNAVAILABLE: 503,
} as const;
export type HttpStatus = (typeof HttpStatus)[keyof typeof HttpStatus];
