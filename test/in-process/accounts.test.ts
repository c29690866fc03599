import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import { ServerLink } from "../../client/web/serverLink.ts";
import { LoginThrottle } from "../../server/accounts/loginThrottle.ts";
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

async function call<T = SignedIn>(server: TestServer, method: string, path: string, body?: unknown, token?: string): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.httpUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as T, headers: response.headers };
}

async function guest(server: TestServer, name: string): Promise<SignedIn> {
  const { status, body } = await call(server, "POST", "/auth/guest", { name });
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

async function refresh(server: TestServer, refreshToken: string): Promise<Answer> {
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

    it("rotates the refresh credential on every use; a rotated one used again signs its session out", async () => {
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
      // The first credential again: someone kept a copy.
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
function loginFrom(server: TestServer, localAddress: string, body: unknown): Promise<{ status: number; retryAfter: string | undefined }> {
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
  let server: TestServer;
  before(async () => {
    opened = await freshEmbeddedStore();
    server = await startTestServer({ AUTH_SECRET: SECRET }, { store: opened.store });
    assert.equal((await call(server, "POST", "/auth/register", { username: "Ivy", password: "ivy's password" })).status, 201);
    assert.equal((await call(server, "POST", "/auth/register", { username: "Jay", password: "jay's password" })).status, 201);
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
      assert.equal(refused.retryAfter, "1");
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
    assert.ok(Number(refused.retryAfter) >= 1);
    assert.equal((await loginFrom(server, "127.0.0.5", { username: "Jay", password: "jay's password" })).status, 200);
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
});
