/**
 * The one registry of codes a client can see. Imported by rooms, rules and clients;
 * documented in README.md ("Errors and close codes"). Pure: no Colyseus import.
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
 * (`@colyseus/shared-types` CloseCode); repeated here so clients and docs need no server import.
 */
export const CloseCode = {
  /** The client asked to leave (`room.leave()`). */
  CONSENTED: 4000,
  /** The server is shutting down (SIGTERM). */
  SERVER_SHUTDOWN: 4001,
  /** Malformed input: unknown message type, payload failing validation, or too many messages per second. */
  WITH_ERROR: 4002,
  /** A frame larger than the transport's `maxPayload` (WS_MAX_PAYLOAD_BYTES). */
  MESSAGE_TOO_BIG: 1009,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
