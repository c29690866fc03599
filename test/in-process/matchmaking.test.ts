import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import { joinByCode } from "../../client/joinByCode.ts";
import type { ArenaInput } from "../../schema/ArenaState.ts";
import { ErrorCode, type RoomError } from "../../shared/errors.ts";
import { JOIN_CODE_ALPHABET } from "../../shared/joinCode.ts";
import { eventually, nextMessage, quietPeriod, serverRoom, startTestServer, type TestServer, untilState } from "../support/harness.ts";

describe("matchmaking", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const post = (path: string, body: string) => fetch(`${server.httpUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

  describe("modes, regions and fill order", () => {
    it("matches arena players by mode and region", async () => {
      const a = await server.client().joinOrCreate("arena", { mode: "teams", region: "eu" });
      const b = await server.client().joinOrCreate("arena", { mode: "teams", region: "eu" });
      const c = await server.client().joinOrCreate("arena", { mode: "ffa", region: "eu" });
      const d = await server.client().joinOrCreate("arena", { mode: "teams", region: "us" });
      assert.equal(a.roomId, b.roomId);
      assert.equal(new Set([a.roomId, c.roomId, d.roomId]).size, 3);
      const state = await untilState(a, (s) => s.players.size === 2);
      assert.equal(state.mode, "teams");
      const teams = [...state.players.values()].map((p) => p.team).sort();
      assert.deepEqual(teams, [1, 2], "team mode balances players across the two teams");
      await Promise.all([a, b, c, d].map((room) => room.leave()));
    });

    it("fills the fullest open room first", async () => {
      const small = await server.colyseus.sdk.create("arena", { region: "fill" });
      const big = await server.colyseus.sdk.create("arena", { region: "fill" });
      const bigFriends = [await server.client().joinById(big.roomId, { region: "fill" }), await server.client().joinById(big.roomId, { region: "fill" })];
      await eventually(() => serverRoom(big.roomId).metadata.players === 3, "listing updated");
      const next = await server.client().joinOrCreate("arena", { region: "fill" });
      assert.equal(next.roomId, big.roomId);
      await Promise.all([small, big, next, ...bigFriends].map((room) => room.leave()));
    });

    it("seats players who arrive at once in rooms with a free player slot, never over a room's player slots", async () => {
      // Eight players at once into two-player rooms that also have spectator slots: each
      // lands in a room with a player slot, none is refused (409) in the room.
      const rooms = await Promise.all(Array.from({ length: 8 }, (_, i) => server.client().joinOrCreate("pong", { name: `p${i}` })));
      const perRoom = new Map<string, number>();
      for (const room of rooms) perRoom.set(room.roomId, (perRoom.get(room.roomId) ?? 0) + 1);
      assert.deepEqual([...perRoom.values()], [2, 2, 2, 2]);
      for (const room of rooms) await untilState(room, (s) => s.players.size === 2, "both players seated");
      await Promise.all(rooms.map((room) => room.leave()));
    });

    it("rejects an unknown mode or a malformed region at matchmaking (400)", async () => {
      await assert.rejects(server.client().joinOrCreate("arena", { mode: "battle-royale" }), (e: { code?: number }) => e.code === 400);
      await assert.rejects(server.client().joinOrCreate("arena", { region: "eu west!" }), (e: { code?: number }) => e.code === 400);
    });
  });

  describe("private rooms and join codes", () => {
    it("gives the creator a code; friends join with it however they type it; strangers never land there", async () => {
      const host = server.client();
      const codeMessage = new Promise<{ code: string }>((resolve) => {
        void host.create("tictactoe", { private: true }).then((room) => room.onMessage("joinCode", resolve));
      });
      const { code } = await codeMessage;
      assert.match(code, new RegExp(`^[${JOIN_CODE_ALPHABET}]{6}$`));

      const stranger = await server.client().joinOrCreate("tictactoe", {});
      const friend = await joinByCode(server.client(), ` ${code.slice(0, 3).toLowerCase()}-${code.slice(3)} `);
      assert.notEqual(stranger.roomId, friend.roomId);
      const state = await untilState(friend as Room<unknown, { status: string; players: { size: number } }>, (s) => s.status === "playing");
      assert.equal(state.players.size, 2);
      await stranger.leave();
      await friend.leave();
    });

    it("answers clear errors over HTTP: not a code (400), unknown (404), full (409), bad body (400)", async () => {
      const notACode = await post("/join-code/AB0O1I", "{}");
      assert.equal(notACode.status, 400);
      assert.match(((await notACode.json()) as { error: string }).error, /not a join code/);

      const unknown = await post("/join-code/ABCDEF", "{}");
      assert.equal(unknown.status, 404);
      assert.deepEqual(Object.keys((await unknown.json()) as object).sort(), ["code", "error"]);

      const badJson = await post("/join-code/ABCDEF", "{nope");
      assert.equal(badJson.status, 400);
      assert.equal(badJson.headers.get("content-type")?.startsWith("application/json"), true);

      const array = await post("/join-code/ABCDEF", "[1,2]");
      assert.equal(array.status, 400);

      const host = await server.client().create("tictactoe", { private: true });
      const { code } = await nextMessage<{ code: string }>(host, "joinCode");
      const second = await joinByCode(server.client(), code);
      // Two players: the game started and takes no third player.
      const third = await post(`/join-code/${code}`, "{}");
      assert.equal(third.status, 409);
      // ...but a spectator gets in with the same code.
      const watching = await post(`/join-code/${code}`, JSON.stringify({ spectator: true }));
      assert.equal(watching.status, 200);
      const seat = (await watching.json()) as { roomId: string; sessionId: string };
      assert.equal(seat.roomId, host.roomId);
      const spectator = await server.client().consumeSeatReservation(seat as never);
      await Promise.all([host.leave(), second.leave(), spectator.leave()]);
    });

    it("the code dies with its room", async () => {
      const host = await server.client().create("chat", { private: true });
      const { code } = await nextMessage<{ code: string }>(host, "joinCode");
      const friend = await joinByCode(server.client(), code);
      await Promise.all([host.leave(), friend.leave()]);
      await eventually(() => {
        try {
          serverRoom(host.roomId);
          return false;
        } catch {
          return true;
        }
      }, "room disposed");
      const gone = await post(`/join-code/${code}`, "{}");
      assert.equal(gone.status, 404);
      await assert.rejects(joinByCode(server.client(), code), (e: { code?: number }) => e.code === 404);
    });
  });

  describe("lobby", () => {
    it("lists public rooms with their metadata live, and filters", async () => {
      const lobby = await server.client().joinOrCreate("lobby", {});
      type Listing = { roomId: string; name: string; metadata: { type: string; status: string; players: number; maxPlayers: number; open: boolean } };
      const listings = new Map<string, Listing>();
      lobby.onMessage("rooms", (rooms: Listing[]) => {
        listings.clear();
        for (const r of rooms) listings.set(r.roomId, r);
      });
      lobby.onMessage("+", ([roomId, listing]: [string, Listing]) => listings.set(roomId, listing));
      lobby.onMessage("-", (roomId: string) => listings.delete(roomId));

      const x = await server.client().create("tictactoe", {});
      await eventually(() => listings.get(x.roomId)?.metadata.players === 1, "new room listed");
      assert.deepEqual((({ type, status, players, maxPlayers, open }) => ({ type, status, players, maxPlayers, open }))(listings.get(x.roomId)!.metadata), {
        type: "tictactoe",
        status: "waiting",
        players: 1,
        maxPlayers: 2,
        open: true,
      });
      const o = await server.client().joinById(x.roomId, {});
      await eventually(() => listings.get(x.roomId)?.metadata.status === "playing", "status change pushed");
      assert.equal(listings.get(x.roomId)!.metadata.open, false);

      const secret = await server.client().create("chat", { private: true, channel: "secret" });
      const arena = await server.client().create("arena", {});
      await eventually(() => listings.has(arena.roomId), "arena listed");
      assert.equal(listings.has(secret.roomId), false, "private rooms are not listed");

      const filtered = nextMessage<Listing[]>(lobby, "rooms");
      lobby.send("filter", { name: "tictactoe", metadata: { status: "playing" } });
      const onlyPlaying = await filtered;
      assert.ok(onlyPlaying.length >= 1 && onlyPlaying.every((r) => r.name === "tictactoe" && r.metadata.status === "playing"));

      const junk = nextMessage<Listing[]>(lobby, "rooms");
      (lobby.send as (t: string, p: unknown) => void)("filter", "not a filter");
      assert.deepEqual(await junk, [], "an invalid filter matches nothing and breaks nothing");

      await Promise.all([x.leave(), o.leave(), secret.leave(), arena.leave()]);
      lobby.send("filter", {});
      await eventually(() => !listings.has(x.roomId), "disposed room removed");
      await lobby.leave();
    });
  });

  describe("spectators", () => {
    it("watch a game read-only, take no player slot, and are capped", async () => {
      const x = await server.client().create("tictactoe", {});
      const o = await server.client().joinById(x.roomId, {});
      await untilState(x, (s) => s.status === "playing");
      const watcher = await server.client().joinById(x.roomId, { spectator: true });
      await untilState(watcher, (s) => s.status === "playing" && s.players.size === 2);

      const refused = nextMessage<RoomError>(watcher, "error");
      watcher.send("move", { index: 0 });
      assert.equal((await refused).code, ErrorCode.SPECTATOR_READ_ONLY);
      x.send("move", { index: 4 });
      const seen = await untilState(watcher, (s) => s.board[4] === 1, "spectator sees the move");
      assert.equal(seen.board[0], 0, "the spectator's move changed nothing");

      const room = serverRoom(x.roomId);
      assert.deepEqual([room.metadata.players, room.metadata.spectators], [2, 1]);
      await Promise.all([x, o, watcher].map((r) => r.leave()));
    });

    it("are capped per room (409) while player slots stay free", async () => {
      const a = await server.client().create("arena", { region: "cap" });
      const watchers: Room[] = [];
      for (let i = 0; i < 8; i++) watchers.push(await server.client().joinById(a.roomId, { spectator: true }));
      await assert.rejects(server.client().joinById(a.roomId, { spectator: true }), (e: { code?: number }) => e.code === 409, "a 9th spectator");
      const player = await server.client().joinById(a.roomId, { region: "cap" });
      await eventually(() => serverRoom(a.roomId).metadata.players === 2, "a player still gets in");
      await Promise.all([a, player, ...watchers].map((r) => r.leave()));
    });

    it("a refused join does not free a slot: the count and the listing stay right", async () => {
      const x = await server.client().create("tictactoe", {});
      const o = await server.client().joinById(x.roomId, {});
      await untilState(x, (s) => s.status === "playing");
      for (let i = 0; i < 3; i++) {
        await assert.rejects(server.client().joinById(x.roomId, {}), (e: { code?: number }) => e.code === 409, `intruder ${i}`);
      }
      const room = serverRoom(x.roomId);
      await eventually(() => room.metadata.players === 2 && room.metadata.open === false, "listing unchanged");
      assert.equal(room.clients.length, 2);
      await Promise.all([x.leave(), o.leave()]);
    });

    it("keep each player's secrets hidden: a player sees only its own reload, spectators none", async () => {
      const a = await server.client().create("arena", { region: "secrets" });
      const b = await server.client().joinById(a.roomId, { region: "secrets" });
      const watcher = await server.client().joinById(a.roomId, { spectator: true });
      const room = serverRoom<import("../../rooms/ArenaRoom.ts").ArenaRoom>(a.roomId);
      // Fire once so a's reload is non-zero for a while.
      const input = a.input<ArenaInput>();
      Object.assign(input.data, { x: 0, y: 0, angle: 0, fire: true });
      input.send();
      await eventually(() => room.state.players.get(a.sessionId)!.reload > 0, "reload running");
      await untilState(a, (s) => (s.players.get(a.sessionId)?.reload ?? 0) > 0, "owner sees its reload");
      await untilState(b, (s) => s.players.size === 2);
      await untilState(watcher, (s) => s.players.size === 2);
      assert.equal(b.state.players.get(a.sessionId)!.reload, undefined, "another player never receives it");
      assert.equal(watcher.state.players.get(a.sessionId)!.reload, undefined, "a spectator never receives it");
      assert.equal(room.state.players.has(watcher.sessionId), false, "a spectator has no entity");
      // A spectator's input frames are never applied (never acknowledged), while a player's are.
      const ghost = watcher.input<ArenaInput>();
      Object.assign(ghost.data, { x: 1, y: 0, angle: 0, fire: true });
      for (let i = 0; i < 10; i++) ghost.send();
      const real = b.input<ArenaInput>();
      real.send();
      await eventually(() => real.lastProcessed === 1, "the player's frame applied");
      await quietPeriod(200);
      assert.equal(ghost.lastProcessed, 0, "no spectator frame was applied");
      assert.equal(room.state.players.has(watcher.sessionId), false);
      await Promise.all([a, b, watcher].map((r) => r.leave()));
    });
  });
});
