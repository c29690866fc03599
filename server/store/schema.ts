/**
 * The store's tables, as Kysely sees them (one set of types for both engines). Times are
 * epoch milliseconds in `bigint` columns; flags are 0/1 integers (SQLite has no boolean,
 * and one representation keeps the queries the same on both engines).
 */
export interface Database {
  accounts: AccountsTable;
  sessions: SessionsTable;
  ratings: RatingsTable;
  matches: MatchesTable;
  match_players: MatchPlayersTable;
  recordings: RecordingsTable;
}

/** A match's recording for replays (server/store/recordings.ts). */
interface RecordingsTable {
  /** The match's id, as its result was reported (`<roomId>:<round>`). */
  match_id: string;
  game: string;
  room_id: string;
  started_at: number;
  duration_ms: number;
  /** Compressed bytes of `data`. */
  size_bytes: number;
  saved_at: number;
  /** The container (rooms/base/recording.ts), gzip-compressed. */
  data: Uint8Array;
}

interface AccountsTable {
  /** `p-<uuid>`: stable for the account's life, through a guest's upgrade. */
  id: string;
  /** Display name. */
  name: string;
  /** The username, case-folded: unique among accounts that have one (null for a guest). */
  username_key: string | null;
  /** The username as typed. */
  username: string | null;
  /** `scrypt$N$r$p$salt$hash`, or null for a guest. */
  password_hash: string | null;
  created_at: number;
  /** Set when the account is deleted: it can no longer sign in or join. */
  deleted_at: number | null;
}

/** One signed-in device: its refresh credential (hashed) and whether it still counts. */
interface SessionsTable {
  id: string;
  account_id: string;
  /** SHA-256 of the refresh credential, base64url: a leaked table signs no one in. */
  refresh_hash: string;
  created_at: number;
  expires_at: number;
  /** Set by logout (or account deletion): its tokens no longer join rooms. */
  revoked_at: number | null;
}

/** A player's rating in one game (Weng-Lin: mean and uncertainty). */
interface RatingsTable {
  account_id: string;
  game: string;
  mu: number;
  sigma: number;
  /** mu - 3 sigma: what leaderboards sort by (a rating the player is very likely above). */
  ordinal: number;
  played: number;
  wins: number;
  losses: number;
  draws: number;
  updated_at: number;
}

interface MatchesTable {
  /** The match id the room reported: recording it twice changes nothing. */
  id: string;
  game: string;
  started_at: number;
  ended_at: number;
  duration_ms: number;
  /** 1 for a queue-made (rated) match. */
  ranked: number;
  /** "decided" or "draw". */
  outcome: string;
  /** Unused: history finds a match's recording in `recordings` (the column stays, as released in 0001). */
  replay_id: string | null;
  recorded_at: number;
}

interface MatchPlayersTable {
  match_id: string;
  /** The account, or `anon:<sessionId>` for a player who joined without one (never rated). */
  player_id: string;
  name: string;
  team: number;
  /** 1 = first; players who tie share a place. */
  place: number;
  /** "win", "loss" or "draw", from this player's side. */
  result: string;
  /** 1 when the player left before the end (rated as a loss). */
  forfeited: number;
  mu_before: number | null;
  sigma_before: number | null;
  mu_after: number | null;
  sigma_after: number | null;
}
