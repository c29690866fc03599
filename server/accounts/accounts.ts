import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema.ts";
import type { Store } from "../store/store.ts";

/** migrations.ts `0002_retired_refresh_credentials`: refresh credentials a session rotated away. */
interface RetiredRefreshTable {
  /** SHA-256 of the retired credential, base64url. */
  refresh_hash: string;
  session_id: string;
  retired_at: number;
}

type AccountsDatabase = Database & { retired_refresh: RetiredRefreshTable };

/** How long a refresh credential signs its player back in without being used (each use starts it again). */
const REFRESH_TTL_MS = 90 * 86_400_000;
/**
 * How long after a refresh credential was traded presenting it again is taken as a replay
 * (a retried request, two tabs racing), not as theft: the session is left alone.
 */
const REFRESH_REPLAY_GRACE_MS = 30_000;

/** A player's account as the routes show it. */
export interface Account {
  /** `p-<uuid>`, for the account's whole life (a guest keeps it when it registers). */
  readonly id: string;
  readonly name: string;
  /** The username as typed; absent for a guest. */
  readonly username: string | undefined;
  readonly guest: boolean;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** A sign-in on one device: the session its access tokens name (`sid`), and its refresh credential. */
export interface Grant {
  readonly sessionId: string;
  /** 32 random bytes, base64url: shown once, kept only as its SHA-256. */
  readonly refreshToken: string;
  /** Epoch milliseconds. */
  readonly refreshExpiresAt: number;
}

/** What a join needs to know about a token's session: one read by primary keys. */
export interface SessionState {
  readonly accountId: string;
  readonly name: string;
  readonly username: string | null;
  readonly revoked: boolean;
  readonly deleted: boolean;
}

/** The outcome of presenting a refresh credential. */
export type Rotation =
  | { readonly ok: true; readonly account: Account; readonly grant: Grant }
  /**
   * `unknown`: never issued, or its session was deleted with its rows. `replayed`: traded
   * for another less than the grace period ago (a retry, another tab, a race); its session
   * stands, and the credential that trade returned (or the newest one stored) works.
   */
  | { readonly ok: false; readonly reason: "unknown" | "expired" | "revoked" | "replayed" }
  /** A credential rotated away longer ago than the grace period came back: its session is revoked now (a copy was stolen). */
  | { readonly ok: false; readonly reason: "reused"; readonly sessionId: string };

/** Another account has this username (compared case-folded). */
export class UsernameTaken extends Error {
  constructor() {
    super("this username is taken");
    this.name = "UsernameTaken";
  }
}

/** NFKC then lower case: `Ada`, `ADA` and `Ａｄａ` are one username. */
export function usernameKey(username: string): string {
  return username.normalize("NFKC").toLowerCase();
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** A unique index refused the row (PostgreSQL 23505; SQLite says so in its message). */
function isUniqueViolation(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === "23505" || (typeof message === "string" && message.includes("UNIQUE constraint failed"));
}

type AccountRow = Pick<Database["accounts"], "id" | "name" | "username" | "created_at">;

function accountOf(row: AccountRow): Account {
  return { id: row.id, name: row.name, username: row.username ?? undefined, guest: row.username === null, createdAt: Number(row.created_at) };
}

/**
 * The queries behind sign-in, over the store (either engine). Accounts are `accounts` rows;
 * every sign-in on a device is a `sessions` row whose refresh credential is stored only as
 * its SHA-256 and rotated on every use (the previous one moves to `retired_refresh`, where
 * seeing it again, past a short grace period, revokes the session).
 */
export class Accounts {
  readonly #db: Kysely<AccountsDatabase>;
  readonly #rowLocks: boolean;

  constructor(store: Store) {
    this.#db = store.db.withTables<{ retired_refresh: RetiredRefreshTable }>();
    this.#rowLocks = store.rowLocks;
  }

  /** A new guest account and its first session. */
  async createGuest(name: string, now: number): Promise<{ account: Account; grant: Grant }> {
    return this.#db.transaction().execute(async (trx) => {
      const row = { id: `p-${randomUUID()}`, name, username_key: null, username: null, password_hash: null, created_at: now, deleted_at: null };
      await trx.insertInto("accounts").values(row).execute();
      return { account: accountOf(row), grant: await this.#openSession(trx, row.id, now) };
    });
  }

  /** A new account with a username and password, and its first session; `UsernameTaken` when the name is. */
  async register(fields: { username: string; passwordHash: string; name: string }, now: number): Promise<{ account: Account; grant: Grant }> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const row = {
          id: `p-${randomUUID()}`,
          name: fields.name,
          username_key: usernameKey(fields.username),
          username: fields.username,
          password_hash: fields.passwordHash,
          created_at: now,
          deleted_at: null,
        };
        await trx.insertInto("accounts").values(row).execute();
        return { account: accountOf(row), grant: await this.#openSession(trx, row.id, now) };
      });
    } catch (error) {
      throw isUniqueViolation(error) ? new UsernameTaken() : error;
    }
  }

  /**
   * A guest account takes a username and password, keeping its id (its ratings and history
   * stay its own). Undefined when the account is no guest (or is gone); `UsernameTaken`.
   */
  async upgrade(accountId: string, fields: { username: string; passwordHash: string; name: string | undefined }): Promise<Account | undefined> {
    try {
      const row = await this.#db
        .updateTable("accounts")
        .set({
          username: fields.username,
          username_key: usernameKey(fields.username),
          password_hash: fields.passwordHash,
          ...(fields.name !== undefined ? { name: fields.name } : {}),
        })
        .where("id", "=", accountId)
        .where("username_key", "is", null)
        .where("deleted_at", "is", null)
        .returning(["id", "name", "username", "created_at"])
        .executeTakeFirst();
      return row === undefined ? undefined : accountOf(row);
    } catch (error) {
      throw isUniqueViolation(error) ? new UsernameTaken() : error;
    }
  }

  /** The live account with this username (case-folded) and its password hash. */
  async byUsername(username: string): Promise<{ account: Account; passwordHash: string | null } | undefined> {
    const row = await this.#db
      .selectFrom("accounts")
      .select(["id", "name", "username", "created_at", "password_hash"])
      .where("username_key", "=", usernameKey(username))
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row === undefined ? undefined : { account: accountOf(row), passwordHash: row.password_hash };
  }

  /** A live account and its password hash (null for a guest). */
  async byId(accountId: string): Promise<{ account: Account; passwordHash: string | null } | undefined> {
    const row = await this.#db
      .selectFrom("accounts")
      .select(["id", "name", "username", "created_at", "password_hash"])
      .where("id", "=", accountId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row === undefined ? undefined : { account: accountOf(row), passwordHash: row.password_hash };
  }

  /** A new session (a sign-in on one more device) for a live account. */
  async openSession(accountId: string, now: number): Promise<Grant> {
    return this.#openSession(this.#db, accountId, now);
  }

  async #openSession(db: Kysely<AccountsDatabase> | Transaction<AccountsDatabase>, accountId: string, now: number): Promise<Grant> {
    const refreshToken = randomBytes(32).toString("base64url");
    const grant = { sessionId: `s-${randomUUID()}`, refreshToken, refreshExpiresAt: now + REFRESH_TTL_MS };
    await db
      .insertInto("sessions")
      .values({
        id: grant.sessionId,
        account_id: accountId,
        refresh_hash: sha256(refreshToken),
        created_at: now,
        expires_at: grant.refreshExpiresAt,
        revoked_at: null,
      })
      .execute();
    return grant;
  }

  /**
   * Trade a refresh credential for a new one (same session, expiry pushed back). The old
   * one is retired in the same transaction. Presented again within `graceMs` of its
   * retirement it is a replay (a retried request, a second tab, a race), answered without
   * touching the session; later, it is a stolen copy (or the owner's, after a thief traded
   * it) and the session is revoked.
   */
  async rotate(refreshToken: string, now: number, graceMs: number = REFRESH_REPLAY_GRACE_MS): Promise<Rotation> {
    const presented = sha256(refreshToken);
    const rowLocks = this.#rowLocks;
    return this.#db.transaction().execute(async (trx): Promise<Rotation> => {
      // The session row is locked (PostgreSQL; SQLite runs one transaction at a time): of two
      // requests with the same credential, one rotates; the other waits for its commit, then
      // no longer finds the credential here but among the retired ones, retired a moment ago.
      const byCredential = trx.selectFrom("sessions").select(["id", "account_id", "revoked_at", "expires_at"]).where("refresh_hash", "=", presented);
      const session = await (rowLocks ? byCredential.forUpdate() : byCredential).executeTakeFirst();
      if (session !== undefined) {
        if (session.revoked_at !== null) return { ok: false, reason: "revoked" };
        if (Number(session.expires_at) <= now) return { ok: false, reason: "expired" };
        const next = randomBytes(32).toString("base64url");
        const expiresAt = now + REFRESH_TTL_MS;
        await trx
          .updateTable("sessions")
          .set({ refresh_hash: sha256(next), expires_at: expiresAt })
          .where("id", "=", session.id)
          .execute();
        await trx.insertInto("retired_refresh").values({ refresh_hash: presented, session_id: session.id, retired_at: now }).execute();
        // Older than a credential's lifetime, a retired one could no longer sign in anyway.
        await trx
          .deleteFrom("retired_refresh")
          .where("session_id", "=", session.id)
          .where("retired_at", "<", now - REFRESH_TTL_MS)
          .execute();
        const account = await trx
          .selectFrom("accounts")
          .select(["id", "name", "username", "created_at"])
          .where("id", "=", session.account_id)
          .where("deleted_at", "is", null)
          .executeTakeFirst();
        if (account === undefined) return { ok: false, reason: "revoked" };
        return { ok: true, account: accountOf(account), grant: { sessionId: session.id, refreshToken: next, refreshExpiresAt: expiresAt } };
      }
      const retired = await trx.selectFrom("retired_refresh").select(["session_id", "retired_at"]).where("refresh_hash", "=", presented).executeTakeFirst();
      if (retired === undefined) return { ok: false, reason: "unknown" };
      const ofRetired = trx.selectFrom("sessions").select(["revoked_at"]).where("id", "=", retired.session_id);
      const owner = await (rowLocks ? ofRetired.forUpdate() : ofRetired).executeTakeFirst();
      if (owner === undefined || owner.revoked_at !== null) return { ok: false, reason: "revoked" };
      if (now - Number(retired.retired_at) <= graceMs) return { ok: false, reason: "replayed" };
      await trx.updateTable("sessions").set({ revoked_at: now }).where("id", "=", retired.session_id).where("revoked_at", "is", null).execute();
      return { ok: false, reason: "reused", sessionId: retired.session_id };
    });
  }

  /** What a join checks: the token's session and its account, by primary keys. */
  async session(sessionId: string): Promise<SessionState | undefined> {
    const row = await this.#db
      .selectFrom("sessions")
      .innerJoin("accounts", "accounts.id", "sessions.account_id")
      .select(["sessions.account_id", "sessions.revoked_at", "accounts.name", "accounts.username", "accounts.deleted_at"])
      .where("sessions.id", "=", sessionId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { accountId: row.account_id, name: row.name, username: row.username, revoked: row.revoked_at !== null, deleted: row.deleted_at !== null };
  }

  /** Sign one session out: its refresh credential and its access tokens stop working. */
  async revokeSession(sessionId: string, now: number): Promise<void> {
    await this.#db.updateTable("sessions").set({ revoked_at: now }).where("id", "=", sessionId).where("revoked_at", "is", null).execute();
  }

  async rename(accountId: string, name: string): Promise<Account | undefined> {
    const row = await this.#db
      .updateTable("accounts")
      .set({ name })
      .where("id", "=", accountId)
      .where("deleted_at", "is", null)
      .returning(["id", "name", "username", "created_at"])
      .executeTakeFirst();
    return row === undefined ? undefined : accountOf(row);
  }

  /**
   * Mark the account deleted and revoke every session of it. Its username and password
   * go (the name becomes free to register again); its id stays, so the matches it played
   * still name it.
   */
  async delete(accountId: string, now: number): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable("accounts")
        .set({ deleted_at: now, username: null, username_key: null, password_hash: null })
        .where("id", "=", accountId)
        .where("deleted_at", "is", null)
        .execute();
      await trx.updateTable("sessions").set({ revoked_at: now }).where("account_id", "=", accountId).where("revoked_at", "is", null).execute();
    });
  }
}
