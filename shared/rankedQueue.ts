/**
 * The ranked queue's games, as data: the queue room forms matches by it, the client
 * helper (`client/queue.ts`) and the page offer what it lists. Adding a game to ranked
 * play is one entry here; the key is the room type the queue creates.
 */
export interface RankedGame {
  /** How the page offers it. */
  readonly label: string;
  /** Teams per match. */
  readonly teams: number;
  /** Players per team; a party larger than this is refused. Server settings may override it. */
  readonly teamSize: number;
  /**
   * Create options of the match room, besides `private` (always: a ranked match is for the
   * players the queue chose) and the roster (who plays on which team) the queue adds.
   */
  readonly matchOptions: Readonly<Record<string, string | number | boolean>>;
}

export const RANKED_GAMES = {
  tictactoe: { label: "Tic-tac-toe (1v1)", teams: 2, teamSize: 1, matchOptions: {} },
  arena: { label: "Arena (teams)", teams: 2, teamSize: 2, matchOptions: { mode: "teams" } },
  pong: { label: "Pong (1v1)", teams: 2, teamSize: 1, matchOptions: {} },
} as const satisfies Readonly<Record<string, RankedGame>>;

export type RankedGameName = keyof typeof RANKED_GAMES;

/** The ranked games, in the table's order. */
export const RANKED_GAME_NAMES = Object.keys(RANKED_GAMES) as readonly RankedGameName[] as readonly [RankedGameName, ...RankedGameName[]];

/** Sent to a player once the queue has its ticket. */
export interface QueuedMessage {
  readonly game: RankedGameName;
  readonly rating: number;
  /** Members of this player's party already queued (1 when solo). */
  readonly party: number;
  readonly partySize: number;
}

/**
 * Sent to everyone in a queue when the number waiting has changed, or someone has joined,
 * since the last one (at most every half second): what a page shows while it waits.
 */
export interface QueueWaiting {
  /** Players in this game's queue now, this one included. */
  readonly waiting: number;
  /** Players one match takes (teams x team size). */
  readonly playersPerMatch: number;
}

/** Sent to each member when its match is ready: a seat reservation for `consumeSeatReservation`, and its team (1-based). */
export interface QueueSeat {
  readonly seat: unknown;
  readonly team: number;
}
