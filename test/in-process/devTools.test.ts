import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../server/config.ts";
import { startTestServer, type TestServer } from "../support/harness.ts";

/** Status of a GET, following the monitor's redirect to its trailing-slash path. */
async function statusOf(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<number> {
  return (await fetch(`${server.httpUrl}${path}`, { headers })).status;
}

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

async function withServer(env: Record<string, string>, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(env);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Production refuses to start without a token secret. */
const AUTH_SECRET = "a-test-secret-that-is-long-enough-for-hs256";

describe("dev tools (monitor and playground)", () => {
  it("are not served in production by default", async () => {
    await withServer({ NODE_ENV: "production", AUTH_SECRET, DEV_TOOLS: "auto" }, async (server) => {
      assert.equal(await statusOf(server, "/monitor/api"), 404);
      assert.equal(await statusOf(server, "/playground/rooms"), 404);
    });
  });

  it("refuse to start open in production: turning them on there needs a password", () => {
    assert.throws(() => parseConfig({ NODE_ENV: "production", AUTH_SECRET, DEV_TOOLS: "on" }), /DEV_TOOLS_PASSWORD/);
  });

  it("sit behind the configured login in production", async () => {
    const password = "correct horse battery";
    await withServer({ NODE_ENV: "production", AUTH_SECRET, DEV_TOOLS: "on", DEV_TOOLS_USER: "ops", DEV_TOOLS_PASSWORD: password }, async (server) => {
      const challenged = await fetch(`${server.httpUrl}/monitor/api`);
      assert.equal(challenged.status, 401);
      assert.match(challenged.headers.get("www-authenticate") ?? "", /^Basic /);
      assert.equal(await statusOf(server, "/monitor/api", basic("ops", "wrong password!")), 401);
      assert.equal(await statusOf(server, "/playground/rooms"), 401);

      const room = await server.client().joinOrCreate("chat", { channel: "watched", name: "w" });
      const listing = await fetch(`${server.httpUrl}/monitor/api`, { headers: basic("ops", password) });
      assert.equal(listing.status, 200);
      const body = (await listing.json()) as { rooms: Array<{ roomId: string }> };
      assert.ok(
        body.rooms.some((r) => r.roomId === room.roomId),
        "the monitor lists the live room",
      );
      assert.equal(await statusOf(server, "/playground/rooms", basic("ops", password)), 200);
      await room.leave();
    });
  });

  it("are open in development", async () => {
    await withServer({ NODE_ENV: "development", DEV_TOOLS: "auto" }, async (server) => {
      assert.equal(await statusOf(server, "/monitor/api"), 200);
      assert.equal(await statusOf(server, "/playground/rooms"), 200);
      assert.equal(await statusOf(server, "/monitor/"), 200);
    });
  });
});
