import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Room as ServerRoom } from "@colyseus/core";
import WebSocket from "ws";
import { parsePrometheusText, sumOf } from "../../loadtest/bench/prometheusText.ts";
import type { ArenaRoom } from "../../rooms/ArenaRoom.ts";
import { eventually, serverRoom, startTestServer, type TestServer, untilState } from "../support/harness.ts";

const JOIN_ROOM = 0x0a;
const ROOM_DATA = 0x0d;

/** A `ws` client seated through real matchmaking, so the test controls pongs and reading. */
// colyseus-internal: raw-client-handshake
async function rawClient(server: TestServer, room: string, options: object, socketOptions: WebSocket.ClientOptions = {}) {
  const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/${room}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  const seat = (await response.json()) as { roomId: string; processId: string; sessionId: string };
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`, socketOptions);
  // Counted from the first byte: the server's heartbeat may ping during the handshake.
  let pings = 0;
  socket.on("ping", () => pings++);
  await new Promise<void>((resolve, reject) => {
    socket.once("message", (data: Buffer) => {
      if (data[0] === JOIN_ROOM) socket.send(Uint8Array.of(JOIN_ROOM));
      resolve();
    });
    socket.once("error", reject);
  });
  return { socket, seat, pings: (): number => pings };
}

function connected(room: ServerRoom, sessionId: string): boolean {
  return room.clients.some((client) => client.sessionId === sessionId);
}

describe("faults", () => {
  // colyseus-internal: ws-heartbeat-timing
  it("detects a half-open connection: terminated after 2 unanswered pings, its socket freed", async () => {
    const server = await startTestServer({ WS_PING_INTERVAL_MS: "100" });
    try {
      // A peer that vanished without a close: it never answers pings.
      const { seat, pings } = await rawClient(server, "chat", { channel: "half-open" }, { autoPong: false });
      const room = serverRoom(seat.roomId);
      assert.ok(connected(room, seat.sessionId));
      await eventually(() => !connected(room, seat.sessionId), "the silent socket dropped", 3000);
      // Colyseus terminates a socket at the interval after its second unanswered ping
      // (6-9 s with the default 3000 ms interval): the count, not the clock, is the contract.
      assert.equal(pings(), 2);
    } finally {
      await server.close();
    }
  });

  it("cuts a client that stopped reading once its queue passes WS_MAX_BUFFERED_BYTES; readers keep everything", async () => {
    const server = await startTestServer({ WS_MAX_BUFFERED_BYTES: "65536", WS_STALL_SECONDS: "0.5" });
    try {
      const reader = await server.client().joinOrCreate("chat", { channel: "slow", name: "reader" });
      let received = 0;
      reader.onMessage("blob", () => {
        received++;
      });
      const { socket, seat } = await rawClient(server, "chat", { channel: "slow", name: "stalled" });
      const room = serverRoom(seat.roomId);
      await eventually(() => room.clients.length === 2, "both seated");
      // Stop reading: the kernel buffers fill first, then the server's own queue grows.
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const heapBefore = process.memoryUsage().heapUsed;
      const blob = "x".repeat(16 * 1024);
      for (let i = 0; i < 400; i++) {
        room.broadcast("blob", blob);
        if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await eventually(() => !connected(room, seat.sessionId), "the stalled reader cut", 5000);
      await eventually(() => received === 400, "the live reader got every message", 10_000);
      const grown = process.memoryUsage().heapUsed - heapBefore;
      // 400 × 16 KiB = 6.4 MiB went out; without the bound the stalled socket would hold it all.
      assert.ok(grown < 32 * 1024 * 1024, `heap grew ${Math.round(grown / 1048576)} MiB`);
      const metrics = parsePrometheusText(await (await fetch(`${server.httpUrl}/metrics`)).text());
      assert.equal(sumOf(metrics, "tickroom_rejected_messages_total", { type: "chat", reason: "slow_reader" }), 1);
      socket.terminate();
      await reader.leave();
    } finally {
      await server.close();
    }
  });

  it("never cuts a reader that drains, however far over the bound a burst queues", async () => {
    const bound = 65_536;
    const server = await startTestServer({ WS_MAX_BUFFERED_BYTES: String(bound), WS_STALL_SECONDS: "3" });
    try {
      const { socket, seat } = await rawClient(server, "chat", { channel: "bursts", name: "reader" });
      let received = 0;
      socket.on("message", (data: Buffer) => {
        if (data[0] === ROOM_DATA) received++;
      });
      const room = serverRoom(seat.roomId);
      await eventually(() => connected(room, seat.sessionId), "seated");
      const queued = () => (room.clients.getById(seat.sessionId)?.ref as unknown as { bufferedAmount: number } | undefined)?.bufferedAmount ?? 0;
      const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      const blob = "x".repeat(16 * 1024);
      // A reader that reads in bursts: it looks away while the server queues several times
      // the bound for it (past what the kernel's buffers take), then catches up, ten times.
      let sent = 0;
      for (let burst = 0; burst < 10; burst++) {
        tcp.pause();
        while (queued() <= 4 * bound) {
          room.broadcast("blob", blob);
          sent++;
          if (sent % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
        tcp.resume();
        await eventually(() => received === sent, `burst ${burst + 1} read in full`, 10_000);
      }
      assert.ok(connected(room, seat.sessionId), "the reader was never cut");

      socket.terminate();
    } finally {
      await server.close();
    }
  });

  it("cuts a client past the hard cap (16 x the bound) at once, without waiting out the stall time", async () => {
    const bound = 65_536;
    // A stall time no test waits out: a cut can only come from the hard cap.
    const server = await startTestServer({ WS_MAX_BUFFERED_BYTES: String(bound), WS_STALL_SECONDS: "60" });
    try {
      const { socket, seat } = await rawClient(server, "chat", { channel: "hard-cap", name: "reader" });
      const room = serverRoom(seat.roomId);
      await eventually(() => connected(room, seat.sessionId), "seated");
      const queued = () => (room.clients.getById(seat.sessionId)?.ref as unknown as { bufferedAmount: number } | undefined)?.bufferedAmount ?? 0;
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const blob = "x".repeat(16 * 1024);
      while (connected(room, seat.sessionId) && queued() <= 17 * bound) {
        room.broadcast("blob", blob);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await eventually(() => !connected(room, seat.sessionId), "cut past the hard cap", 5000);
      socket.terminate();
    } finally {
      await server.close();
    }
  });

  it("catches an exception inside a room's step: reported, the room keeps stepping, other rooms are untouched", async () => {
    const server = await startTestServer();
    try {
      const a = await server.client().joinOrCreate("arena", { name: "a", region: "one" });
      const b = await server.client().joinOrCreate("arena", { name: "b", region: "two" });
      assert.notEqual(a.roomId, b.roomId);
      const broken = serverRoom<ArenaRoom>(a.roomId) as unknown as { step(): void };
      const step = broken.step;
      let thrown = 0;
      broken.step = () => {
        thrown++;
        throw new Error("bug in the step");
      };
      await eventually(() => thrown >= 5, "the broken step ran");
      broken.step = step;
      const tick = a.state.tick;
      await untilState(a, (s) => s.tick > tick + 10, "the room steps on after the bug");
      const other = b.state.tick;
      await untilState(b, (s) => s.tick > other + 10, "the other room never noticed");
      await Promise.all([a.leave(), b.leave()]);
    } finally {
      await server.close();
    }
  });
});
