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
const UNAUTHENTICATED = 401;

/**
 * The page's link to one tickroom server: the SDK client, and the player's guest identity.
 * The name is kept per browser (localStorage); the token per tab (sessionStorage), so two
 * tabs are two players. A token the server no longer accepts (a dev server restarts with
 * a new secret) is replaced once, transparently.
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

  /** Take a new display name: a new guest token carries it (names come from tokens, not join options). */
  async rename(name: string): Promise<void> {
    await this.#signIn(name);
    this.#name = name;
    this.storage.local.setItem(NAME_KEY, name);
  }

  /** Run a join (joinOrCreate, joinById, reconnect...) as the signed-in guest. */
  async join<T extends Room>(attempt: (client: Client<TickroomServer>) => Promise<T>): Promise<T> {
    if (!this.client.auth.token) await this.#signIn(this.#name);
    try {
      return await attempt(this.client);
    } catch (error) {
      if (!isUnauthenticated(error)) throw asUnreachable(error, this.endpoint.http);
      await this.#signIn(this.#name);
      return await attempt(this.client).catch((retryError: unknown) => {
        throw asUnreachable(retryError, this.endpoint.http);
      });
    }
  }

  async #signIn(name: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.endpoint.http}/auth/guest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
    } catch (error) {
      throw new ServerUnreachable(this.endpoint.http, error);
    }
    const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
    if (!response.ok || body.token === undefined) throw new Error(body.error ?? `sign-in failed (${response.status})`);
    this.client.auth.token = body.token;
    this.storage.session.setItem(TOKEN_KEY, body.token);
  }
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
