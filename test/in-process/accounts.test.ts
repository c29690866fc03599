import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Room } from "@colyseus/sdk";
import express from "express";
import { ServerLink } from "../../client/web/serverLink.ts";
import { LoginThrottle } from "../../server/accounts/loginThrottle.ts";
import { HashQueueFull, PasswordHasher } from "../../server/accounts/passwords.ts";
import type { AuthRouterOptions } from "../../server/accounts/routes.ts";
import { GuestAuth } from "../../server/auth.ts";
import type { Store } from "../../server/store/store.ts";
import { CloseCode } from "../../shared/errors.ts";
import { closed, killSocket, startTestServer, type TestServer, untilState } from "../support/harness.ts";
import { freshEmbeddedStore, type OpenedStore, STORE_ENGINES } from "../support/stores.ts";

const SECRET = "first-boot-secret-long-enough-for-hs256-signing";
const OTHER_SECRET = "second-boot-secret-also-long-enough-for-hs256";

interface Answer<T = SignedIn> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A signed-in answer: `POST /auth/guest`, `/auth/refresh`, `/auth/register`, `/auth/login`. */
interface SignedIn {
  token: string;
  id: string;
  name: string;
  expiresAt: string;
  guest: boolean;
  username?: string;
  refreshToken?: string;
  refreshExpiresAt?: string;
  code?: number;
  error?: string;
}

/** Where `/auth/*` answers: a whole test server, or the routes alone (`startAuthRoutes`). */
type AuthEndpoint = Pick<TestServer, "httpUrl" | "port">;

/**
 * Only the `/auth/*` routes, over `store`, with `options` the server never sets (a clock,
 * a long first wait, a small hash queue); closed by the test.
 */
async function startAuthRoutes(store: Store, options: AuthRouterOptions): Promise<AuthEndpoint & { close(): Promise<void> }> {
  const app = express();
  app.use(new GuestAuth({ secret: SECRET, required: false, tokenTtlSeconds: 3600 }, store).router(options));
  const http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.close((error) => (error === undefined ? resolve() : reject(error)));
        http.closeAllConnections();
      }),
  };
}

async function call<T = SignedIn>(server: AuthEndpoint, method: string, path: string, body?: unknown, token?: string): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.httpUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as T, headers: response.headers };
}

async function guest(server: AuthEndpoint, name: string): Promise<SignedIn> {
  const { status, body } = await call(server, "POST", "/auth/guest", { name });
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

async function refresh(server: AuthEndpoint, refreshToken: string): Promise<Answer> {
  return call(server, "POST", "/auth/refresh", { refreshToken });
}

/**
 * Raw matchmaking, for tokens that must be refused (401). A seat it did reserve would be
 * left unused, holding the process open for Colyseus's 15 s reservation timer: a token
 * that must get in joins for real (`joinChat`).
 */
async function matchmakeStatus(server: TestServer, token: string): Promise<number> {
  const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ channel: "accounts-probe" }),
  });
  await response.body?.cancel();
  return response.status;
}

/** A real SDK client in a chat room with `token`; resolves once the room has it as a member. */
async function joinChat(server: TestServer, token: string, channel: string): Promise<Room> {
  const client = server.client();
  client.auth.token = token;
  const room = await client.joinOrCreate("chat", { channel });
  await untilState(room, (state) => state.members.has(room.sessionId));
  return room as unknown as Room;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("base64url");

/** The refresh credentials a session traded away (server/accounts/accounts.ts keeps the table's type to itself). */
interface RetiredRefreshTable {
  refresh_hash: string;
  session_id: string;
  retired_at: number;
}

for (const engine of STORE_ENGINES) {
  describe(`accounts on the ${engine.name} store`, () => {
    let opened: OpenedStore;
    let server: TestServer;
    before(async () => {
      opened = await engine.open();
      server = await startTestServer({ AUTH_SECRET: SECRET }, { store: opened.store });
    });
    after(async () => {
      await server?.close();
      await opened?.dispose();
    });

    it("keeps a guest, which its refresh credential brings back after a restart with a new secret", async () => {
      const ada = await guest(server, "Ada");
      assert.match(ada.id, /^p-[0-9a-f-]{36}$/);
      assert.equal(ada.guest, true);
      assert.match(ada.refreshToken ?? "", /^[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url");
      assert.ok(Date.parse(ada.refreshExpiresAt ?? "") > Date.now() + 80 * 86_400_000, "lasts about 90 days");
      const row = await opened.store.db.selectFrom("accounts").selectAll().where("id", "=", ada.id).executeTakeFirstOrThrow();
      assert.deepEqual({ name: row.name, username: row.username, password_hash: row.password_hash }, { name: "Ada", username: null, password_hash: null });
      const me = await call(server, "GET", "/auth/me", undefined, ada.token);
      assert.equal(me.status, 200);
      assert.deepEqual({ ...me.body, createdAt: undefined }, { id: ada.id, name: "Ada", guest: true, createdAt: undefined });
      assert.ok(Math.abs(Date.parse(String((me.body as { createdAt?: string }).createdAt)) - Date.now()) < 60_000);

      // A restart: the same store, another per-boot secret. The old access token means nothing now.
      await server.close();
      server = await startTestServer({ AUTH_SECRET: OTHER_SECRET }, { store: opened.store });
      assert.equal(await matchmakeStatus(server, ada.token), 401);
      const back = await refresh(server, ada.refreshToken!);
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal(back.body.id, ada.id);
      assert.equal(back.body.name, "Ada");
      assert.notEqual(back.body.refreshToken, ada.refreshToken, "rotated");
      const room = await joinChat(server, back.body.token, "restart");
      const state = room.state as { members: Map<string, { name: string }> };
      assert.equal(state.members.get(room.sessionId)?.name, "Ada");
      await room.leave();
    });

    it("rotates the refresh credential on every use; a rotated one used again moments later is refused harmlessly, later it signs its session out", async () => {
      const bo = await guest(server, "Bo");
      const first = await refresh(server, bo.refreshToken!);
      assert.equal(first.status, 200);
      const second = await refresh(server, first.body.refreshToken!);
      assert.equal(second.status, 200);
      assert.equal(second.body.id, bo.id);
      // Stored only as a hash.
      const session = await opened.store.db.selectFrom("sessions").selectAll().where("account_id", "=", bo.id).executeTakeFirstOrThrow();
      assert.equal(session.refresh_hash, sha256(second.body.refreshToken!));
      assert.equal(session.revoked_at, null);

      const room = await joinChat(server, second.body.token, "rotation");
      const closing = closed(room);
      // The first credential again, seconds after it was traded: a retried request, another tab.
      const replayed = await refresh(server, first.body.refreshToken!);
      assert.equal(replayed.status, 401);
      assert.match(String(replayed.body.error), /already refreshed/);
      await (await joinChat(server, second.body.token, "rotation-replayed")).leave();
      assert.equal(room.connection.isOpen, true, "the session goes on");
      // As if 31 s had passed since it was traded (past the 30 s grace period): someone kept a copy.
      await opened.store.db
        .withTables<{ retired_refresh: RetiredRefreshTable }>()
        .updateTable("retired_refresh")
        .set({ retired_at: Date.now() - 31_000 })
        .where("refresh_hash", "=", sha256(first.body.refreshToken!))
        .execute();
      const reused = await refresh(server, first.body.refreshToken!);
      assert.equal(reused.status, 401);
      assert.match(String(reused.body.error), /already used/);
      assert.equal(await closing, CloseCode.SIGNED_OUT, "the session's connection is closed");
      assert.equal((await refresh(server, second.body.refreshToken!)).status, 401, "the latest credential is dead too");
      assert.equal(await matchmakeStatus(server, second.body.token), 401, "and the session's access tokens");
      assert.equal((await refresh(server, "never-issued-credential")).status, 401);
      for (const bad of [{}, { refreshToken: "" }, { refreshToken: 42 }, { refreshToken: "x", extra: true }]) {
        assert.equal((await call(server, "POST", "/auth/refresh", bad)).status, 400, JSON.stringify(bad));
      }
    });

    it("two refreshes racing with one credential: one trades it, the other is told it was already refreshed; the session stands (no 4004)", async () => {
      const racer = await guest(server, "Racer");
      const room = await joinChat(server, racer.token, "race");
      let credential = racer.refreshToken!;
      let token = racer.token;
      for (let round = 1; round <= 5; round++) {
        const answers = await Promise.all([refresh(server, credential), refresh(server, credential)]);
        const outcome = JSON.stringify(answers.map(({ status, body }) => [status, body.error]));
        const won = answers.filter(({ status }) => status === 200);
        const lost = answers.filter(({ status }) => status !== 200);
        assert.equal(won.length, 1, `round ${round}: exactly one trades it: ${outcome}`);
        assert.equal(lost[0]!.status, 401, outcome);
        assert.match(String(lost[0]!.body.error), /already refreshed/, outcome);
        credential = won[0]!.body.refreshToken!;
        token = won[0]!.body.token;
      }
      const session = await opened.store.db.selectFrom("sessions").selectAll().where("account_id", "=", racer.id).executeTakeFirstOrThrow();
      assert.equal(session.revoked_at, null, "not signed out");
      assert.equal(session.refresh_hash, sha256(credential));
      // Its tokens still join (the first one too), and its connection was never closed.
      await (await joinChat(server, token, "race-after")).leave();
      await (await joinChat(server, racer.token, "race-after")).leave();
      assert.equal(room.connection.isOpen, true);
      assert.equal((await refresh(server, credential)).status, 200, "the winner's credential works");
      await room.leave();
    });

    it("the grace period is the routes' to set: a credential traded longer ago than it signs its session out", async () => {
      let now = Date.now();
      const routes = await startAuthRoutes(opened.store, { now: () => now, refreshGraceMs: 5000 });
      try {
        const kit = await guest(routes, "Kit");
        const next = await refresh(routes, kit.refreshToken!);
        assert.equal(next.status, 200);
        now += 5000;
        const replayed = await refresh(routes, kit.refreshToken!);
        assert.deepEqual([replayed.status, /already refreshed/.test(String(replayed.body.error))], [401, true], "5 s later: still a replay");
        assert.equal((await call(routes, "GET", "/auth/me", undefined, next.body.token)).status, 200);
        now += 1;
        const reused = await refresh(routes, kit.refreshToken!);
        assert.deepEqual([reused.status, /already used/.test(String(reused.body.error))], [401, true], "past the grace period: theft");
        assert.equal((await refresh(routes, next.body.refreshToken!)).status, 401, "the session is signed out");
        assert.equal((await call(routes, "GET", "/auth/me", undefined, next.body.token)).status, 401);
      } finally {
        await routes.close();
      }
    });

    it("registers usernames unique case-folded (409); a guest that registers keeps its id", async () => {
      const cy = await guest(server, "Cy");
      const upgraded = await call(server, "POST", "/auth/register", { username: "Grace", password: "correct horse" }, cy.token);
      assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body));
      assert.deepEqual([upgraded.body.id, upgraded.body.name, upgraded.body.username, upgraded.body.guest], [cy.id, "Cy", "Grace", false]);
      // Its device's refresh credential still works, for the same (now registered) account.
      const again = await refresh(server, cy.refreshToken!);
      assert.deepEqual([again.status, again.body.id, again.body.guest, again.body.username], [200, cy.id, false, "Grace"]);
      const me = await call(server, "GET", "/auth/me", undefined, again.body.token);
      assert.deepEqual([me.body.id, me.body.username, me.body.guest], [cy.id, "Grace", false]);

      for (const taken of ["Grace", "GRACE", "ｇｒａｃｅ"]) {
        const clash = await call(server, "POST", "/auth/register", { username: taken, password: "another password" });
        assert.equal(clash.status, 409, taken);
        assert.deepEqual(Object.keys(clash.body).sort(), ["code", "error"]);
      }
      const already = await call(server, "POST", "/auth/register", { username: "Grace2", password: "another password" }, again.body.token);
      assert.equal(already.status, 409, "an account that has a username");

      const linus = await call(server, "POST", "/auth/register", { username: "linus_t-1", password: "pen guin!", name: "Linus" });
      assert.equal(linus.status, 201);
      assert.deepEqual([linus.body.name, linus.body.username, linus.body.guest], ["Linus", "linus_t-1", false]);
      assert.match(linus.body.id, /^p-/);
      assert.ok(linus.body.refreshToken);

      const invalid = [
        { username: "ab", password: "long enough" },
        { username: "x".repeat(25), password: "long enough" },
        { username: "with space", password: "long enough" },
        { username: "dot.ted", password: "long enough" },
        { username: "shorty", password: "7 chars" },
        { username: "noPassword" },
        { username: "extra", password: "long enough", admin: true },
        { username: "named", password: "long enough", name: "" },
      ];
      for (const body of invalid) {
        const answer = await call(server, "POST", "/auth/register", body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.code, 400);
      }
    });

    it("logs in by username and password; a wrong password and an unknown username get the same 401", async () => {
      const registered = await call(server, "POST", "/auth/register", { username: "Dana", password: "dana's password" });
      assert.equal(registered.status, 201);
      const login = await call(server, "POST", "/auth/login", { username: "dAnA", password: "dana's password" });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.deepEqual([login.body.id, login.body.name, login.body.guest], [registered.body.id, "Dana", false]);
      assert.ok(login.body.refreshToken, "a session of its own");
      assert.notEqual(login.body.refreshToken, registered.body.refreshToken);
      await (await joinChat(server, login.body.token, "login")).leave();

      const wrong = await call(server, "POST", "/auth/login", { username: "Dana", password: "not the password" });
      const unknown = await call(server, "POST", "/auth/login", { username: "Nobody", password: "not the password" });
      assert.equal(wrong.status, 401);
      assert.deepEqual(unknown, { ...wrong, headers: unknown.headers }, "nothing tells the two apart");
      for (const bad of [{}, { username: "Dana" }, { username: "Dana", password: "" }, { username: 1, password: "x" }]) {
        assert.equal((await call(server, "POST", "/auth/login", bad)).status, 400, JSON.stringify(bad));
      }
    });

    it("logout signs that session out: its tokens join nothing (401), its connections close (4004), other sessions go on", async () => {
      await call(server, "POST", "/auth/register", { username: "Eve", password: "eve's password" });
      const phone = (await call(server, "POST", "/auth/login", { username: "Eve", password: "eve's password" })).body;
      const laptop = (await call(server, "POST", "/auth/login", { username: "Eve", password: "eve's password" })).body;
      const room = await joinChat(server, phone.token, "logout");
      const other = await joinChat(server, laptop.token, "logout");
      const closing = closed(room);

      const out = await call(server, "POST", "/auth/logout", undefined, phone.token);
      assert.equal(out.status, 204);
      assert.equal(await closing, CloseCode.SIGNED_OUT);
      assert.equal(await matchmakeStatus(server, phone.token), 401);
      assert.equal((await refresh(server, phone.refreshToken!)).status, 401);
      assert.equal((await call(server, "POST", "/auth/logout", undefined, phone.token)).status, 401);

      assert.equal(other.connection.isOpen, true, "the other session is untouched");
      await (await joinChat(server, laptop.token, "logout-again")).leave();
      await other.leave();
      const noToken = await call(server, "POST", "/auth/logout");
      assert.equal(noToken.status, 401);
      assert.equal(noToken.headers.get("www-authenticate"), "Bearer");
    });

    it("a session signed out while its player was away does not get the seat back by reconnecting (4004)", async () => {
      const gus = await guest(server, "Gus");
      const room = await joinChat(server, gus.token, "away");
      // The SDK would come back by itself at once; here the test brings it back after the logout.
      room.reconnection.enabled = false;
      const dropped = closed(room);
      killSocket(room.roomId, room.sessionId);
      await dropped;
      assert.equal((await call(server, "POST", "/auth/logout", undefined, gus.token)).status, 204);
      const client = server.client();
      const back = await client.reconnect(room.reconnectionToken);
      assert.equal(await closed(back), CloseCode.SIGNED_OUT);
    });

    it("a deleted account can no longer sign in or join, and its connections close", async () => {
      const made = (await call(server, "POST", "/auth/register", { username: "Fay", password: "fay's password" })).body;
      const room = await joinChat(server, made.token, "delete");
      const closing = closed(room);
      assert.equal((await call(server, "DELETE", "/auth/account", {}, made.token)).status, 400, "the password is required");
      assert.equal((await call(server, "DELETE", "/auth/account", { password: "wrong password" }, made.token)).status, 401);
      assert.equal((await call(server, "DELETE", "/auth/account", { password: "fay's password" }, made.token)).status, 204);
      assert.equal(await closing, CloseCode.SIGNED_OUT);
      assert.equal(await matchmakeStatus(server, made.token), 401);
      assert.equal((await call(server, "POST", "/auth/login", { username: "Fay", password: "fay's password" })).status, 401);
      assert.equal((await refresh(server, made.refreshToken!)).status, 401);
      assert.equal((await call(server, "GET", "/auth/me", undefined, made.token)).status, 401);
      const row = await opened.store.db.selectFrom("accounts").selectAll().where("id", "=", made.id).executeTakeFirstOrThrow();
      assert.ok(row.deleted_at !== null && row.password_hash === null);

      // A guest deletes itself with its token alone.
      const gus = await guest(server, "Gus");
      assert.equal((await call(server, "DELETE", "/auth/account", undefined, gus.token)).status, 204);
      assert.equal(await matchmakeStatus(server, gus.token), 401);
    });

    it("renames the stored account (PATCH /auth/me, or POST /auth/guest with a token), keeping its id", async () => {
      const hal = await guest(server, "Hal");
      const patched = await call(server, "PATCH", "/auth/me", { name: "Hal 9000" }, hal.token);
      assert.deepEqual([patched.status, patched.body.id, patched.body.name], [200, hal.id, "Hal 9000"]);
      const renamed = await call(server, "POST", "/auth/guest", { name: "Dave" }, hal.token);
      assert.deepEqual([renamed.status, renamed.body.id, renamed.body.name, renamed.body.refreshToken], [200, hal.id, "Dave", undefined]);
      // The store has the last word: even the first token joins under the new name.
      const room = await joinChat(server, hal.token, "rename");
      assert.equal((room.state as { members: Map<string, { name: string }> }).members.get(room.sessionId)?.name, "Dave");
      await room.leave();
      assert.equal((await refresh(server, hal.refreshToken!)).body.name, "Dave");
      assert.equal((await call(server, "PATCH", "/auth/me", { name: "" }, hal.token)).status, 400);
      assert.equal((await call(server, "POST", "/auth/guest", { name: "Mallory" }, "not-a-token")).status, 401);
    });
  });
}

/** `POST /auth/login` from a chosen loopback address (all of 127/8 is this machine on Linux). */
function loginFrom(server: AuthEndpoint, localAddress: string, body: unknown): Promise<{ status: number; retryAfter: string | undefined }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/auth/login",
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] }));
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

describe("failed sign-ins", () => {
  let opened: OpenedStore;
  let server: Awaited<ReturnType<typeof startAuthRoutes>>;
  before(async () => {
    opened = await freshEmbeddedStore();
    // A clock that stands still and a first wait of a minute: a wait, once begun, does not
    // end during the test, however slowly the machine runs it.
    const frozen = Date.now();
    server = await startAuthRoutes(opened.store, { now: () => frozen, firstWaitMs: 60_000 });
    for (const username of ["Ivy", "Jay", "Kim"]) {
      const registered = await call(server, "POST", "/auth/register", { username, password: `${username.toLowerCase()}'s password` });
      assert.equal(registered.status, 201);
    }
  });
  after(async () => {
    await server?.close();
    await opened?.dispose();
  });

  it("per username: after 5 wrong passwords, 429 with Retry-After, even for the right one; unknown usernames alike", async () => {
    for (const username of ["Ivy", "Unknown-User"]) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        assert.equal((await loginFrom(server, "127.0.0.2", { username, password: `wrong ${attempt}` })).status, 401, `${username} attempt ${attempt}`);
      }
      const refused = await loginFrom(server, "127.0.0.2", { username, password: "ivy's password" });
      assert.equal(refused.status, 429, username);
      assert.equal(refused.retryAfter, "60");
      // The wait is the username's, wherever the next try comes from.
      assert.equal((await loginFrom(server, "127.0.0.3", { username, password: "ivy's password" })).status, 429);
    }
    assert.equal((await call(server, "POST", "/auth/login", { username: "Someone-Else", password: "wrong" })).status, 401, "other usernames are not held up");
  });

  it("per address: after 20 failures, whatever the usernames, 429 for any username from it; other addresses go on", async () => {
    const attempts = Array.from({ length: 20 }, (_, index) => loginFrom(server, "127.0.0.4", { username: `spray-${index}`, password: "guess" }));
    for (const { status } of await Promise.all(attempts)) assert.equal(status, 401);
    const refused = await loginFrom(server, "127.0.0.4", { username: "Jay", password: "jay's password" });
    assert.equal(refused.status, 429);
    assert.equal(refused.retryAfter, "60");
    assert.equal((await loginFrom(server, "127.0.0.5", { username: "Jay", password: "jay's password" })).status, 200);
  });

  it("per username, in parallel: of 24 wrong passwords at once, from four addresses, 5 are checked (401) and the rest refused (429)", async () => {
    const attempts = Array.from({ length: 24 }, (_, index) => loginFrom(server, `127.0.0.${6 + (index % 4)}`, { username: "Kim", password: `wrong ${index}` }));
    const answers = await Promise.all(attempts);
    const statuses = answers.map(({ status }) => status);
    assert.equal(statuses.filter((status) => status === 401).length, 5, JSON.stringify(statuses));
    assert.equal(statuses.filter((status) => status === 429).length, 19, JSON.stringify(statuses));
    for (const { status, retryAfter } of answers) if (status === 429) assert.ok(Number(retryAfter) >= 1, `Retry-After ${retryAfter}`);
    const refused = await loginFrom(server, "127.0.0.10", { username: "Kim", password: "kim's password" });
    assert.deepEqual([refused.status, refused.retryAfter], [429, "60"], "then the username waits, even with the right password");
  });

  it("a flood of sign-ins past the hash queue is refused at once (503, Retry-After: 1) instead of queued", async () => {
    // One hash at a time and two waiting: the 30 arrive within a few hashes' time.
    const flooded = await startAuthRoutes(opened.store, { hasher: new PasswordHasher(1, 2) });
    try {
      const attempts = Array.from({ length: 30 }, (_, index) =>
        loginFrom(flooded, `127.0.0.${20 + (index % 3)}`, { username: `flood-${index}`, password: "guess" }),
      );
      const answers = await Promise.all(attempts);
      const statuses = answers.map(({ status }) => status);
      assert.ok(
        statuses.every((status) => status === 401 || status === 503),
        JSON.stringify(statuses),
      );
      assert.ok(statuses.filter((status) => status === 401).length >= 3, `the first three are checked: ${JSON.stringify(statuses)}`);
      assert.ok(statuses.includes(503), `the rest do not queue: ${JSON.stringify(statuses)}`);
      for (const { status, retryAfter } of answers) if (status === 503) assert.equal(retryAfter, "1");
      assert.equal((await loginFrom(flooded, "127.0.0.23", { username: "Jay", password: "jay's password" })).status, 200, "then sign-ins go on");
    } finally {
      await flooded.close();
    }
  });

  it("the hasher runs `parallel` hashes with at most `maxWaiting` queued; more are refused at once", async () => {
    const hasher = new PasswordHasher(2, 3);
    const checks = Array.from({ length: 8 }, () =>
      hasher.verify("guess", undefined).then(
        () => "checked",
        (error: unknown) => (error instanceof HashQueueFull ? "refused" : String(error)),
      ),
    );
    assert.deepEqual(await Promise.all(checks), ["checked", "checked", "checked", "checked", "checked", "refused", "refused", "refused"]);
    const stored = await hasher.hash("a password");
    assert.deepEqual([await hasher.verify("a password", stored), await hasher.verify("another one", stored)], [true, false]);
  });

  it("doubles the wait after each further failure, up to a cap; a success forgets the username", () => {
    const throttle = new LoginThrottle(5, 1000, 8000);
    const waits: number[] = [];
    let now = 0;
    for (let failure = 1; failure <= 9; failure++) {
      throttle.failed("k", now);
      waits.push(throttle.waitMs("k", now));
      now += throttle.waitMs("k", now);
    }
    assert.deepEqual(waits, [0, 0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
    assert.equal(throttle.waitMs("k", now), 0, "the wait passes");
    throttle.succeeded("k");
    throttle.failed("k", now);
    assert.equal(throttle.waitMs("k", now), 0, "counting starts again");
    // An hour without failures forgets them too.
    for (let failure = 1; failure <= 4; failure++) throttle.failed("k", now);
    assert.equal(throttle.waitMs("k", now), 1000);
    throttle.failed("k", now + 3_600_000 + 1000);
    assert.equal(throttle.waitMs("k", now + 3_600_000 + 1000), 0);
  });

  it("counts attempts in flight: never more of them than free failures left, past those one at a time", () => {
    const throttle = new LoginThrottle(3, 60_000);
    for (let attempt = 1; attempt <= 3; attempt++) {
      assert.equal(throttle.waitMs("k", 0), 0, `attempt ${attempt} may start`);
      throttle.begin("k", 0);
    }
    assert.equal(throttle.waitMs("k", 0), 1000, "three in flight could use up the three free failures");
    throttle.failed("k", 0);
    assert.equal(throttle.waitMs("k", 0), 1000, "one failure and two in flight");
    throttle.ended("k");
    assert.equal(throttle.waitMs("k", 0), 0, "a check that could not be made does not count");
    throttle.begin("k", 0);
    throttle.failed("k", 0);
    throttle.failed("k", 0);
    assert.equal(throttle.waitMs("k", 0), 60_000, "three failures: the wait");
    throttle.succeeded("k");
    assert.equal(throttle.waitMs("k", 0), 0, "a success forgets them");
  });
});

/** localStorage / sessionStorage for the page's code outside a browser. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
}

describe("the web client's sign-in (client/web/serverLink.ts)", () => {
  let opened: OpenedStore;
  let server: TestServer;
  before(async () => {
    opened = await freshEmbeddedStore();
    server = await startTestServer({ AUTH_SECRET: SECRET }, { store: opened.store });
  });
  after(async () => {
    await server?.close();
    await opened?.dispose();
  });

  const linkTo = (target: TestServer, local: Storage, session: Storage = new MemoryStorage()): ServerLink =>
    new ServerLink({ http: target.httpUrl, source: "page" }, { local, session });
  const chat = (link: ServerLink, channel: string) => link.join((client) => client.joinOrCreate("chat", { channel }));

  it("comes back as the same player after a reload and after a restart; logout starts a new guest; login brings the account back", async () => {
    const local = new MemoryStorage();
    local.setItem("tickroom:name", "Zed");
    const tab = linkTo(server, local);
    await (await chat(tab, "link")).leave();
    const first = await tab.me();
    assert.deepEqual([first.name, first.guest], ["Zed", true]);
    assert.ok(local.getItem("tickroom:refresh"), "the refresh credential is kept per browser");

    // A reload: a new tab's session storage, the browser's local storage.
    const reloaded = linkTo(server, local);
    assert.equal((await reloaded.me()).id, first.id);

    // A restart with a new secret: the tab's access token is refused (401), refreshed once, and the join retried.
    const session = new MemoryStorage();
    const before = linkTo(server, local, session);
    await (await chat(before, "link")).leave();
    const oldToken = session.getItem("tickroom:token");
    await server.close();
    server = await startTestServer({ AUTH_SECRET: OTHER_SECRET }, { store: opened.store });
    const after = linkTo(server, local, session);
    const room = await chat(after, "link");
    const state = await untilState(room, (synced) => synced.members.has(room.sessionId));
    assert.equal(state.members.get(room.sessionId)?.name, "Zed");
    await room.leave();
    assert.notEqual(session.getItem("tickroom:token"), oldToken, "the refused token was replaced");
    assert.equal((await after.me()).id, first.id);

    const registered = await after.register("zed_account", "zed's password");
    assert.deepEqual([registered.id, registered.username, registered.guest], [first.id, "zed_account", false]);
    await assert.rejects(after.register("other_name", "zed's password"), /already has a username/);

    await after.logout();
    assert.equal(local.getItem("tickroom:refresh"), null);
    await (await chat(after, "link")).leave();
    const fresh = await after.me();
    assert.notEqual(fresh.id, first.id, "a new guest");
    assert.equal(fresh.name, "Zed", "under the browser's name");

    await assert.rejects(after.login("zed_account", "not the password"), /wrong username or password/);
    const back = await after.login("ZED_ACCOUNT", "zed's password");
    assert.deepEqual([back.id, back.name, back.guest], [first.id, "Zed", false]);
    await after.rename("Zedd");
    assert.deepEqual([(await after.me()).id, (await after.me()).name, after.name], [first.id, "Zedd", "Zedd"]);
  });

  it("without Web Locks (a plain-http page), a tab refreshes one request at a time, and a tab that loses a race to another takes its successor", async () => {
    assert.equal((globalThis.navigator as Partial<Navigator> | undefined)?.locks, undefined, "as on a page that is no secure context");
    const local = new MemoryStorage();
    local.setItem("tickroom:name", "Yan");
    const { id } = await linkTo(server, local).me();
    const sessionOf = () => opened.store.db.selectFrom("sessions").select(["revoked_at"]).where("account_id", "=", id).execute();

    // A reload: four requests at once without a token, each needing a refresh.
    const realFetch = globalThis.fetch;
    let refreshing = 0;
    let mostAtOnce = 0;
    globalThis.fetch = async (input, init) => {
      const isRefresh = String(input).endsWith("/auth/refresh");
      if (isRefresh) mostAtOnce = Math.max(mostAtOnce, ++refreshing);
      try {
        return await realFetch(input, init);
      } finally {
        if (isRefresh) refreshing--;
      }
    };
    try {
      const tab = linkTo(server, local);
      const profiles = await Promise.all([tab.me(), tab.me(), tab.me(), tab.me()]);
      assert.deepEqual(
        profiles.map((profile) => profile.id),
        [id, id, id, id],
      );
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.equal(mostAtOnce, 1, "one refresh at a time");

    // Another tab trades the stored credential; its answer (and the successor it stores) comes a little later.
    const otherTab = await refresh(server, local.getItem("tickroom:refresh")!);
    assert.equal(otherTab.status, 200);
    const stored = delay(300).then(() => local.setItem("tickroom:refresh", otherTab.body.refreshToken!));
    const reloaded = linkTo(server, local);
    assert.equal((await reloaded.me()).id, id, "told `already refreshed`, it waits for the successor and uses it");
    await stored;
    assert.deepEqual(await sessionOf(), [{ revoked_at: null }], "one session, never signed out");
    assert.equal((await linkTo(server, local).me()).id, id, "the newest credential works");
  });
});
