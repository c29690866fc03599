import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onPatchEvents } from "../../client/events.ts";
import { listenUntil } from "../../client/signals.ts";
import type { ArenaRoom } from "../../rooms/ArenaRoom.ts";
import { applyInput, sanitizeInput } from "../../rooms/arena/rules.ts";
import { ARENA, type ShotEvent, shotEventOf } from "../../rooms/arena/shapes.ts";
import type { ArenaInput, ArenaState } from "../../schema/ArenaState.ts";
import { CloseCode } from "../../shared/errors.ts";
import {
  allowQuickReconnect,
  closed,
  eventually,
  killSocket,
  quietPeriod,
  reconnected,
  serverRoom,
  startTestServer,
  type TestServer,
  untilState,
} from "../support/harness.ts";

describe("arena room", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "5" });
  });
  after(async () => {
    await server.close();
  });

  /** Move a player server-side and wait until its own client sees it there. */
  async function place(
    room: ArenaRoom,
    client: { sessionId: string; state: { players: { get(id: string): { x: number; y: number } | undefined } } },
    x: number,
    y: number,
  ) {
    Object.assign(room.state.players.get(client.sessionId)!, { x, y });
    await eventually(() => client.state.players?.get(client.sessionId)?.x === x && client.state.players.get(client.sessionId)?.y === y, "placement synced");
  }

  async function pair() {
    const created = await server.colyseus.createRoom<ArenaRoom>("arena", {});
    const a = await server.client().joinById<ArenaState>(created.roomId, { name: "alpha" });
    const b = await server.client().joinById<ArenaState>(created.roomId, { name: "bravo" });
    await untilState(a, (s) => s.players.size === 2, "two players");
    return { room: serverRoom<ArenaRoom>(created.roomId), a, b };
  }

  it("spawns joined players inside the world with full health and syncs them to everyone", async () => {
    const { a, b } = await pair();
    const view = await untilState(b, (s) => s.players.size === 2);
    for (const [sessionId, name] of [
      [a.sessionId, "alpha"],
      [b.sessionId, "bravo"],
    ] as const) {
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
    const { a, b } = await pair();
    const first = (await untilState(a, (s) => s.tick > 0)).tick;
    let patches = 0;
    const counted = new Promise<number>((resolve) => {
      listenUntil(a.onStateChange, (state) => {
        if (++patches < 20) return false;
        resolve(state.tick);
        return true;
      });
    });
    const last = await counted;
    const ticksPerPatch = (last - first) / 20;
    // 60 / 20 = 3 ticks per patch; a loose band because timers jitter on a shared machine.
    assert.ok(ticksPerPatch > 2 && ticksPerPatch < 4.5, `${ticksPerPatch} ticks per patch`);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("applies one input frame per tick through the pure step, and acknowledges each", async () => {
    const { room, a, b } = await pair();
    await place(room, a, 100, 500);
    const input = a.input<ArenaInput>();
    const expected = { x: 100, y: 500, angle: 0, hp: 100, score: 0, alive: true, team: 0, reload: 0 };
    for (let i = 0; i < 30; i++) {
      // An over-long stick is scaled to 1 by the sanitizer, on the wire's float32 values.
      Object.assign(input.data, { x: 5, y: 0, angle: 0, fire: false });
      input.send();
      const frame = { x: Math.fround(5), y: 0, angle: 0, fire: false };
      sanitizeInput(frame);
      applyInput(expected, frame, 1 / ARENA.tickRate);
    }
    await eventually(() => input.lastProcessed === 30, "30 frames acknowledged");
    const view = await untilState(b, (s) => s.players.get(a.sessionId)!.x === expected.x, "position after 30 frames");
    assert.equal(view.players.get(a.sessionId)!.y, 500);
    assert.ok(Math.abs(expected.x - (100 + (30 * ARENA.speed) / ARENA.tickRate)) < 0.01);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("gives no speed to a client sending faster than the tick: one frame per tick over time", async () => {
    const { room, a, b } = await pair();
    await place(room, a, 20, 500);
    const input = a.input<ArenaInput>();
    Object.assign(input.data, { x: 1, y: 0, angle: 0, fire: false });
    const startTick = room.state.tick;
    // Three frames per 60 Hz tick for one second.
    for (let i = 0; i < 60; i++) {
      for (let k = 0; k < 3; k++) input.send();
      await new Promise((resolve) => setTimeout(resolve, 1000 / 60));
    }
    await eventually(() => input.lastProcessed === input.sentCount, "all frames consumed or dropped");
    const ticks = room.state.tick - startTick;
    const moved = room.state.players.get(a.sessionId)!.x - 20;
    const perTick = ARENA.speed / ARENA.tickRate;
    // One frame per tick, plus what the server banked while this client sent nothing
    // (at most the 32-frame buffer). A server applying every frame sent would have moved
    // 180 frames' worth.
    assert.ok(moved <= (ticks + 32) * perTick + 0.01, `moved ${moved.toFixed(1)} in ${ticks} ticks (3x sender)`);
    assert.ok(moved < 150 * perTick, `moved ${moved.toFixed(1)}: the extra frames must not all be applied`);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("sanitizes hostile input frames at the boundary: NaN and huge values never reach the state", async () => {
    const { room, a, b } = await pair();
    const input = a.input<ArenaInput>();
    for (const [x, y, angle] of [
      [NaN, 0, 0],
      [Infinity, -Infinity, NaN],
      [1e30, 1e30, 1e30],
    ] as const) {
      Object.assign(input.data, { x, y, angle, fire: false });
      input.send();
    }
    await eventually(() => input.lastProcessed === 3, "frames acknowledged");
    const p = room.state.players.get(a.sessionId)!;
    for (const value of [p.x, p.y, p.angle]) assert.ok(Number.isFinite(value), `state value ${value}`);
    assert.ok(p.x >= ARENA.playerRadius && p.x <= ARENA.width - ARENA.playerRadius);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("hitscan shots damage the target, ride in the patch that carries their effect, and kill after enough hits", async () => {
    const { room, a, b } = await pair();
    Object.assign(room.state.players.get(a.sessionId)!, { x: 200, y: 300 });
    Object.assign(room.state.players.get(b.sessionId)!, { x: 400, y: 300 });
    await untilState(a, (s) => s.players.get(b.sessionId)!.x === 400 && s.players.get(a.sessionId)!.x === 200);
    // Shots are judged where the shooter saw the target (lag compensation, up to 250 ms
    // back): let the teleport above leave the rewind window first.
    await quietPeriod(ARENA.maxRewindMs + 100);
    const trigger = a.input<ArenaInput>();
    Object.assign(trigger.data, { x: 0, y: 0, angle: 0, fire: true });

    // Each patch that carried shots, with the target's hp decoded in that same frame.
    const seenByB: { shots: ShotEvent[]; hp: number }[] = [];
    const stopB = onPatchEvents(
      b,
      (state) => state.shots,
      (events) => {
        seenByB.push({ shots: events.map((shot) => shotEventOf(shot, b.state.players)), hp: b.state.players.get(b.sessionId)!.hp });
      },
    );
    trigger.send();
    await eventually(() => seenByB.length > 0, "a patch with the shot");
    assert.deepEqual(seenByB[0], {
      shots: [{ shooter: a.sessionId, x: 200, y: 300, angle: 0, target: b.sessionId, killed: false }],
      hp: ARENA.maxHp - ARENA.shotDamage,
    });
    // One shot, one delivery: the next patches carry no stale copy of it.
    let patchesAfter = 0;
    const stopCounting = listenUntil(b.onStateChange, () => ++patchesAfter >= 3);
    await eventually(() => patchesAfter >= 3, "three more patches");
    stopCounting();
    stopB();
    assert.equal(seenByB.length, 1);
    assert.equal(b.state.shots.length, 0, "the list empties once its patch has gone");

    let killed = false;
    const stopA = onPatchEvents(
      a,
      (state) => state.shots,
      (events) => {
        if (events.some((shot) => shot.killed)) killed = true;
      },
    );
    // Hold the trigger, one frame per tick as a real client does; shots come at the cooldown rate.
    const holding = setInterval(() => trigger.send(), 1000 / ARENA.tickRate);
    try {
      await eventually(() => killed || trigger.sentCount >= 200, "a killing shot", 10_000);
    } finally {
      clearInterval(holding);
      stopA();
    }
    assert.ok(killed, "target never died");
    const view = await untilState(a, (s) => !s.players.get(b.sessionId)!.alive);
    assert.equal(view.players.get(a.sessionId)!.score, 1);
    assert.equal(view.players.get(b.sessionId)!.hp, 0);
    await untilState(a, (s) => s.players.get(b.sessionId)!.alive, "respawn", 5000);
    assert.equal(a.state.players.get(b.sessionId)!.hp, ARENA.maxHp);
    await Promise.all([a.leave(), b.leave()]);
  });

  it("closes a client sending an unknown message type (4002) and keeps the other player's state", async () => {
    const { room, a, b } = await pair();
    const before = { ...room.state.players.get(a.sessionId)!.toJSON() };
    for (const [type, payload] of [
      ["input", { x: 1 }],
      ["move", { index: 1 }],
      ["teleport", { x: 0, y: 0 }],
    ] as const) {
      const c = await server.client().joinById(room.roomId, {});
      const code = closed(c);
      (c.send as (t: string, p: unknown) => void)(type, payload);
      assert.equal(await code, CloseCode.WITH_ERROR, `${type}`);
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
    const flood = a.input<ArenaInput>();
    for (let i = 0; i <= room.maxMessagesPerSecond + 20; i++) flood.send();
    assert.equal(await code, CloseCode.WITH_ERROR);
    await untilState(b, (s) => s.players.size === 1, "flooder removed at once (window is 5 s)", 2000);
    const input = b.input<ArenaInput>();
    input.send();
    await eventually(() => input.lastProcessed === 1, "other player still served");
    await b.leave();
  });

  it("closes a client sending a frame over the size limit (1009); the room plays on", async () => {
    const { room, a, b } = await pair();
    const code = closed(a);
    (a.send as (t: string, p: unknown) => void)("junk", { junk: "x".repeat(8000) });
    assert.equal(await code, CloseCode.MESSAGE_TOO_BIG);
    await untilState(b, (s) => s.players.size === 1, "sender removed at once (window is 5 s)", 2000);
    const input = b.input<ArenaInput>();
    input.send();
    await eventually(() => input.lastProcessed === 1, "other player still served");
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
    const input = a.input<ArenaInput>();
    Object.assign(input.data, { x: 1, y: 0, angle: 0, fire: false });
    const x = room.state.players.get(a.sessionId)!.x;
    input.send();
    await eventually(() => input.lastProcessed >= 1, "input accepted after reconnecting");
    await untilState(b, (s) => s.players.get(a.sessionId)!.x !== x, "moved after reconnecting");
    await Promise.all([a.leave(), b.leave()]);
  });
});
