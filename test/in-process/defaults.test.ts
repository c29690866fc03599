import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "@colyseus/core";
import { matchMaker } from "@colyseus/core";
import { MapSchema, Schema, type } from "@colyseus/schema";
import { z } from "zod";
import type { JoinOptions } from "../../rooms/base/joinOptions.ts";
import { defaultInputBufferFrames, INPUT_BURST_FACTOR, realtimeRoomType } from "../../rooms/base/RealtimeRoom.ts";
import { DEFAULT_MESSAGES_PER_SECOND, roomType } from "../../rooms/base/TickroomRoom.ts";
import type { TickInputs } from "../../rooms/base/tickInputs.ts";
import type { RoomCatalog } from "../../shared/catalog.ts";
import { CloseCode } from "../../shared/errors.ts";
import { closed, eventually, serverRoom, startTestServer, type TestServer, untilListed, untilState } from "../support/harness.ts";

/**
 * Room types that declare the least they can: no message limit, no input budget, no
 * listing calls. What the base gives them anyway is what every room type gets.
 */
class Token extends Schema {
  @type("string") name = "";
  @type("boolean") connected = true;
  @type("float32") x = 0;
}
class BareState extends Schema {
  @type({ map: Token }) players = new MapSchema<Token>();
  @type("uint16") pokes = 0;
}
class BareInput extends Schema {
  @type("float32") dx = 0;
}

const bareOptions = z.object({ colour: z.enum(["red", "blue"]).default("red") });

class BareRoom extends roomType({ state: BareState, joinOptions: bareOptions, maxPlayers: 2, entities: "players" }) {
  override messages = {
    poke: this.accept(z.object({}), () => {
      this.state.pokes++;
    }),
  };
  protected onPlayerJoin(client: Client, options: JoinOptions<typeof bareOptions>): void {
    this.state.players.set(client.sessionId, new Token().assign({ name: `${options.name}/${options.colour}` }));
  }
  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
  }
}

class BareRealtimeRoom extends realtimeRoomType({
  state: BareState,
  maxPlayers: 4,
  entities: "players",
  input: BareInput,
  sanitize: (input) => {
    input.dx = Math.max(-1, Math.min(1, Number.isFinite(input.dx) ? input.dx : 0));
  },
  tickRate: 30,
}) {
  /** What the step was handed, for the tests: each frame's value in order, and the frame objects. */
  readonly applied: number[] = [];
  readonly frames = new Set<BareInput>();

  protected step(inputs: TickInputs<BareInput>): void {
    this.state.players.forEach((token, id) => {
      inputs.forEach(id, (input) => {
        token.x += input.dx;
        this.applied.push(input.dx);
        this.frames.add(input);
      });
    });
  }
  protected onPlayerJoin(client: Client, options: JoinOptions): void {
    this.state.players.set(client.sessionId, new Token().assign({ name: options.name }));
  }
  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
  }
}

describe("a room type that declares nothing it need not", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      { RECONNECTION_WINDOW_SECONDS: "5" },
      { rooms: (define) => ({ bare: define(BareRoom).filterBy(["open"]), bareRealtime: define(BareRealtimeRoom) }) },
    );
  });
  after(async () => {
    await server.close();
  });

  it("is described by GET /room-types with no code of its own: options, messages, input", async () => {
    const answer = await fetch(`${server.httpUrl}/room-types`);
    assert.equal(answer.status, 200);
    const { roomTypes } = (await answer.json()) as RoomCatalog;
    const byName = new Map(roomTypes.map((info) => [info.name, info]));
    // Every declared type, the built-in ones and these; not the lobby (no tickroom declaration).
    assert.deepEqual([...byName.keys()].sort(), ["arena", "bare", "bareRealtime", "chat", "pong", "queue", "replay", "tictactoe"]);
    const bare = byName.get("bare")!;
    assert.equal(bare.title, "Bare");
    assert.equal(bare.maxPlayers, 2);
    assert.equal(bare.listed, false);
    assert.deepEqual(bare.joinOptions.properties?.colour?.enum, ["red", "blue"]);
    assert.deepEqual(Object.keys(bare.messages), ["poke"]);
    assert.equal(bare.realtime, undefined);
    assert.deepEqual(byName.get("bareRealtime")!.realtime, { tickRate: 30, input: [{ name: "dx", type: "float32" }] });
    const tictactoe = byName.get("tictactoe")!;
    assert.equal(tictactoe.title, "Tic-tac-toe");
    assert.equal(tictactoe.listed, true);
    assert.equal(tictactoe.messages.move?.properties?.index?.maximum, 8);
  });

  it("still limits messages: a flood past the default closes the sender (4002), other players stay", async () => {
    const created = await server.colyseus.createRoom("bare", {});
    const room = serverRoom<BareRoom>(created.roomId);
    assert.equal(room.maxMessagesPerSecond, DEFAULT_MESSAGES_PER_SECOND);
    const flooder = await server.client().joinById(created.roomId, {});
    const bystander = await server.client().joinById(created.roomId, {});
    await untilState(bystander, (s) => s.players.size === 2, "two players");
    const gone = closed(flooder);
    for (let i = 0; i < DEFAULT_MESSAGES_PER_SECOND * 3; i++) flooder.send("poke", {});
    assert.equal(await gone, CloseCode.WITH_ERROR);
    // No reconnection window for a flooder: its seat goes at once.
    await untilState(bystander, (s) => s.players.size === 1, "flooder removed at once", 2000);
    await bystander.leave();
  });

  it("derives a real-time type's limit from its tick rate: a client at the tick rate stays, a flood is closed", async () => {
    const created = await server.colyseus.createRoom("bareRealtime", {});
    const room = serverRoom<BareRealtimeRoom>(created.roomId);
    assert.equal(room.maxMessagesPerSecond, INPUT_BURST_FACTOR * 30);
    const steady = await server.client().joinById(created.roomId, {});
    const flooder = await server.client().joinById(created.roomId, {});
    await untilState(steady, (s) => s.players.size === 2, "two players");

    // Half a second of inputs sent in one burst (what a short stall leaves behind): all
    // buffered (the default buffer holds that much) and applied, one a tick plus catch-up.
    const burst = defaultInputBufferFrames(30);
    const input = steady.input<BareInput>({ type: BareInput });
    input.data.dx = 1;
    for (let i = 0; i < burst; i++) input.send();
    await untilState(steady, (s) => s.players.get(steady.sessionId)?.x === burst, "every frame of the burst applied");

    const gone = closed(flooder);
    const flood = flooder.input<BareInput>({ type: BareInput });
    for (let i = 0; i <= INPUT_BURST_FACTOR * 30 + 10; i++) flood.send();
    assert.equal(await gone, CloseCode.WITH_ERROR);
    await untilState(steady, (s) => s.players.size === 1, "flooder removed at once", 2000);
    assert.ok(steady.connection.isOpen, "the steady client is still connected");
    await steady.leave();
  });

  it("applies each input frame with its own values, reusing the frames it has applied", async () => {
    const created = await server.colyseus.createRoom("bareRealtime", {});
    const room = serverRoom<BareRealtimeRoom>(created.roomId);
    const player = await server.client().joinById(created.roomId, {});
    const input = player.input<BareInput>({ type: BareInput });
    const sent: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 3; i++) {
        input.data.dx = ((sent.length % 7) - 3) / 4;
        input.send();
        sent.push(input.data.dx);
      }
      await eventually(() => room.applied.length === sent.length, `batch ${batch} applied`);
    }
    assert.deepEqual(room.applied, sent, "every frame applied once, in order, with its own value");
    // Colyseus buffers a clone per frame; applied ones are refilled instead of allocated.
    assert.ok(room.frames.size <= 8, `${room.frames.size} frame objects carried ${sent.length} frames`);
    await player.leave();
  });

  it("validates its declared options before a room exists, and hands them typed with the name policy applied", async () => {
    const before = (await matchMaker.query({ name: "bare" })).length;
    await assert.rejects(server.client().create("bare", { colour: "green" }), (error: { code?: number }) => error.code === 400);
    assert.equal((await matchMaker.query({ name: "bare" })).length, before, "no room was created");

    const room = await server.client().create("bare", { colour: "blue", name: "ann", extra: "dropped" });
    const guest = await server.client().joinById(room.roomId, {});
    const state = await untilState(room, (s) => s.players.size === 2, "two players");
    assert.equal(state.players.get(room.sessionId)?.name, "ann/blue");
    assert.equal(state.players.get(guest.sessionId)?.name, `guest-${guest.sessionId.slice(0, 4)}/red`);
    await Promise.all([room.leave(), guest.leave()]);
  });

  it("keeps its listing current without being asked: players, open, full", async () => {
    const created = await server.colyseus.createRoom("bare", {});
    const listed = (expected: Record<string, unknown>) =>
      untilListed(created.roomId, (metadata) => Object.entries(expected).every(([key, value]) => metadata[key] === value), JSON.stringify(expected));
    await listed({ players: 0, open: true, status: "open" });
    const a = await server.client().joinById(created.roomId, {});
    await listed({ players: 1, open: true, status: "open" });
    const b = await server.client().joinById(created.roomId, {});
    await listed({ players: 2, open: false, status: "full" });
    await b.leave();
    await listed({ players: 1, open: true, status: "open" });
    await a.leave();
  });

  it("flips a dropped player's connected flag and back when it reconnects", async () => {
    const created = await server.colyseus.createRoom("bare", {});
    const a = await server.client().joinById(created.roomId, {});
    const b = await server.client().joinById(created.roomId, {});
    await untilState(b, (s) => s.players.size === 2, "two players");
    a.reconnection.minUptime = 0;
    const room = serverRoom<BareRoom>(created.roomId);
    // colyseus-internal: client-socket-ref
    (room.clients.getById(a.sessionId)!.ref as unknown as { terminate(): void }).terminate();
    await untilState(b, (s) => s.players.get(a.sessionId)?.connected === false, "a shown as disconnected");
    await untilState(b, (s) => s.players.get(a.sessionId)?.connected === true, "a back", 5000);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("refuses a malformed roster from server code: a bug, not a silent default", async () => {
    await assert.rejects(server.colyseus.createRoom("bare", { roster: { someone: "left" } }));
    const ranked = await server.colyseus.createRoom("bare", { roster: { someone: 2 } });
    assert.deepEqual(serverRoom<BareRoom>(ranked.roomId)["roster" as keyof BareRoom], { someone: 2 });
  });
});
