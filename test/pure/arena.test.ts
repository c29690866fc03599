import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ArenaWorld,
  applyInput,
  arenaStandings,
  endIfOneSideLeft,
  guessLateInput,
  type InputFrame,
  newTimers,
  type PlayerBody,
  type PlayerTimers,
  sanitizeInput,
  stepArena,
  traceShot,
  wrapAngle,
} from "../../rooms/arena/rules.ts";
import { ARENA, freeSlot, type ShotEvent, shotEventOf } from "../../rooms/arena/shapes.ts";
import type { NumericKeys, TickInputs } from "../../rooms/base/tickInputs.ts";
import { ArenaShot } from "../../schema/ArenaState.ts";
import { seededRandom } from "../../shared/random.ts";

const DT = 1 / ARENA.tickRate;

function body(x: number, y: number, angle = 0): PlayerBody {
  return { x, y, angle, hp: ARENA.maxHp, score: 0, alive: true, team: 0, reload: 0 };
}

const frame = (x: number, y: number, angle: number, fire = false): InputFrame => ({ x, y, angle, fire });

/** Scripted inputs: each player's frames for this tick; targets are seen where they are now. */
class Script implements TickInputs<InputFrame> {
  due = new Map<string, InputFrame[]>();
  forEach(playerId: string, apply: (input: InputFrame) => void): void {
    for (const input of this.due.get(playerId) ?? []) apply(input);
  }
  seen<E extends object>(_viewerId: string, target: E, field: NumericKeys<E>): number {
    return target[field] as number;
  }
}

function world(players: Record<string, PlayerBody>) {
  const map = new Map(Object.entries(players));
  const timers = new Map<string, PlayerTimers>([...map.keys()].map((id) => [id, newTimers()]));
  const w: ArenaWorld = { tick: 0, players: map };
  return { world: w, players: map, timers };
}

describe("arena input sanitizing", () => {
  it("makes any frame legal: finite numbers, stick at most 1, aim wrapped", () => {
    const random = seededRandom(11);
    const values = [NaN, Infinity, -Infinity, 1e30, -1e30, 0, 0.5, -3];
    for (let i = 0; i < 2000; i++) {
      const pick = () => (random() < 0.5 ? values[Math.floor(random() * values.length)]! : (random() - 0.5) * 10 ** (random() * 10));
      const f = frame(pick(), pick(), pick(), random() < 0.5);
      sanitizeInput(f);
      assert.ok(Number.isFinite(f.x) && Number.isFinite(f.y) && Number.isFinite(f.angle), JSON.stringify(f));
      assert.ok(Math.hypot(f.x, f.y) <= 1.0001 + 1e-9);
      assert.ok(Math.abs(f.angle) <= Math.PI + 1e-3);
    }
  });

  it("leaves a legal float32 frame untouched, so client and server apply the same frame", () => {
    const random = seededRandom(5);
    for (let i = 0; i < 2000; i++) {
      const a = random() * Math.PI * 2;
      const f = frame(Math.fround(Math.cos(a) * random()), Math.fround(Math.sin(a) * random()), Math.fround((random() - 0.5) * 2 * Math.PI));
      const before = { ...f };
      sanitizeInput(f);
      assert.deepEqual(f, before);
    }
  });

  it("wraps any finite aim into (-PI, PI]", () => {
    for (const a of [0, Math.PI, -Math.PI, 7, -7, 1e6, -1e6]) {
      const w = wrapAngle(a);
      assert.ok(w > -Math.PI - 1e-12 && w <= Math.PI + 1e-12, `${a} -> ${w}`);
      assert.ok(Math.abs(Math.cos(w) - Math.cos(a)) < 1e-6);
    }
  });
});

describe("arena late-frame guesses (lateInput)", () => {
  it("continue the last frame's movement and aim, and never fire", () => {
    const into = frame(0, 0, 0, true);
    guessLateInput(frame(0.6, -0.8, 1.25, true), into);
    assert.deepEqual(into, frame(0.6, -0.8, 1.25, false));
  });
});

describe("arena movement (applyInput)", () => {
  it("moves at most speed * dt per frame whatever was sent", () => {
    const random = seededRandom(7);
    const player = body(500, 500);
    for (let i = 0; i < 5000; i++) {
      const f = frame((random() - 0.5) * 10 ** (random() * 12), (random() - 0.5) * 1e9, random() * 100);
      sanitizeInput(f);
      const before = { x: player.x, y: player.y };
      applyInput(player, f, DT);
      const moved = Math.hypot(player.x - before.x, player.y - before.y);
      assert.ok(moved <= ARENA.speed * DT * 1.0002, `moved ${moved} in one frame`);
    }
  });

  it("moves speed * dt along a unit stick and keeps positions float32-exact", () => {
    const player = body(500, 500);
    for (let i = 0; i < 60; i++) {
      applyInput(player, frame(0.6, 0.8, 0.3), DT);
      assert.equal(Math.fround(player.x), player.x);
      assert.equal(Math.fround(player.y), player.y);
    }
    assert.ok(Math.abs(player.x - (500 + 0.6 * ARENA.speed)) < 0.01);
    assert.ok(Math.abs(player.y - (500 + 0.8 * ARENA.speed)) < 0.01);
  });

  it("never leaves the world bounds", () => {
    const player = body(ARENA.playerRadius + 1, ARENA.height - ARENA.playerRadius - 1);
    for (let i = 0; i < 600; i++) applyInput(player, frame(-1, 1, 0), DT);
    assert.equal(player.x, ARENA.playerRadius);
    assert.equal(player.y, ARENA.height - ARENA.playerRadius);
  });

  it("replaying the same frames from the same float32 state gives the same position (what prediction relies on)", () => {
    const random = seededRandom(3);
    const frames = Array.from({ length: 300 }, () => {
      const f = frame(Math.fround(random() * 2 - 1), Math.fround(random() * 2 - 1), Math.fround(random() * 6 - 3));
      sanitizeInput(f);
      return f;
    });
    const server = body(300, 300);
    for (const f of frames) applyInput(server, f, DT);
    // The client starts from the authoritative state at frame 100 (as the wire carries it)
    // and replays the rest.
    const atAck = body(300, 300);
    for (const f of frames.slice(0, 100)) applyInput(atAck, f, DT);
    const client = { ...atAck, x: Math.fround(atAck.x), y: Math.fround(atAck.y) };
    for (const f of frames.slice(100)) applyInput(client, f, DT);
    assert.deepEqual([client.x, client.y], [server.x, server.y]);
  });

  it("is deterministic for a whole match of scripted inputs", () => {
    const run = () => {
      const { world: w, players, timers } = world({ a: body(100, 100), b: body(300, 100) });
      const script = new Script();
      const random = seededRandom(42);
      for (let t = 0; t < 300; t++) {
        script.due.set("a", [frame(Math.sin(t / 9), Math.cos(t / 7), t / 30, t % 5 === 0)]);
        script.due.set("b", [frame(-1, Math.sin(t / 5), Math.PI, t % 3 === 0)]);
        stepArena(w, timers, script, DT, random, []);
      }
      return JSON.stringify([...players.entries()]);
    };
    assert.equal(run(), run());
  });
});

describe("arena shots", () => {
  const live = (target: PlayerBody) => ({ x: target.x, y: target.y });

  it("hits the nearest living target on the ray, not one behind it or off-line", () => {
    const players = new Map(
      Object.entries({
        shooter: body(100, 100),
        near: body(200, 100),
        far: body(300, 100),
        off: body(150, 160),
      }),
    );
    const from = { x: 100, y: 100 };
    assert.equal(traceShot(players, "shooter", from, 0, live), "near");
    players.get("near")!.alive = false;
    assert.equal(traceShot(players, "shooter", from, 0, live), "far");
    assert.equal(traceShot(players, "shooter", from, Math.PI, live), undefined, "behind the shooter");
  });

  it("misses beyond range", () => {
    const players = new Map(Object.entries({ s: body(10, 500), t: body(10 + ARENA.shotRange + ARENA.playerRadius + 1, 500) }));
    assert.equal(traceShot(players, "s", { x: 10, y: 500 }, 0, live), undefined);
  });

  it("judges the shot where the shooter saw the target, not where it is now", () => {
    const players = new Map(Object.entries({ s: body(100, 100), t: body(200, 160) }));
    const seenAt = { x: 200, y: 100 };
    assert.equal(
      traceShot(players, "s", { x: 100, y: 100 }, 0, () => seenAt),
      "t",
    );
    assert.equal(traceShot(players, "s", { x: 100, y: 100 }, 0, live), undefined);
  });

  it("damages, kills, scores, respects the cooldown and respawns", () => {
    const { world: w, players, timers } = world({ s: body(100, 100), t: body(200, 100) });
    const script = new Script();
    const random = seededRandom(1);
    const shotsNeeded = Math.ceil(ARENA.maxHp / ARENA.shotDamage);
    const shots: ShotEvent[] = [];
    let ticks = 0;
    while (players.get("t")!.alive) {
      script.due.set("s", [frame(0, 0, 0, true)]);
      stepArena(w, timers, script, DT, random, shots);
      ticks++;
      assert.ok(ticks < 1000, "target never died");
    }
    assert.equal(shots.length, shotsNeeded);
    // The cooldown spaces shots out: n shots need (n - 1) cooldowns plus the first tick.
    assert.equal(ticks, (shotsNeeded - 1) * ARENA.fireCooldownTicks + 1);
    assert.equal(shots.at(-1)!.killed, true);
    assert.equal(players.get("s")!.score, 1);
    assert.equal(players.get("t")!.hp, 0);

    // Several frames in one tick (catch-up) still respect the cooldown.
    script.due.set(
      "s",
      Array.from({ length: 4 }, () => frame(0, 0, 0, true)),
    );
    const burst: ShotEvent[] = [];
    for (let i = 0; i < ARENA.fireCooldownTicks; i++) stepArena(w, timers, script, DT, random, burst);
    assert.equal(burst.length, 1);
    assert.equal(burst[0]!.target, "", "a dead player is not a target");

    script.due.clear();
    for (let i = 0; i < ARENA.respawnTicks; i++) stepArena(w, timers, script, DT, random, []);
    const t = players.get("t")!;
    assert.equal(t.alive, true);
    assert.equal(t.hp, ARENA.maxHp);
  });

  it("does not let a dead player move or shoot", () => {
    const { world: w, players, timers } = world({ s: body(100, 100), t: body(200, 100) });
    players.get("s")!.alive = false;
    timers.get("s")!.respawnTick = 1000;
    const script = new Script();
    script.due.set("s", [frame(1, 0, 0, true)]);
    const shots: ShotEvent[] = [];
    stepArena(w, timers, script, DT, seededRandom(3), shots);
    assert.equal(shots.length, 0);
    assert.equal(players.get("s")!.x, 100);
  });
});

describe("a ranked arena match's end", () => {
  it("ends when a team's kills together reach the limit: the world stops, teams are placed by score", () => {
    const { world: w, players, timers } = world({ a1: body(100, 100), a2: body(100, 300), b1: body(200, 100), b2: body(900, 900) });
    Object.assign(w, { mode: "teams", scoreLimit: 2, status: "playing" });
    players.get("a1")!.team = 1;
    players.get("a2")!.team = 1;
    players.get("b1")!.team = 2;
    players.get("b2")!.team = 2;
    players.get("a2")!.score = 1;
    assert.equal(arenaStandings(w), undefined, "no standings while playing");
    const script = new Script();
    // a1 shoots b1 dead: team 1 reaches 2 kills together.
    while (w.status === "playing") {
      script.due.set("a1", [frame(0, 0, 0, true)]);
      stepArena(w, timers, script, DT, seededRandom(5), []);
      assert.ok(w.tick < 1000, "the match never ended");
    }
    assert.deepEqual(arenaStandings(w), { a1: 1, a2: 1, b1: 2, b2: 2 });
    // Finished: nothing moves any more.
    const tick = w.tick;
    script.due.set("b2", [frame(1, 0, 0)]);
    stepArena(w, timers, script, DT, seededRandom(5), []);
    assert.equal(players.get("b2")!.x, 900);
    assert.equal(w.tick, tick);
  });

  it("ends at its time limit whatever the score; in free-for-all equal scores share a place", () => {
    const { world: w, players, timers } = world({ p: body(100, 100), q: body(500, 500), r: body(900, 900) });
    Object.assign(w, { mode: "ffa", scoreLimit: 10, endTick: 30, status: "playing" });
    players.get("p")!.score = 3;
    players.get("q")!.score = 3;
    for (let i = 0; i < 30; i++) stepArena(w, timers, new Script(), DT, seededRandom(1), []);
    assert.equal(w.status, "finished");
    assert.deepEqual(arenaStandings(w), { p: 1, q: 1, r: 3 });
  });

  it("ends once one side is left alone: those still there place first", () => {
    const { world: w, players } = world({ a1: body(100, 100), a2: body(100, 300), b1: body(900, 900) });
    Object.assign(w, { mode: "teams", scoreLimit: 20, status: "playing" });
    players.get("a1")!.team = 1;
    players.get("a2")!.team = 1;
    players.get("b1")!.team = 2;
    players.delete("a2");
    endIfOneSideLeft(w);
    assert.equal(w.status, "playing", "both teams still have someone");
    players.delete("b1");
    endIfOneSideLeft(w);
    assert.equal(w.status, "finished");
    assert.deepEqual(arenaStandings(w), { a1: 1 });
  });

  it("never ends a casual world (no limits)", () => {
    const { world: w, timers } = world({ p: body(100, 100) });
    for (let i = 0; i < 100; i++) stepArena(w, timers, new Script(), DT, seededRandom(1), []);
    assert.equal(w.status, undefined);
  });
});

describe("shots on the wire", () => {
  const players = new Map([
    ["abc", { slot: 1 }],
    ["def", { slot: 2 }],
  ]);
  const slotOf = (id: string): number => players.get(id)?.slot ?? 0;

  it("travel as whole units, milliradians and player slots and read back as the same shots at that precision", () => {
    const shots: ShotEvent[] = [
      { shooter: "abc", x: 100.4, y: 899.6, angle: -Math.PI, target: "def", killed: true },
      { shooter: "def", x: 16, y: 16, angle: 0.5, target: "", killed: false },
    ];
    const travelling = shots.map((shot) => ArenaShot.of(shot, slotOf));
    assert.deepEqual(
      travelling.map((shot) => [shot.shooter, shot.x, shot.y, shot.milliradians, shot.target, shot.killed]),
      [
        [1, 100, 900, -3142, 2, true],
        [2, 16, 16, 500, 0, false],
      ],
    );
    assert.deepEqual(
      travelling.map((shot) => shotEventOf(shot, players)),
      [
        // biome-ignore lint/suspicious/noApproximativeNumericConstant: -PI at milliradian precision is the point
        { shooter: "abc", x: 100, y: 900, angle: -3.142, target: "def", killed: true },
        { shooter: "def", x: 16, y: 16, angle: 0.5, target: "", killed: false },
      ],
    );
  });

  it("name a player who has gone as nobody", () => {
    const shot = ArenaShot.of({ shooter: "abc", x: 0, y: 0, angle: 0, target: "def", killed: false }, slotOf);
    assert.deepEqual(shotEventOf(shot, new Map([["def", { slot: 2 }]])), { shooter: "", x: 0, y: 0, angle: 0, target: "def", killed: false });
  });

  it("number players from 1 with the lowest free slot, never one an unsent shot still names", () => {
    assert.equal(freeSlot(new Map()), 1);
    assert.equal(freeSlot(players), 3);
    assert.equal(freeSlot(new Map([["def", { slot: 2 }]])), 1, "a slot frees when its player leaves");
    assert.equal(freeSlot(new Map([["def", { slot: 2 }]]), [1, 0]), 3, "but not while a shot of this patch names it");
    const full = new Map(Array.from({ length: 255 }, (_, i) => [`p${i}`, { slot: i + 1 }] as const));
    assert.throws(() => freeSlot(full), /no free player slot/);
  });
});
