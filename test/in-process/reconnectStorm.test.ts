import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, type Room } from "@colyseus/sdk";
import { ImpairmentProxy } from "../../loadtest/impairment/ImpairmentProxy.ts";
import type { ChatState } from "../../schema/ChatState.ts";
import { allowQuickReconnect, eventually, serverRoom, startTestServer, type TestServer, untilState } from "../support/harness.ts";

const PLAYERS = Number(process.env.STORM_PLAYERS ?? 300);
const ROOMS = 3;

/**
 * A network blip for everyone at once: 300 players' sockets are cut by the proxy between
 * them and the server, with no close handshake. Every seat is held for the reconnection
 * window, and the SDK's automatic reconnection must bring every one of them back.
 */
describe("a reconnection storm", () => {
  let server: TestServer;
  let proxy: ImpairmentProxy;
  before(async () => {
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "20" });
    // A clean link: only the cut matters here.
    proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: server.port } });
    await proxy.listen();
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  it(`gives all ${PLAYERS} players their seats back inside the window, the server answering meanwhile`, async () => {
    const rooms: Room<unknown, ChatState>[] = [];
    // Joined through the proxy, a few at a time (as real players arrive).
    for (let first = 0; first < PLAYERS; first += 20) {
      const batch = Array.from({ length: Math.min(20, PLAYERS - first) }, (_, i) =>
        new Client(`ws://127.0.0.1:${proxy.port}`).joinOrCreate<ChatState>("chat", { channel: `storm-${(first + i) % ROOMS}`, name: `p${first + i}` }),
      );
      rooms.push(...(await Promise.all(batch)));
    }
    for (const room of rooms) allowQuickReconnect(room);
    const roomIds = [...new Set(rooms.map((room) => room.roomId))];
    assert.equal(roomIds.length, ROOMS);
    // Each has its full state: the server had its join acknowledgement (a socket cut before
    // that never joined, and rightly cannot reconnect).
    await Promise.all(rooms.map((room) => untilState(room, (s) => s.members.has(room.sessionId), "joined", 10_000)));
    const sessions = new Map(rooms.map((room) => [room, room.sessionId]));

    let reconnected = 0;
    let left = 0;
    for (const room of rooms) {
      room.onReconnect(() => reconnected++);
      room.onLeave(() => left++);
    }
    proxy.severAll();

    // Meanwhile the server answers: health, and a newcomer's join.
    assert.equal((await fetch(`${server.httpUrl}/health`)).status, 200);
    const newcomer = await server.client().joinOrCreate("chat", { channel: "storm-newcomer" });

    await eventually(() => reconnected === PLAYERS, `every player reconnected (${reconnected} of ${PLAYERS})`, 15_000);
    assert.equal(left, 0, "no one lost a seat");
    for (const [room, sessionId] of sessions) assert.equal(room.sessionId, sessionId, "the same session, not a new one");
    await eventually(() => roomIds.every((id) => serverRoom(id).clients.length === PLAYERS / ROOMS), "every seat taken again");
    // And the rooms work as before: a line said now reaches everyone in its channel.
    const speaker = rooms[0]!;
    speaker.send("say", { text: "back" });
    const audience = rooms.filter((room) => room.roomId === speaker.roomId);
    await Promise.all(audience.map((room) => untilState(room, (s) => s.messages.at(-1)?.text === "back", "the line after the storm", 10_000)));

    await newcomer.leave();
    await Promise.all(rooms.map((room) => room.leave()));
  });
});
