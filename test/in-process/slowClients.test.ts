import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { parsePrometheusText, sumOf } from "../../loadtest/bench/prometheusText.ts";
import { CloseCode } from "../../shared/errors.ts";
import { eventually, serverRoom, startTestServer, type TestServer, untilListed } from "../support/harness.ts";

const JOIN_ROOM = 0x0a;

/** A WebSocket seated through real matchmaking that never acknowledges the join: a half-joined socket. */
// colyseus-internal: raw-client-handshake
async function halfJoined(server: TestServer, room: string, options: object): Promise<{ socket: WebSocket; seat: { roomId: string; sessionId: string } }> {
  const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/${room}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const seat = (await response.json()) as { roomId: string; processId: string; sessionId: string };
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  // The server's handshake arrives; the acknowledgement is never sent.
  const [handshake] = (await once(socket, "message")) as [Buffer];
  assert.equal(handshake[0], JOIN_ROOM);
  return { socket, seat };
}

/** A raw TCP connection to the server. */
async function tcp(server: TestServer): Promise<Socket> {
  const socket = connect(server.port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

async function rejected(server: TestServer, reason: string, type = "http"): Promise<number> {
  return sumOf(parsePrometheusText(await (await fetch(`${server.httpUrl}/metrics`)).text()), "tickroom_rejected_messages_total", { type, reason });
}

describe("slow and half-open clients", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      WS_JOIN_TIMEOUT_SECONDS: "1",
      HTTP_REQUEST_TIMEOUT_SECONDS: "1",
      HTTP_HEADERS_TIMEOUT_SECONDS: "1",
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: "40",
    });
  });
  after(async () => {
    await server.close();
  });

  it("closes a socket that never completes the join (4002) and frees its seat and queue ticket; a joined one stays", async () => {
    const { socket, seat } = await halfJoined(server, "tictactoe", {});
    const room = serverRoom(seat.roomId);
    assert.equal(room.clients.length, 1, "the half-joined socket holds a seat meanwhile");
    await untilListed(seat.roomId, (m) => m.players === 1, "the seat counted");
    const joined = await server.client().joinById(seat.roomId, {});
    const [code] = (await once(socket, "close")) as [number];
    assert.equal(code, CloseCode.WITH_ERROR);
    await eventually(() => room.clients.length === 1 && room.clients[0]?.sessionId === joined.sessionId, "only the joined player is left");
    await untilListed(seat.roomId, (m) => m.players === 1 && m.open === false, "the seat freed, the game started by the one who joined");
    assert.ok(joined.connection.isOpen, "a client that joined in time is not touched");
    assert.equal(await rejected(server, "join_timeout", "tictactoe"), 1);
    await joined.leave();

    // A half-joined queue ticket is freed too: the next two players are matched together.
    const stuck = await halfJoined(server, "queue", { game: "tictactoe" });
    const queue = serverRoom(stuck.seat.roomId);
    await once(stuck.socket, "close");
    await eventually(() => queue.clients.length === 0, "the queue forgot the half-joined ticket");
  });

  it("cuts a client trickling its request body or headers while others are served", async () => {
    const bodyTrickler = await tcp(server);
    bodyTrickler.write("POST /matchmake/joinOrCreate/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{");
    const headerTrickler = await tcp(server);
    headerTrickler.write("POST /matchmake/joinOrCreate/chat HTTP/1.1\r\nHost: x\r\n");
    const tricklers = [bodyTrickler, headerTrickler];
    let answers = "";
    for (const socket of tricklers) {
      socket.on("data", (chunk: Buffer) => {
        answers += chunk.toString();
      });
    }
    // A byte every 100 ms each: never done, and never idle long enough for any idle timer.
    const trickle = setInterval(() => {
      bodyTrickler.write(" ");
      headerTrickler.write("X");
    }, 100);
    try {
      // Meanwhile everyone else is served.
      const room = await server.client().joinOrCreate("chat", { channel: "trickle" });
      await Promise.all(tricklers.map((socket) => once(socket, "close")));
      assert.match(answers, /408/, "the body trickler is told its request timed out");
      assert.ok(room.connection.isOpen);
      await room.leave();
    } finally {
      clearInterval(trickle);
      for (const socket of tricklers) socket.destroy();
    }
  });

  it("caps the connections one address holds open, and takes new ones again as others close", async () => {
    const before = await rejected(server, "connection_cap");
    const sockets: Socket[] = [];
    let cut = 0;
    try {
      // The cap is 40 in this server: at least 5 of these 45 are closed at once.
      for (let i = 0; i < 45; i++) {
        const socket = await tcp(server);
        socket.once("close", () => cut++);
        sockets.push(socket);
      }
      await eventually(() => cut >= 5, "the connections over the cap closed");
      assert.ok((await rejected(server, "connection_cap")) >= before + 5, "each counted");
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // Once they are gone, the address is welcome again.
    await eventually(() => cut === 45, "all closed");
    const room = await server.client().joinOrCreate("chat", { channel: "after-cap" });
    await room.leave();
  });
});
