import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LoadGauge } from "../../server/loadGauge.ts";
import { startTestServer, type TestServer, untilState } from "../support/harness.ts";

/** The process's load as the test says it is. */
class ScriptedLoad implements LoadGauge {
  overloaded = false;
  reading = "event loop 3 ms late";
}

describe("load shedding", () => {
  const load = new ScriptedLoad();
  let server: TestServer;
  before(async () => {
    server = await startTestServer({}, { load });
  });
  after(async () => {
    await server.close();
  });

  const post = (path: string, body: object = {}): Promise<Response> =>
    fetch(`${server.httpUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("refuses new seats with 503 while overloaded, serves the players already seated, and seats again after", async () => {
    const seated = await server.client().joinOrCreate("chat", { channel: "busy", name: "early" });

    load.overloaded = true;
    load.reading = "event loop 240 ms late";
    for (const path of ["/matchmake/joinOrCreate/chat", "/matchmake/create/arena", "/join-code/ABCDEF"]) {
      const response = await post(path);
      assert.equal(response.status, 503, path);
      assert.equal(response.headers.get("retry-after"), "1", path);
      const body = (await response.json()) as { code: number; error: string };
      assert.equal(body.code, 503, path);
      assert.match(body.error, /at capacity \(event loop 240 ms late\)/, path);
    }
    await assert.rejects(server.client().joinOrCreate("chat", { channel: "busy", name: "late" }), (error: { code?: number }) => error.code === 503);
    // The room already running goes on: its player is still served.
    seated.send("say", { text: "still here" });
    await untilState(seated, (s) => s.messages.length === 1, "the seated player's line");
    assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200, "health answers: the process is alive, only full");

    load.overloaded = false;
    const late = await server.client().joinOrCreate("chat", { channel: "busy", name: "late" });
    await untilState(late, (s) => s.members.size === 2, "seated once the load fell");
    await Promise.all([seated.leave(), late.leave()]);
  });
});
