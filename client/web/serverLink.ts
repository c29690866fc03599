import { Client, MatchMakeError, type Room, ServerError } from "@colyseus/sdk";
import type { TickroomServer } from "../../server/app.config.ts";
import type { RoomCatalog } from "../../shared/catalog.ts";
import type { Endpoint } from "./endpoint.ts";

/** What GET /health answers. */
export interface ServerHealth {
  readonly status: string;
  readonly rooms: number;
  readonly clients: number;
}

/** The server could not be reached at all (down, wrong address, blocked): not a refusal. */
export class ServerUnreachable extends Error {
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(`cannot reach the tickroom server at ${endpoint}`, { cause });
    this.name = "ServerUnreachable";
  }
}

const NAME_KEY = "tickroom:name";
const TOKEN_KEY = "tickroom:token";
const REFRESH_KEY = "tickroom:refresh";
const UNAUTHENTICATED = 401;
/** `POST /auth/refresh`'s answer to a credential another refresh traded moments ago (the session stands). */
const ALREADY_REFRESHED = /already refreshed/;
/** How long, after that answer, to wait for the successor the other refresh stores. */
const SUCCESSOR_WAIT_MS = 2000;
const SUCCESSOR_POLL_MS = 50;

/** What the sign-in routes answer (`POST /auth/guest`, `/auth/refresh`, `/auth/register`, `/auth/login`). */
interface SignedIn {
  readonly token: string;
  readonly id: string;
  readonly name: string;
  readonly guest?: boolean;
  readonly username?: string;
  /** With a store: the credential that signs this player in again (after a reload, a restart, token expiry). */
  readonly refreshToken?: string;
}

/** What `GET /auth/me` answers. */
interface Profile {
  readonly id: string;
  readonly name: string;
  readonly username?: string;
  readonly guest: boolean;
  readonly createdAt: string;
}

/** A sign-in route said no: its status and the server's `error`. */
class SignInRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SignInRefused";
  }
}

/**
 * The page's link to one tickroom server: the SDK client, and who the player is.
 *
 * The first join signs in as a guest. With a store, the server keeps that guest as an
 * account and hands out a refresh credential, kept in localStorage: after a reload, a
 * server restart (a new secret outside production) or the access token's expiry, the same
 * player comes back (same id, name, ratings). The access token is kept per tab
 * (sessionStorage); a join refused with 401 refreshes once and retries, and when the refresh
 * credential is refused too (signed out, account deleted, no store) a new guest starts.
 * Refreshes are serialised across the browser's tabs (Web Locks; where the page has none, a
 * plain-http origin other than localhost, within the tab): each use rotates the credential,
 * and a rotated one presented again, past the server's grace period, signs the player out
 * everywhere. A tab that loses a race with another anyway (no Web Locks) is told
 * `already refreshed` and takes the successor the other tab stores.
 * The name is kept per browser; the server's answer has the last word on it.
 */
export class ServerLink {
  /** Typed by the server's room types: room names, state and `send()` payloads are checked. */
  readonly client: Client<TickroomServer>;
  #name: string;

  constructor(
    readonly endpoint: Endpoint,
    private readonly storage: { readonly local: Storage; readonly session: Storage },
  ) {
    this.client = new Client<TickroomServer>(endpoint.http);
    this.#name = storage.local.getItem(NAME_KEY) ?? `player-${Math.floor(Math.random() * 9000 + 1000)}`;
    const token = storage.session.getItem(TOKEN_KEY);
    if (token !== null) this.client.auth.token = token;
  }

  get name(): string {
    return this.#name;
  }

  /** GET /health within `timeoutMs`; `ServerUnreachable` when nothing answers. */
  async health(timeoutMs = 3000): Promise<ServerHealth> {
    let response: Response;
    try {
      response = await fetch(`${this.endpoint.http}/health`, { signal: AbortSignal.timeout(timeoutMs), cache: "no-store" });
    } catch (error) {
      throw new ServerUnreachable(this.endpoint.http, error);
    }
    if (!response.ok) throw new ServerUnreachable(this.endpoint.http, new Error(`GET /health answered ${response.status}`));
    return (await response.json()) as ServerHealth;
  }

  /** GET /room-types: every room type the server hosts, what it takes and what it sends. */
  async roomTypes(): Promise<RoomCatalog> {
    let response: Response;
    try {
      response = await fetch(`${this.endpoint.http}/room-types`);
    } catch (error) {
      throw new ServerUnreachable(this.endpoint.http, error);
    }
    if (!response.ok) throw new Error(`GET /room-types answered ${response.status}: is this a tickroom server?`);
    return (await response.json()) as RoomCatalog;
  }

  /**
   * Take a new display name: with a store the account keeps it (same id); without one a
   * new guest token carries it (names come from tokens, not join options).
   */
  async rename(name: string): Promise<void> {
    if (this.#token() === undefined) await this.#newGuest(name);
    else this.#adopt(await this.#expect(await this.#withToken((token) => this.#call("POST", "/auth/guest", { name }, token))));
    this.#setName(name);
  }

  /** Run a join (joinOrCreate, joinById, reconnect...) as the signed-in player. */
  async join<T extends Room>(attempt: (client: Client<TickroomServer>) => Promise<T>): Promise<T> {
    if (this.#token() === undefined) await this.#signIn();
    try {
      return await attempt(this.client);
    } catch (error) {
      if (!isUnauthenticated(error)) throw asUnreachable(error, this.endpoint.http);
      await this.#renew();
      return await attempt(this.client).catch((retryError: unknown) => {
        throw asUnreachable(retryError, this.endpoint.http);
      });
    }
  }

  /**
   * Give this player a username and password (the server needs a store): the guest account
   * takes them and keeps its id, ratings and history. Rejects with the server's reason
   * (a taken username: 409; a short password: 400).
   */
  async register(username: string, password: string): Promise<Profile> {
    const body = await this.#expect(await this.#withToken((token) => this.#call("POST", "/auth/register", { username, password }, token)));
    this.#adopt(body);
    return this.me();
  }

  /** Sign in to an account on this browser (this tab and the next reloads). Rejects with the server's reason (401, 429). */
  async login(username: string, password: string): Promise<Profile> {
    this.#adopt(await this.#expect(await this.#call("POST", "/auth/login", { username, password })));
    return this.me();
  }

  /** End this browser's session on the server; the next join starts a new guest. */
  async logout(): Promise<void> {
    const token = this.#token();
    this.#forget();
    // Already signed out, or a server without accounts: nothing more to end.
    if (token !== undefined) await this.#call("POST", "/auth/logout", undefined, token);
  }

  /** Who the server says this player is: `{ id, name, username?, guest, createdAt }`. */
  async me(): Promise<Profile> {
    const response = await this.#withToken((token) => this.#call("GET", "/auth/me", undefined, token));
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as Profile;
  }

  #token(): string | undefined {
    return this.client.auth.token || undefined;
  }

  /** A request with the current token; on 401 the player is signed in again and it is retried once. */
  async #withToken(request: (token: string) => Promise<Response>): Promise<Response> {
    if (this.#token() === undefined) await this.#signIn();
    const response = await request(this.#token()!);
    if (response.status !== UNAUTHENTICATED) return response;
    await this.#renew();
    return request(this.#token()!);
  }

  /** The stored refresh credential if it still works, else a new guest. */
  async #signIn(): Promise<void> {
    await this.#renew();
  }

  async #renew(): Promise<void> {
    if (!(await this.#refresh())) await this.#newGuest(this.#name);
  }

  async #newGuest(name: string): Promise<void> {
    this.#adopt(await this.#expect(await this.#call("POST", "/auth/guest", { name })));
  }

  /**
   * Trade the stored refresh credential for a token (and its successor); false when there is
   * none or it is refused. A credential another refresh traded a moment ago (another tab, where
   * there are no Web Locks) is answered 401 `already refreshed`, its session untouched: then
   * the successor that tab stores is used instead, once.
   */
  async #refresh(): Promise<boolean> {
    return exclusive("tickroom:refresh", async () => {
      // Read inside the lock: another tab may have rotated it meanwhile.
      let refreshToken = this.storage.local.getItem(REFRESH_KEY);
      for (let attempt = 1; refreshToken !== null; attempt++) {
        const response = await this.#call("POST", "/auth/refresh", { refreshToken });
        if (response.ok) {
          this.#adopt((await response.json()) as SignedIn);
          return true;
        }
        // 401 (signed out, reused, expired), 404 (a server without a store): this one is done.
        const refused = await refusal(response);
        if (response.status >= 500) throw refused;
        const presented = refreshToken;
        refreshToken =
          attempt === 1 && response.status === UNAUTHENTICATED && ALREADY_REFRESHED.test(refused.message) ? await this.#successorOf(presented) : null;
        if (refreshToken === null && this.storage.local.getItem(REFRESH_KEY) === presented) this.storage.local.removeItem(REFRESH_KEY);
      }
      return false;
    });
  }

  /** The credential stored in place of `presented` once the refresh that traded it answers (within a couple of seconds); null when none comes. */
  async #successorOf(presented: string): Promise<string | null> {
    for (let waited = 0; ; waited += SUCCESSOR_POLL_MS) {
      const stored = this.storage.local.getItem(REFRESH_KEY);
      if (stored !== presented) return stored;
      if (waited >= SUCCESSOR_WAIT_MS) return null;
      await new Promise((resolve) => setTimeout(resolve, SUCCESSOR_POLL_MS));
    }
  }

  #adopt(signedIn: SignedIn): void {
    this.client.auth.token = signedIn.token;
    this.storage.session.setItem(TOKEN_KEY, signedIn.token);
    if (signedIn.refreshToken !== undefined) this.storage.local.setItem(REFRESH_KEY, signedIn.refreshToken);
    this.#setName(signedIn.name);
  }

  #forget(): void {
    this.client.auth.token = "";
    this.storage.session.removeItem(TOKEN_KEY);
    this.storage.local.removeItem(REFRESH_KEY);
  }

  #setName(name: string): void {
    this.#name = name;
    this.storage.local.setItem(NAME_KEY, name);
  }

  async #call(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    try {
      return await fetch(`${this.endpoint.http}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      throw new ServerUnreachable(this.endpoint.http, error);
    }
  }

  async #expect(response: Response): Promise<SignedIn> {
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as SignedIn;
  }
}

async function refusal(response: Response): Promise<SignInRefused> {
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  return new SignInRefused(response.status, body.error ?? `sign-in failed (${response.status})`);
}

/** The last task queued under each name, where there are no Web Locks: this page's (tab's) own lock. */
const pageLocks = new Map<string, Promise<unknown>>();

/**
 * Run `task` holding a lock shared by the browser's tabs (Web Locks). Where there are none
 * (they exist only in secure contexts: https, localhost), a lock of this page's: tasks under
 * one name run one after the other.
 */
function exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === "undefined" ? undefined : (navigator as Partial<Navigator>).locks;
  // The lock is held until the task's promise settles; `then` unwraps the promise it resolves with.
  if (locks !== undefined) return locks.request(name, task).then((result) => result);
  const run = (pageLocks.get(name) ?? Promise.resolve()).then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  pageLocks.set(name, settled);
  void settled.then(() => {
    if (pageLocks.get(name) === settled) pageLocks.delete(name);
  });
  return run;
}

function isUnauthenticated(error: unknown): boolean {
  return (error instanceof MatchMakeError || error instanceof ServerError) && error.code === UNAUTHENTICATED;
}

/** A fetch that never got an answer surfaces as a TypeError; say what it means. */
function asUnreachable(error: unknown, endpoint: string): unknown {
  return error instanceof TypeError ? new ServerUnreachable(endpoint, error) : error;
}

/** A message a player can read for any join failure. */
export function describeJoinError(error: unknown): string {
  if (error instanceof ServerUnreachable) return `${error.message}: is it running?`;
  if (error instanceof MatchMakeError || error instanceof ServerError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
