import { logger, ServerError } from "@colyseus/core";
import type express from "express";
import type { Request } from "express";
import { errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Identity } from "../rooms/base/identity.ts";
import { HttpStatus } from "../shared/errors.ts";
import { Accounts } from "./accounts/accounts.ts";
import { type AuthRouterOptions, authRouter } from "./accounts/routes.ts";
import type { Store } from "./store/store.ts";

export interface AuthSettings {
  /** HMAC key for HS256 tokens (32+ bytes). */
  readonly secret: string;
  /** Every room requires a valid token; without it, players may join as anonymous guests. */
  readonly required: boolean;
  readonly tokenTtlSeconds: number;
}

const ISSUER = "tickroom";
const AUDIENCE = "tickroom-player";

/** What a verified token says, before the store has its word. */
export interface TokenClaims {
  readonly sub: string;
  readonly name: string;
  readonly guest: boolean;
  /** The session (`sessions.id`); tokens issued without a store have none. */
  readonly sid: string | undefined;
  /** When it was issued (epoch seconds). */
  readonly iat: number;
}

/**
 * Sign-in as signed JWTs (HS256, via `jose`). The access token names the player (`sub`,
 * `name`, `guest`) and, with a store, its session (`sid`); matchmaking verifies it before
 * any seat is reserved, and the identity rooms see (`client.auth.identity`) comes from it,
 * never from join options. With a store, every check also reads the session and its account
 * (one read by primary keys): a signed-out session's or a deleted account's token joins
 * nothing, and the name is the account's current one. The routes are server/accounts/routes.ts.
 * Without a store (STORE_ENABLED=false), guests are ephemeral: a new id per `POST /auth/guest`.
 */
export class GuestAuth {
  readonly #key: Uint8Array;
  /** Present when the server has a store: accounts, sessions, refresh credentials. */
  readonly accounts: Accounts | undefined;

  constructor(
    readonly settings: AuthSettings,
    store?: Store,
  ) {
    this.#key = new TextEncoder().encode(settings.secret);
    this.accounts = store === undefined ? undefined : new Accounts(store);
  }

  /** An access token for `identity` (its `sid`, when it has one, goes in the token). */
  async sign(identity: Identity): Promise<{ token: string; expiresAt: string }> {
    const expires = Math.floor(Date.now() / 1000) + this.settings.tokenTtlSeconds;
    const token = await new SignJWT({ name: identity.name, guest: identity.guest, ...(identity.sid !== undefined ? { sid: identity.sid } : {}) })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(identity.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(this.#key);
    return { token, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** The claims of a token this server signed and that has not expired; a `ServerError(401)` otherwise. */
  async claims(token: string): Promise<TokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"] }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new ServerError(HttpStatus.UNAUTHENTICATED, "token expired");
      throw new ServerError(HttpStatus.UNAUTHENTICATED, "invalid token");
    }
    const { sub, name, sid, iat } = payload;
    if (typeof sub !== "string" || typeof name !== "string") throw new ServerError(HttpStatus.UNAUTHENTICATED, "token lacks a subject or a name");
    return { sub, name, guest: payload.guest === true, sid: typeof sid === "string" ? sid : undefined, iat: iat ?? 0 };
  }

  /**
   * The identity a token proves: a `ServerError` otherwise (an HTTP status from matchmaking):
   * 401 for a bad, expired or signed-out token or a deleted account, 503 when the store
   * does not answer.
   */
  async verify(token: string): Promise<Identity> {
    const claims = await this.claims(token);
    if (this.accounts === undefined) return { id: claims.sub, name: claims.name, guest: claims.guest };
    if (claims.sid === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "token has no session: sign in again");
    let session: Awaited<ReturnType<Accounts["session"]>>;
    try {
      session = await this.accounts.session(claims.sid);
    } catch (error) {
      logger.warn(`[tickroom] accounts: cannot read a session: ${error instanceof Error ? error.message : String(error)}`);
      throw new ServerError(HttpStatus.UNAVAILABLE, "accounts are unavailable; retry shortly");
    }
    if (session === undefined || session.accountId !== claims.sub) throw new ServerError(HttpStatus.UNAUTHENTICATED, "invalid token");
    if (session.deleted) throw new ServerError(HttpStatus.UNAUTHENTICATED, "the account was deleted");
    if (session.revoked) throw new ServerError(HttpStatus.UNAUTHENTICATED, "signed out: sign in again");
    return { id: claims.sub, name: session.name, guest: session.username === null, sid: claims.sid };
  }

  /**
   * Whether a session still stands (rooms ask when a dropped player comes back): false once
   * signed out or its account deleted. A store that does not answer keeps the player.
   */
  async stillSignedIn(identity: Identity): Promise<boolean> {
    if (this.accounts === undefined || identity.sid === undefined) return true;
    try {
      const session = await this.accounts.session(identity.sid);
      return session !== undefined && !session.revoked && !session.deleted;
    } catch {
      return true;
    }
  }

  /** The identity of an `Authorization: Bearer` header; undefined without one; `ServerError(401)` for a bad one. */
  async caller(request: Request): Promise<Identity | undefined> {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) throw new ServerError(HttpStatus.UNAUTHENTICATED, "Authorization must be `Bearer <token>`");
    return this.verify(match[1]!);
  }

  /** The `/auth/*` routes (server/accounts/routes.ts); tests pass `options` (a clock, shorter waits...). */
  router(options?: AuthRouterOptions): express.Router {
    return authRouter(this, options);
  }
}
