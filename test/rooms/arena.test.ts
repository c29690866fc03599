import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ArenaRoom } from "../../rooms/ArenaRoom.ts";
import { ARENA, type ShotEvent } from "../../rooms/arena/shapes.ts";
import { CloseCode } from "../../rooms/base/errors.ts";
import {
  allowQuickReconnect, closed, killSocket, nextMessage, reconnected, serverRoom, untilState,
  startTestServer, type TestServer,
} from "../support/harness.ts";

describe("arena room", () => {
  let server: TestServer;
  before(async () => { server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "5" }); });
  after(async () => { await server.close(); });

  async function pair() {
    const created = await server.colyseus.createRoom<ArenaRoom>("arena", {});
    const a = await server.client().joinById(created.roomId, { name: "alpha" });
    const b = await server.client().joinById(created.roomId, { name: "bravo" });
    await untilState(a, (s) => s.players.size === 2, "two players");
    return { room: serverRoom<ArenaRoom>(created.roomId), a, b };
  }

  it("spawns joined players inside the world with full health and syncs them to everyone", async () => {
    const { a, b } = await pair();
    const view = await untilState(b, (s) => s.players.size === 2);
    for (const [sessionId, name] of [[a.sessionId, "alpha"], [b.sessionId, "bravo"]] as const) {
      const p = view.players.get(sessionId)!;
      assert.equal(p.name, name);
      assert.equal(p.hp, ARENA.maxHp);
      assert.equal(p.alive, true);
      assert.ok(p.x >= ARENA.playerRadius && p.x <= ARENA.width - ARENA.playerRadius);
      assert.ok(p.y >= ARENA.playerRadius && p.y <= ARENA.height - ARENA.playerRadius);
    }
    await b.leave();
    await untilState(a, (s) => s.players.size === 1 && s.players.has(a.sessionId), "leaver removed");
    await a.leave();
  });

  it("runs a 60 Hz fixed step under 20 Hz patches", async () => {
    const { room, a, b } = await pair();
    const first = (await untilState(a, (s) => s.tick > 0)).tick;
    let patches = 0;
    const counted = new Promise<number>((resolve) => {
      a.onStateChange(function count(state) {
        if (++patches === 20) { a.onStateChange.remove(count); resolve(state.tick); }
      });
    });
    const last = await counted;
    const ticksPerPatch = (last - first) / 20;
    // 60 / 20 = 3 ticks per patch; a loose band because timers jitter on a shared machine.
    assert.ok(ticksPerPatch > 2 && ticksPerPatch < 4.5, `${ticksPerPatch} ticks per patch`);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("moves a player by its input, at most at full speed, and acknowledges the input sequence", async () => {
    const { room, a, b } = await pair();
    const body = room.state.players.get(a.sessionId)!;
    body.x = 100;
    body.y = 500;
    const startTick = room.state.tick;
    for (let seq = 1; seq <= 30; seq++) a.send("input", { seq, x: 5, y: 0, angle: 0, fire: false });
    const view = await untilState(b, (s) => (s.players.get(a.sessionId)?.lastInputSeq ?? 0) === 30 && s.players.get(a.sessionId)!.x > 150);
    const moved = view.players.get(a.sessionId)!.x - 100;
    const ticks = room.state.tick - startTick;
    assert.ok(moved <= ARENA.speed * (ticks / ARENA.tickRate) + 0.01, `moved ${moved} in ${ticks} ticks`);
    assert.equal(view.players.get(a.sessionId)!.y, 500);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("hitscan shots damage the target, are broadcast after the patch, and kill after enough hits", async () => {
    const { room, a, b } = await pair();
    const shooter = room.state.players.get(a.sessionId)!;
    const target = room.state.players.get(b.sessionId)!;
    Object.assign(shooter, { x: 200, y: 300 });
    Object.assign(target, { x: 400, y: 300 });

    const first = nextMessage<ShotEvent[]>(b, "shots");
    a.send("input", { seq: 1, x: 0, y: 0, angle: 0, fire: true });
    assert.deepEqual(await first, [{ shooter: a.sessionId, x: 200, y: 300, angle: 0, target: b.sessionId, killed: false }]);
    // Sent after the patch that carries the damage: the receiver's state already shows it.
    assert.equal(b.state.players.get(b.sessionId)!.hp, ARENA.maxHp - ARENA.shotDamage);

    let seq = 1;
    let killed = false;
    while (!killed) {
      assert.ok(seq < 100, "target never died");
      const next = nextMessage<ShotEvent[]>(a, "shots");
      // Hold the trigger (one input per tick would be a real client); shots come at the cooldown rate.
      const trigger = setInterval(() => a.send("input", { seq: ++seq, x: 0, y: 0, angle: 0, fire: true }), 1000 / ARENA.tickRate);
      try {
        killed = (await next).some((shot) => shot.killed);
      } finally {
        clearInterval(trigger);
      }
    }
    const view = await untilState(a, (s) => !s.players.get(b.sessionId)!.alive);
    assert.equal(view.players.get(a.sessionId)!.score, 1);
    assert.equal(view.players.get(b.sessionId)!.hp, 0);
    await untilState(a, (s) => s.players.get(b.sessionId)!.alive, "respawn", 5000);
    assert.equal(a.state.players.get(b.sessionId)!.hp, ARENA.maxHp);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("closes a client sending malformed input (4002) and keeps the other player's state", async () => {
    const { room, a, b } = await pair();
    const before = { ...room.state.players.get(a.sessionId)!.toJSON() };
    for (const bad of [{ seq: 1, x: NaN, y: 0, angle: 0, fire: false }, { seq: 1, x: 1 }, "left", { seq: -1, x: 0, y: 0, angle: 0, fire: false }]) {
      const c = await server.client().joinById(room.roomId, {});
      const code = closed(c);
      (c.send as (t: string, p: unknown) => void)("input", bad);
      assert.equal(await code, CloseCode.WITH_ERROR, JSON.stringify(bad));
    }
    // The window is 5 s here: removal within 2 s means no seat was held for them.
    const view = await untilState(b, (s) => s.players.size === 2, "intruders removed at once", 2000);
    const after = view.players.get(a.sessionId)!;
    assert.equal(after.hp, before.hp);
    assert.equal(after.score, before.score);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("closes a client flooding messages beyond maxMessagesPerSecond (4002)", async () => {
    const { room, a, b } = await pair();
    const code = closed(a);
    for (let seq = 1; seq <= room.maxMessagesPerSecond + 20; seq++) a.send("input", { seq, x: 0, y: 0, angle: 0, fire: false });
    assert.equal(await code, CloseCode.WITH_ERROR);
    await untilState(b, (s) => s.players.size === 1, "flooder removed at once (window is 5 s)", 2000);
    b.send("input", { seq: 1, x: 1, y: 0, angle: 0, fire: false });
    await untilState(b, (s) => s.players.get(b.sessionId)!.lastInputSeq === 1, "other player still served");
    await b.leave();
  });

  it("applies the same validation to room.request(): a malformed payload closes (4002)", async () => {
    const { a, b } = await pair();
    const code = closed(a);
    void (a.request as (t: string, p: unknown) => Promise<unknown>)("input", { seq: "one" }).catch(() => undefined);
    assert.equal(await code, CloseCode.WITH_ERROR);
    await untilState(b, (s) => s.players.size === 1, "removed at once", 2000);
    await b.leave();
  });

  it("closes a client sending a frame over the size limit (1009); the room plays on", async () => {
    const { room, a, b } = await pair();
    const code = closed(a);
    (a.send as (t: string, p: unknown) => void)("input", { seq: 1, x: 0, y: 0, angle: 0, fire: false, junk: "x".repeat(8000) });
    assert.equal(await code, CloseCode.MESSAGE_TOO_BIG);
    await untilState(b, (s) => s.players.size === 1, "sender removed at once (window is 5 s)", 2000);
    b.send("input", { seq: 1, x: 1, y: 0, angle: 0, fire: false });
    await untilState(b, (s) => s.players.get(b.sessionId)!.lastInputSeq === 1, "other player still served");
    assert.ok(room.state.players.has(b.sessionId));
    await b.leave();
  });

  it("holds 16 players; a 17th cannot join that room and joinOrCreate sends it elsewhere", async () => {
    const created = await server.colyseus.createRoom<ArenaRoom>("arena", {});
    const clients = [];
    for (let i = 0; i < ARENA.maxPlayers; i++) clients.push(await server.client().joinById(created.roomId, { name: `p${i}` }));
    await untilState(clients[0]!, (s) => s.players.size === ARENA.maxPlayers);
    await assert.rejects(server.client().joinById(created.roomId, {}));
    const extra = await server.client().joinOrCreate("arena", {});
    assert.notEqual(extra.roomId, created.roomId);
    await Promise.all([...clients, extra].map((c) => c.leave()));
  });

  it("keeps a dropped player's entity, marked disconnected, until it reconnects", async () => {
    const { room, a, b } = await pair();
    allowQuickReconnect(a);
    const score = 3;
    room.state.players.get(a.sessionId)!.score = score;
    const back = reconnected(a);
    killSocket(room.roomId, a.sessionId);
    await untilState(b, (s) => s.players.get(a.sessionId)?.connected === false, "marked disconnected");
    await back;
    const view = await untilState(b, (s) => s.players.get(a.sessionId)?.connected === true, "marked connected");
    assert.equal(view.players.get(a.sessionId)!.score, score);
    a.send("input", { seq: 1, x: 1, y: 0, angle: 0, fire: false });
    await untilState(b, (s) => s.players.get(a.sessionId)!.lastInputSeq === 1, "input accepted after reconnecting");
    await Promise.all([a.leave(), b.leave()]);
  });
});
