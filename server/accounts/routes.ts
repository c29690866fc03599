import { randomUUID } from "node:crypto";
import { logger, ServerError } from "@colyseus/core";
import express, { type Request, type Response } from "express";
import { z } from "zod";
import type { Identity } from "../../rooms/base/identity.ts";
import { displayName } from "../../rooms/base/joinOptions.ts";
import { HttpStatus } from "../../shared/errors.ts";
import type { GuestAuth } from "../auth.ts";
import { answerBodyErrors } from "../bodyErrors.ts";
import { type Account, type Accounts, type Grant, UsernameTaken, usernameKey } from "./accounts.ts";
import { LoginThrottle } from "./loginThrottle.ts";
import { HashQueueFull, type PasswordHasher, passwords } from "./passwords.ts";
import { closeConnectionsOf } from "./signOut.ts";

/**
 * Failed passwords for one username before each further one doubles the wait (1 s, 2 s,
 * 4 s...); attempts in flight count against it, so parallel requests cannot pass it.
 */
const FREE_FAILURES_PER_ACCOUNT = 5;
/** The same for one address (players behind one NAT share it; an attacker trying many names does too). */
const FREE_FAILURES_PER_ADDRESS = 20;

/** 3 to 24 letters, digits, `_` or `-`, in any script; checked in NFKC form (what is stored). */
const username = z
  .string()
  .max(100)
  .transform((value) => value.normalize("NFKC"))
  .pipe(z.string().regex(/^[\p{L}\p{M}\p{Nd}_-]{3,24}$/u, "3 to 24 letters, digits, _ or -"));
const newPassword = z
  .string()
  .max(256)
  .refine((value) => [...value.normalize("NFKC")].length >= 8, "at least 8 characters");

const guestRequest = z.object({ name: displayName }).strict();
const renameRequest = z.object({ name: displayName }).strict();
const refreshRequest = z.object({ refreshToken: z.string().min(1).max(200) }).strict();
const registerRequest = z.object({ username, password: newPassword, name: displayName.optional() }).strict();
// Any strings: a username that could not exist is refused like a wrong password, not with a 400.
const loginRequest = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(256) }).strict();
const deleteRequest = z.object({ password: z.string().max(256).optional() }).strict();

/** A refusal a route answers as `{ code, error }` with its status (and headers). */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, request: Request, what: string): T {
  const parsed = schema.safeParse(request.body ?? {});
  if (!parsed.success) throw new Refusal(HttpStatus.INVALID_REQUEST, `invalid ${what} request: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

type Handler = (request: Request, response: Response) => Promise<void>;

/**
 * Every refusal as `{ code, error }`; a store that fails answers 503 (the failure is logged,
 * not sent), and so does a password hash that finds the hasher's queue full (not logged).
 */
function route(handler: Handler): Handler {
  return async (request, response) => {
    try {
      await handler(request, response);
    } catch (error) {
      const refusal =
        error instanceof Refusal
          ? error
          : error instanceof ServerError
            ? new Refusal(error.code, error.message, error.code === HttpStatus.UNAUTHENTICATED ? { "www-authenticate": "Bearer" } : {})
            : error instanceof HashQueueFull
              ? new Refusal(HttpStatus.UNAVAILABLE, error.message, { "retry-after": "1" })
              : undefined;
      if (refusal === undefined)
        logger.warn(`[tickroom] accounts: ${request.method} ${request.path} failed: ${error instanceof Error ? error.message : String(error)}`);
      const { status, message, headers } = refusal ?? new Refusal(HttpStatus.UNAVAILABLE, "accounts are unavailable; retry shortly", { "retry-after": "2" });
      response.status(status).set(headers).json({ code: status, error: message });
    }
  };
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** What the server never sets but tests do (`GuestAuth.router(options)`). */
export interface AuthRouterOptions {
  /** The routes' clock (epoch ms): login waits, sessions, refresh credentials. @default Date.now */
  readonly now?: () => number;
  /** The wait after a username's or address's free failures, doubled by each further one. @default 1000 */
  readonly firstWaitMs?: number;
  /** How long after a refresh credential was traded presenting it again is a harmless replay. @default 30000 */
  readonly refreshGraceMs?: number;
  /** Hashes and checks passwords (and bounds how many at once and waiting). @default the process's `passwords` */
  readonly hasher?: PasswordHasher;
}

/**
 * The `/auth/*` routes. Every body is checked with zod (400 `{ code, error }`); a route
 * that needs the caller reads `Authorization: Bearer <token>` (401 without a valid one).
 * The account routes need the store (404 without one); `POST /auth/guest` and `/auth/me`
 * work either way.
 */
export function authRouter(auth: GuestAuth, options: AuthRouterOptions = {}): express.Router {
  const router = express.Router();
  const json = express.json({ limit: "1kb" });
  const accounts = auth.accounts;
  const clock = options.now ?? Date.now;
  const hasher = options.hasher ?? passwords;
  const perAccount = new LoginThrottle(FREE_FAILURES_PER_ACCOUNT, options.firstWaitMs);
  const perAddress = new LoginThrottle(FREE_FAILURES_PER_ADDRESS, options.firstWaitMs);

  const store = (): Accounts => {
    if (accounts === undefined) throw new Refusal(HttpStatus.NOT_FOUND, "accounts need the store (STORE_ENABLED=true); only guest tokens are issued");
    return accounts;
  };
  const signedIn = async (account: Account, sid: string | undefined, grant?: Grant) => {
    const identity: Identity = { id: account.id, name: account.name, guest: account.guest, ...(sid !== undefined ? { sid } : {}) };
    const { token, expiresAt } = await auth.sign(identity);
    return {
      token,
      id: account.id,
      name: account.name,
      expiresAt,
      guest: account.guest,
      ...(account.username !== undefined ? { username: account.username } : {}),
      ...(grant !== undefined ? { refreshToken: grant.refreshToken, refreshExpiresAt: iso(grant.refreshExpiresAt) } : {}),
    };
  };
  const needCaller = async (request: Request): Promise<Identity> => {
    const caller = await auth.caller(request);
    if (caller === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "sign in first: Authorization: Bearer <token>");
    return caller;
  };
  /**
   * Run a password `check` counted against the username and the address from its start:
   * refused (429) while either waits after failed passwords, or has as many checks in
   * flight as free failures left. Its answer counts as a failure or a success; a check
   * that could not be made (a full hash queue, a store error) counts as neither.
   */
  const checkPassword = async (accountKey: string, address: string, check: () => Promise<boolean>): Promise<boolean> => {
    const now = clock();
    const waitMs = Math.max(perAccount.waitMs(accountKey, now), perAddress.waitMs(address, now));
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new Refusal(HttpStatus.TOO_MANY_REQUESTS, `too many sign-in attempts: retry in ${seconds} s`, { "retry-after": String(seconds) });
    }
    perAccount.begin(accountKey, now);
    perAddress.begin(address, now);
    let matched: boolean | undefined;
    try {
      matched = await check();
      return matched;
    } finally {
      if (matched === true) {
        perAccount.succeeded(accountKey);
        perAddress.ended(address);
      } else if (matched === false) {
        const end = clock();
        perAccount.failed(accountKey, end);
        perAddress.failed(address, end);
      } else {
        perAccount.ended(accountKey);
        perAddress.ended(address);
      }
    }
  };
  const addressOf = (request: Request): string => request.socket.remoteAddress ?? "unknown";

  /**
   * `{ name }`: a new guest (with a store: a persisted account, and a refresh credential).
   * With a store and a caller's token: renames that account instead (a new token, same id).
   */
  router.post(
    "/auth/guest",
    json,
    route(async (request, response) => {
      const { name } = parse(guestRequest, request, "guest");
      if (accounts === undefined) {
        response.json(await signedIn({ id: `guest-${randomUUID()}`, name, username: undefined, guest: true, createdAt: clock() }, undefined));
        return;
      }
      const caller = await auth.caller(request);
      if (caller !== undefined) {
        const account = await accounts.rename(caller.id, name);
        if (account === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "the account was deleted");
        response.json(await signedIn(account, caller.sid));
        return;
      }
      const { account, grant } = await accounts.createGuest(name, clock());
      response.json(await signedIn(account, grant.sessionId, grant));
    }),
  );

  /**
   * `{ refreshToken }`: a new access token and a new refresh credential for the same account
   * and session. A credential traded moments ago (within the grace period) answers 401
   * `already refreshed` and leaves the session alone: the answer to that trade, or the newest
   * stored credential, goes on. Traded longer ago, it signs its session out (a copy was stolen).
   */
  router.post(
    "/auth/refresh",
    json,
    route(async (request, response) => {
      const { refreshToken } = parse(refreshRequest, request, "refresh");
      const rotation = await store().rotate(refreshToken, clock(), options.refreshGraceMs);
      if (!rotation.ok) {
        if (rotation.reason === "reused") {
          await closeConnectionsOf((identity) => identity.sid === rotation.sessionId);
          throw new ServerError(HttpStatus.UNAUTHENTICATED, "refresh credential already used: its session is signed out");
        }
        const why = {
          unknown: "refresh credential unknown",
          expired: "refresh credential expired",
          revoked: "signed out: sign in again",
          replayed: "refresh credential already refreshed: use the one that refresh answered",
        };
        throw new ServerError(HttpStatus.UNAUTHENTICATED, why[rotation.reason]);
      }
      response.json(await signedIn(rotation.account, rotation.grant.sessionId, rotation.grant));
    }),
  );

  /**
   * `{ username, password, name? }`: a new account (201, with a refresh credential), or,
   * with a guest's token, that guest's account takes the username and keeps its id (200).
   */
  router.post(
    "/auth/register",
    json,
    route(async (request, response) => {
      const fields = parse(registerRequest, request, "register");
      const accounts = store();
      const caller = await auth.caller(request);
      if (caller !== undefined && !caller.guest) throw new Refusal(HttpStatus.CONFLICT, "this account already has a username");
      // Before the costly hash; the unique index still decides a race.
      if ((await accounts.byUsername(fields.username)) !== undefined) throw new Refusal(HttpStatus.CONFLICT, "this username is taken");
      const passwordHash = await hasher.hash(fields.password);
      try {
        if (caller !== undefined) {
          const account = await accounts.upgrade(caller.id, { username: fields.username, passwordHash, name: fields.name });
          if (account === undefined) throw new Refusal(HttpStatus.CONFLICT, "this account already has a username");
          response.json(await signedIn(account, caller.sid));
          return;
        }
        const { account, grant } = await accounts.register({ username: fields.username, passwordHash, name: fields.name ?? fields.username }, clock());
        response.status(201).json(await signedIn(account, grant.sessionId, grant));
      } catch (error) {
        throw error instanceof UsernameTaken ? new Refusal(HttpStatus.CONFLICT, error.message) : error;
      }
    }),
  );

  /**
   * `{ username, password }`: a new session. The same 401, after the same work, whether the
   * username exists or not; 429 while the username or the address waits after failures (or
   * has as many attempts in flight as free failures left); 503 while the hasher's queue is full.
   */
  router.post(
    "/auth/login",
    json,
    route(async (request, response) => {
      const { username, password } = parse(loginRequest, request, "login");
      const accounts = store();
      let found: Awaited<ReturnType<Accounts["byUsername"]>>;
      const matched = await checkPassword(usernameKey(username), addressOf(request), async () => {
        found = await accounts.byUsername(username);
        const matches = await hasher.verify(password, found?.passwordHash);
        return found !== undefined && matches;
      });
      if (!matched || found === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "wrong username or password");
      const grant = await accounts.openSession(found.account.id, clock());
      response.json(await signedIn(found.account, grant.sessionId, grant));
    }),
  );

  /** The caller's session ends: its refresh credential and access tokens stop working, its connections close (4004). */
  router.post(
    "/auth/logout",
    route(async (request, response) => {
      const accounts = store();
      const caller = await needCaller(request);
      if (caller.sid !== undefined) {
        await accounts.revokeSession(caller.sid, clock());
        await closeConnectionsOf((identity) => identity.sid === caller.sid);
      }
      response.status(204).end();
    }),
  );

  /** `{ password }` (password accounts): the account is deleted, every session of it ends, its connections close (4004). */
  router.delete(
    "/auth/account",
    json,
    route(async (request, response) => {
      const { password } = parse(deleteRequest, request, "delete");
      const accounts = store();
      const caller = await needCaller(request);
      const found = await accounts.byId(caller.id);
      if (found === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "the account was deleted");
      if (found.passwordHash !== null && found.account.username !== undefined) {
        if (password === undefined) throw new Refusal(HttpStatus.INVALID_REQUEST, "invalid delete request: the account's password is required");
        const { passwordHash } = found;
        const matched = await checkPassword(usernameKey(found.account.username), addressOf(request), () => hasher.verify(password, passwordHash));
        if (!matched) throw new ServerError(HttpStatus.UNAUTHENTICATED, "wrong password");
      }
      await accounts.delete(caller.id, clock());
      await closeConnectionsOf((identity) => identity.id === caller.id);
      response.status(204).end();
    }),
  );

  /** `{ id, name, username?, guest, createdAt }` of the caller. */
  router.get(
    "/auth/me",
    route(async (request, response) => {
      const caller = await needCaller(request);
      if (accounts === undefined) {
        const { iat } = await auth.claims(bearer(request));
        response.json({ id: caller.id, name: caller.name, guest: caller.guest, createdAt: iso(iat * 1000) });
        return;
      }
      const found = await accounts.byId(caller.id);
      if (found === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "the account was deleted");
      const { id, name, username, guest, createdAt } = found.account;
      response.json({ id, name, ...(username !== undefined ? { username } : {}), guest, createdAt: iso(createdAt) });
    }),
  );

  /** `{ name }`: the caller's new display name, and a token that carries it. */
  router.patch(
    "/auth/me",
    json,
    route(async (request, response) => {
      const { name } = parse(renameRequest, request, "rename");
      const caller = await needCaller(request);
      if (accounts === undefined) {
        response.json(await signedIn({ id: caller.id, name, username: undefined, guest: caller.guest, createdAt: 0 }, undefined));
        return;
      }
      const account = await accounts.rename(caller.id, name);
      if (account === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "the account was deleted");
      response.json(await signedIn(account, caller.sid));
    }),
  );

  router.use("/auth", answerBodyErrors);
  return router;
}

/** The token of a request that already passed `needCaller`. */
function bearer(request: Request): string {
  return /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? "")?.[1] ?? "";
}
