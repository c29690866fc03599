import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { pack } from "msgpackr";
import { parsePrometheusText, sumOf } from "../../loadtest/bench/prometheusText.ts";
import type { ArenaRoom } from "../../rooms/ArenaRoom.ts";
import { ArenaInput } from "../../schema/ArenaState.ts";
import { CloseCode } from "../../shared/errors.ts";
import { seededRandom } from "../../shared/random.ts";
import { eventually, serverRoom, startTestServer, type TestServer, untilState } from "../support/harness.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/**
 * Hostile input against a running server, while bystanders play in other rooms. After
 * every attack the server must be up, the bystanders must keep their state and their
 * connections, the attacker must get a documented close code or error, nothing may
 * surface as an uncaught exception or unhandled rejection, and memory must come back.
 */

const JOIN_ROOM = 0x0a;

/** A raw WebSocket seated through real matchmaking: what a hand-written hostile client is. */
// colyseus-internal: raw-client-handshake
async function rawClient(server: TestServer, room: string, options: object): Promise<{ socket: WebSocket; closed: Promise<number> }> {
  const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/${room}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const seat = (await response.json()) as { roomId: string; processId: string; sessionId: string };
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  socket.binaryType = "arraybuffer";
  const done = new Promise<number>((resolve) => {
    socket.onclose = (event) => resolve(event.code);
  });
  // The server's handshake first; the client's ack then makes it a joined client.
  await new Promise<void>((resolve, reject) => {
    socket.onmessage = (event) => {
      if (new Uint8Array(event.data as ArrayBuffer)[0] === JOIN_ROOM) {
        socket.send(Uint8Array.of(JOIN_ROOM));
        resolve();
      }
    };
    socket.onerror = () => reject(new Error("raw socket failed"));
  });
  return { socket, closed: done };
}

function withTimeout(promise: Promise<number>, what: string): Promise<number> {
  return Promise.race([promise, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`${what}: not closed within 4 s`)), 4000))]);
}

/** A ROOM_DATA frame: code, Colyseus string type, msgpack payload. */
function roomData(type: string, payload: Uint8Array): Uint8Array {
  const typeBytes = Buffer.from(type);
  return Uint8Array.from([0x0d, 0xa0 | typeBytes.length, ...typeBytes, ...payload]);
}

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("hostile input", () => {
  let server: TestServer;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown): void => {
    crashes.push(error);
  };
  let chatA: Room, chatB: Room, xPlayer: Room, oPlayer: Room, runner: Room;

  before(async () => {
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);
    server = await startTestServer();
    chatA = await server.client().joinOrCreate("chat", { channel: "bystanders", name: "a" });
    chatB = await server.client().joinOrCreate("chat", { channel: "bystanders", name: "b" });
    chatA.send("say", { text: "still here" });
    await untilState(chatB, (s) => s.messages.length === 1);
    xPlayer = await server.client().create("tictactoe", {});
    oPlayer = await server.client().joinById(xPlayer.roomId, {});
    await untilState(xPlayer, (s) => s.status === "playing");
    const first = xPlayer.state.currentTurn === xPlayer.sessionId ? xPlayer : oPlayer;
    first.send("move", { index: 4 });
    await untilState(oPlayer, (s) => s.board[4] !== 0);
    runner = await server.client().joinOrCreate("arena", { name: "runner" });
    await untilState(runner, (s) => s.players.has(runner.sessionId));
  });

  after(async () => {
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
    await server.close();
  });

  /** Chat lines the bystanders have said so far: each check adds one. */
  let said = 1;
  let lastSaidAt = 0;

  /** The bystanders' rooms are as they were and everyone is still connected and served. */
  async function bystandersUnharmed(): Promise<void> {
    assert.equal(chatB.state.messages.length, said);
    assert.equal(chatB.state.members.size, 2);
    assert.equal(xPlayer.state.board.filter((cell: number) => cell !== 0).length, 1);
    assert.equal(oPlayer.state.status, "playing");
    // The checks come faster than people type: stay under the chat's 10 messages a second.
    const sinceLast = performance.now() - lastSaidAt;
    if (sinceLast < 300) await new Promise((resolve) => setTimeout(resolve, 300 - sinceLast));
    lastSaidAt = performance.now();
    // Alternate speakers: each stays inside the chat's line budget (a burst of 5, then 1 a second).
    const [speaker, listener] = said % 2 === 0 ? [chatA, chatB] : [chatB, chatA];
    speaker.send("say", { text: `still here ${said}` });
    said++;
    await untilState(listener, (s) => s.messages.length === said, "chat still served");
    const input = runner.input({ type: ArenaInput });
    const before = input.lastProcessed;
    input.send();
    await eventually(() => input.lastProcessed > before, "arena still stepping");
    assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200);
  }

  const attacks: Array<[string, (socket: WebSocket) => void, number]> = [
    ["a text frame", (s) => s.send("hello"), CloseCode.WITH_ERROR],
    ["an empty frame", (s) => s.send(new Uint8Array(0)), CloseCode.WITH_ERROR],
    ["an unknown protocol code", (s) => s.send(Uint8Array.of(0x05, 1, 2, 3)), CloseCode.WITH_ERROR],
    ["a server-to-client code (ROOM_STATE)", (s) => s.send(Uint8Array.of(0x0e, 0x80, 0x01)), CloseCode.WITH_ERROR],
    ["a modifier bit on a message frame", (s) => s.send(Uint8Array.of(0x8d, 0xa3, 0x73, 0x61, 0x79)), CloseCode.WITH_ERROR],
    ["a truncated frame (code only)", (s) => s.send(Uint8Array.of(0x0d)), CloseCode.WITH_ERROR],
    ["a type longer than the frame", (s) => s.send(Uint8Array.of(0x0d, 0xbf, 0x61)), CloseCode.WITH_ERROR],
    ["malformed msgpack", (s) => s.send(roomData("say", Uint8Array.of(0xde, 0xff, 0xff, 0xa1))), CloseCode.WITH_ERROR],
    ["a deeply nested payload", (s) => s.send(roomData("say", pack(nested(1000)))), CloseCode.WITH_ERROR],
    [
      "__proto__ and constructor keys",
      (s) => s.send(roomData("say", pack({ __proto__: { text: "x" }, constructor: { prototype: { text: "x" } } }))),
      CloseCode.WITH_ERROR,
    ],
    ["an unknown message type", (s) => s.send(roomData("admin", pack({}))), CloseCode.WITH_ERROR],
    ["a frame over the size limit", (s) => s.send(new Uint8Array(8192)), CloseCode.MESSAGE_TOO_BIG],
  ];

  for (const [what, attack, expected] of attacks) {
    it(`closes a client sending ${what} with ${expected}; everyone else plays on`, async () => {
      const { socket, closed: code } = await rawClient(server, "chat", { channel: "bystanders", name: "mallory" });
      attack(socket);
      assert.equal(await withTimeout(code, what), expected);
      await eventually(() => chatA.state.members.size === 2, "attacker's seat freed at once (no reconnection window)");
      await bystandersUnharmed();
    });
  }

  it("closes an arena player sending undecodable input frames (4002, seat freed at once, counted); the runner plays on", async () => {
    const garbage: ReadonlyArray<[string, Uint8Array]> = [
      ["a field the input schema does not have", Uint8Array.of(0x13, 0x09, 0x01)],
      ["a value cut short", Uint8Array.of(0x13, 0x00, 0x00, 0x80)],
      ["a structure switch", Uint8Array.of(0x13, 0xff, 0x05, 0x00)],
      // ROOM_INPUT_UNRELIABLE rings (several steps per message): [base seq][length][frame]...
      ["a ring slot with a field the input schema does not have", Uint8Array.of(0x14, 0x01, 0x02, 0x09, 0x01)],
      ["a ring longer than the input buffer (33 empty slots)", Uint8Array.of(0x14, 0x01, ...new Array<number>(33).fill(0))],
    ];
    for (const [what, frame] of garbage) {
      const { socket, closed: code } = await rawClient(server, "arena", { name: "mallory" });
      const room = serverRoom<ArenaRoom>(runner.roomId);
      await eventually(() => room.state.players.size === 2, "the attacker is in the arena");
      socket.send(frame);
      assert.equal(await withTimeout(code, what), CloseCode.WITH_ERROR, what);
      await eventually(() => room.state.players.size === 1, `${what}: the attacker's player removed at once (no reconnection window)`);
    }
    const metrics = parsePrometheusText(await (await fetch(`${server.httpUrl}/metrics`)).text());
    assert.equal(sumOf(metrics, "tickroom_rejected_messages_total", { type: "arena", reason: "undecodable_input" }), garbage.length);
    await bystandersUnharmed();
  });

  it("closes clients sending random bytes (200 seeded frames), whatever the bytes", async () => {
    const random = seededRandom(42);
    let closedCount = 0;
    for (let i = 0; i < 40; i++) {
      const { socket, closed: code } = await rawClient(server, "chat", { channel: "bystanders", name: "noise" });
      for (let f = 0; f < 5 && socket.readyState === WebSocket.OPEN; f++) {
        const frame = Uint8Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256));
        // Keep the protocol byte off the codes a joined client may legitimately send
        // without a payload (leave, ping): those are not attacks.
        if ([0x0c, 0x12].includes((frame[0] as number) & 0x1f)) frame[0] = 0x05;
        socket.send(frame);
      }
      socket.close();
      const result = await withTimeout(code, "random bytes");
      if (result === CloseCode.WITH_ERROR) closedCount++;
    }
    assert.ok(closedCount >= 30, `${closedCount} of 40 noisy clients closed by the server with 4002`);
    await eventually(() => chatA.state.members.size === 2, "noise seats freed");
    await bystandersUnharmed();
  });

  it("leaves Object.prototype alone when join options or messages carry __proto__ and constructor keys", async () => {
    const body = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"channel":"bystanders","name":"p"}';
    const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/chat`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.ok(response.status === 200 || response.status === 400, `status ${response.status}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(Object.prototype, "polluted"), false);
  });

  it("answers invalid JSON and wrong types at every matchmaking route with a 4xx or a documented 52x, never a 500", async () => {
    const routes = [
      "/matchmake/joinOrCreate/chat",
      "/matchmake/create/arena",
      "/matchmake/join/tictactoe",
      "/matchmake/joinById/nope",
      "/matchmake/reconnect/nope",
      "/matchmake/joinOrCreate/nope",
      "/matchmake/bogus/chat",
      "/join-code/ABCDEF",
      "/auth/guest",
    ];
    const bodies = ["not json", "[]", "42", "null", '"text"', '{"channel":42,"name":{"x":1}}', '{"mode":"nope"}', "{".repeat(2000)];
    for (const route of routes) {
      for (const body of bodies) {
        const response = await fetch(`${server.httpUrl}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body });
        const answer = (await response.json()) as { code?: unknown; error?: unknown };
        assert.ok(
          response.status === 200 || (response.status >= 400 && response.status < 500) || [520, 521, 522].includes(response.status),
          `${route} ${body.slice(0, 20)}: ${response.status}`,
        );
        if (response.status !== 200) {
          // One shape for every error, Colyseus's own included.
          assert.equal(typeof answer.error, "string", `${route} ${body.slice(0, 20)}`);
          assert.equal(answer.code, response.status, `${route} ${body.slice(0, 20)}: ${JSON.stringify(answer)}`);
        }
      }
    }
    await bystandersUnharmed();
  });

  it("refuses a form or text body at matchmaking, join codes and sign-in (400): it is never read as join options", async () => {
    for (const route of ["/matchmake/joinOrCreate/chat", "/join-code/ABCDEF", "/auth/guest"]) {
      for (const [contentType, body] of [
        ["application/x-www-form-urlencoded", "hello"],
        ["text/plain", '{"name":"x"}'],
      ] as const) {
        const response = await fetch(`${server.httpUrl}${route}`, { method: "POST", headers: { "content-type": contentType }, body });
        assert.equal(response.status, 400, `${route} ${contentType}`);
        assert.deepEqual(await response.json(), { code: 400, error: "request body must be JSON (Content-Type: application/json)" });
      }
    }
    const json = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/chat`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: "{}",
    });
    assert.equal(json.status, 200, "JSON with a charset is JSON");
    await bystandersUnharmed();
  });

  it("refuses a body over the limit (413) and one without Content-Length (411)", async () => {
    const big = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "x", pad: "y".repeat(20_000) }),
    });
    assert.equal(big.status, 413);
    const chunks = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{}"));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    assert.equal(chunked.status, 411);
  });

  it("ends with nothing crashed, every attacker counted, and memory back", async () => {
    assert.deepEqual(crashes, []);
    const metrics = parsePrometheusText(await (await fetch(`${server.httpUrl}/metrics`)).text());
    for (const reason of [
      "text_frame",
      "empty_frame",
      "unknown_protocol_code",
      "bad_modifier",
      "undecodable_message",
      "invalid_payload",
      "unknown_type",
      "oversized",
    ]) {
      assert.ok(sumOf(metrics, "tickroom_rejected_messages_total", { reason }) >= 1, `rejections counted as ${reason}`);
    }
    assert.equal(sumOf(metrics, "tickroom_clients", { type: "chat" }), 2, "only the bystanders remain");
    for (let i = 0; i < 3; i++) gc();
    const settled = process.memoryUsage().heapUsed;
    // Hundreds of attacking clients came and went; what they left must be collectable.
    assert.ok(settled < 200 * 1024 * 1024, `heap ${Math.round(settled / 1048576)} MiB`);
  });
});

describe("a flood of joins from one address", () => {
  it("is throttled with 429 while other players' rooms carry on", async () => {
    const server = await startTestServer({ HTTP_RATE_PER_SECOND: "10", HTTP_RATE_BURST: "20" });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 100 }, () =>
          fetch(`${server.httpUrl}/matchmake/joinOrCreate/tictactoe`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).then(
            async (response) => {
              if (response.status === 429) assert.ok(Number(response.headers.get("retry-after")) >= 1);
              await response.body?.cancel();
              return response.status;
            },
          ),
        ),
      );
      const throttled = statuses.filter((s) => s === 429).length;
      assert.ok(throttled >= 70 && throttled <= 80, `${throttled} of 100 throttled (burst 20)`);
      assert.ok(statuses.every((s) => s === 200 || s === 429));
      assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200, "health is not throttled");
    } finally {
      await server.close();
    }
  });

  it("refuses rooms past MAX_ROOMS_PER_PROCESS with 503 and keeps the ones it has", async () => {
    const server = await startTestServer({ MAX_ROOMS_PER_PROCESS: "2" });
    try {
      const a = await server.client().create("tictactoe", {});
      const b = await server.client().create("tictactoe", {});
      await assert.rejects(server.client().create("tictactoe", {}), (error: { code?: number }) => error.code === 503);
      const c = await server.client().joinById(a.roomId, {});
      assert.equal(c.roomId, a.roomId, "joining existing rooms still works");
      await Promise.all([a.leave(), b.leave(), c.leave()]);
      await eventually(() => matchMaker.stats.local.roomCount === 0, "rooms disposed");
      const d = await server.client().create("tictactoe", {});
      await d.leave();
    } finally {
      await server.close();
    }
  });
});
