import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { parseConfig } from "../../server/config.ts";
import { startTestServer, type TestServer, untilState } from "../support/harness.ts";

const SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

async function guest(server: TestServer, body: unknown): Promise<Response> {
  return fetch(`${server.httpUrl}/auth/guest`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function tokenFor(server: TestServer, name: string): Promise<{ token: string; id: string; name: string }> {
  const response = await guest(server, { name });
  assert.equal(response.status, 200);
  return (await response.json()) as { token: string; id: string; name: string };
}

/** Raw matchmaking with a bearer token: the status a client sees, never a 500. */
async function matchmake(
  server: TestServer,
  room: string,
  token: string | undefined,
  options: object = {},
): Promise<{ status: number; body: { code?: number; error?: string } }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/${room}`, { method: "POST", headers, body: JSON.stringify(options) });
  return { status: response.status, body: (await response.json()) as { code?: number; error?: string } };
}

function sign(secret: string, claims: { sub?: string; name?: string }, expiresAt: number): Promise<string> {
  return new SignJWT({ ...claims, guest: true })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("tickroom")
    .setAudience("tickroom-player")
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}

describe("guest authentication", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ AUTH_SECRET: SECRET });
  });
  after(async () => {
    await server.close();
  });

  it("issues a signed guest token with the display name", async () => {
    const issued = await tokenFor(server, "  Ada  ");
    assert.equal(issued.name, "Ada");
    assert.match(issued.id, /^guest-/);
    assert.equal(issued.token.split(".").length, 3, "a JWT");
    for (const bad of [{}, { name: "" }, { name: "x".repeat(33) }, { name: "ok", admin: true }, { name: "bell\u0007" }, "Ada", null]) {
      assert.equal((await guest(server, bad)).status, 400, `refused: ${JSON.stringify(bad)}`);
    }
  });

  it("takes identity from the token, never from join options", async () => {
    const { token } = await tokenFor(server, "Ada");
    const client = server.client();
    client.auth.token = token;
    const room = await client.joinOrCreate("chat", { channel: "auth-1", name: "Impostor" });
    const state = await untilState(room, (s) => s.members.has(room.sessionId));
    assert.equal(state.members.get(room.sessionId)!.name, "Ada");
    const arena = await client.joinOrCreate("arena", { name: "Impostor" });
    const view = await untilState(arena, (s) => s.players.has(arena.sessionId));
    assert.equal(view.players.get(arena.sessionId)!.name, "Ada");
    await Promise.all([room.leave(), arena.leave()]);
  });

  it("answers 401 (not 500) for a malformed, tampered, foreign or expired token, and creates nothing", async () => {
    const { token } = await tokenFor(server, "Ada");
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, name: "Admin" })).toString("base64url")}.${signature}`;
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string, RegExp]> = [
      ["malformed", "not-a-token", /invalid token/],
      ["tampered", tampered, /invalid token/],
      ["signed with another secret", await sign("another-secret-that-is-also-long-enough!", { sub: "guest-x", name: "Eve" }, now + 60), /invalid token/],
      ["expired", await sign(SECRET, { sub: "guest-x", name: "Old" }, now - 10), /token expired/],
      ["unsigned (alg none)", `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`, /invalid token/],
    ];
    for (const [what, bad, message] of cases) {
      for (const room of ["chat", "arena", "tictactoe", "queue", "lobby"]) {
        const options = room === "queue" ? { game: "tictactoe" } : room === "chat" ? { channel: "auth-2" } : {};
        const { status, body } = await matchmake(server, room, bad, options);
        assert.equal(status, 401, `${what} token to ${room}`);
        assert.match(body.error ?? "", message, `${what} token to ${room}`);
      }
    }
    const rooms = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.doesNotMatch(rooms, /^tickroom_rooms\{type="chat"\} [1-9]/m, "no room created for a refused token");
  });

  it("lets anonymous guests in when authentication is not required", async () => {
    const { status, body } = await matchmake(server, "tictactoe", undefined);
    assert.equal(status, 200);
    // Take the seat (an unused reservation would hold the process open for 15 s).
    const room = await server.client().consumeSeatReservation(body as never);
    await room.leave();
  });

  it("without a store: every guest is new, with no refresh credential; account routes answer 404", async () => {
    const issued = (await (await guest(server, { name: "Ada" })).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(issued).sort(), ["expiresAt", "guest", "id", "name", "token"]);
    const again = (await (await guest(server, { name: "Ada" })).json()) as { id: string };
    assert.notEqual(again.id, issued.id, "ephemeral: a new guest each time");
    const token = String(issued.token);
    const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
    const routes: Array<[string, string, unknown]> = [
      ["POST", "/auth/refresh", { refreshToken: "x" }],
      ["POST", "/auth/register", { username: "ada_l", password: "long enough" }],
      ["POST", "/auth/login", { username: "ada_l", password: "long enough" }],
      ["POST", "/auth/logout", undefined],
      ["DELETE", "/auth/account", {}],
    ];
    for (const [method, path, body] of routes) {
      const response = await fetch(`${server.httpUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(((await response.json()) as { code: number }).code, 404);
    }
    // The token says who it is, and a new name keeps the guest's id for as long as the token lives.
    const me = (await (await fetch(`${server.httpUrl}/auth/me`, { headers })).json()) as Record<string, unknown>;
    assert.deepEqual([me.id, me.name, me.guest, typeof me.createdAt], [issued.id, "Ada", true, "string"]);
    const renamed = await fetch(`${server.httpUrl}/auth/me`, { method: "PATCH", headers, body: JSON.stringify({ name: "Ada L." }) });
    const answer = (await renamed.json()) as { id: string; name: string; token: string };
    assert.deepEqual([renamed.status, answer.id, answer.name], [200, issued.id, "Ada L."]);
    assert.notEqual(answer.token, token);
  });
});

describe("AUTH_REQUIRED", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ AUTH_SECRET: SECRET, AUTH_REQUIRED: "true" });
  });
  after(async () => {
    await server.close();
  });

  it("refuses every room type without a token (401) and seats a player with one", async () => {
    for (const room of ["chat", "arena", "tictactoe", "queue", "lobby"]) {
      const options = room === "queue" ? { game: "tictactoe" } : {};
      const { status, body } = await matchmake(server, room, undefined, options);
      assert.equal(status, 401, room);
      assert.match(body.error ?? "", /authentication required/);
    }
    const { token } = await tokenFor(server, "Grace");
    const client = server.client();
    client.auth.token = token;
    const room = await client.joinOrCreate("tictactoe", {});
    assert.ok(room.sessionId);
    await room.leave();
  });
});

describe("auth configuration", () => {
  it("requires AUTH_SECRET in production and rejects a short one", () => {
    assert.throws(() => parseConfig({ NODE_ENV: "production" }), /AUTH_SECRET: required/);
    assert.throws(() => parseConfig({ AUTH_SECRET: "short" }), /AUTH_SECRET/);
    assert.equal(parseConfig({ NODE_ENV: "production", AUTH_SECRET: SECRET, DEV_TOOLS: "off" }).auth.secret, SECRET);
  });
});
