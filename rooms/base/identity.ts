/**
 * Who a player is, as proved by a verified token (never as claimed in join options).
 * The server verifies tokens in matchmaking (`onAuth`); rooms read the result from
 * `client.auth.identity`.
 */
export interface Identity {
  /** Stable player id (the token's subject). */
  readonly id: string;
  /** Display name, from the token. */
  readonly name: string;
  /** A guest session (issued by `POST /auth/guest`), not an account. */
  readonly guest: boolean;
  /**
   * The sign-in session the token belongs to (`sessions.id`, the token's `sid`): signing it
   * out closes this connection. Not the room's `client.sessionId`. Absent without a store.
   */
  readonly sid?: string;
}

/** What `onAuth` hands Colyseus as `client.auth` for a verified player. */
interface VerifiedAuth {
  readonly identity: Identity;
}

/** The verified identity of a client, if it presented a valid token. */
export function identityOf(auth: unknown): Identity | undefined {
  const identity = (auth as Partial<VerifiedAuth> | undefined)?.identity;
  return identity !== undefined && typeof identity.id === "string" && typeof identity.name === "string" ? identity : undefined;
}

/** Display name for a player who gave none: stable per session, short, recognisable. */
function guestName(sessionId: string): string {
  return `guest-${sessionId.slice(0, 4)}`;
}

/**
 * The one display-name policy of every room: a verified token's name, else the name the
 * player asked for in its join options, else `guest-xxxx`.
 */
export function displayNameOf(auth: unknown, asked: string | undefined, sessionId: string): string {
  return identityOf(auth)?.name ?? asked ?? guestName(sessionId);
}

/**
 * Whether a player's session still stands: checked when a dropped player comes back within
 * its reconnection window (Colyseus's reconnection skips matchmaking's token check, so a
 * session signed out meanwhile would otherwise return). The server's accounts answer it
 * (server/auth.ts); without a store nothing is ever signed out.
 */
export interface SessionCheck {
  stillSignedIn(identity: Identity): Promise<boolean>;
}
