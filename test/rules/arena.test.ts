import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../rooms/base/random.ts";
import {
  applyMovement, newControl, recordInput, stepArena, traceShot, wrapAngle,
  type ArenaWorld, type PlayerBody, type PlayerControl,
} from "../../rooms/arena/rules.ts";
import { ARENA, arenaInput, type ShotEvent } from "../../rooms/arena/shapes.ts";

const DT = 1 / ARENA.tickRate;

function body(x: number, y: number, angle = 0): PlayerBody {
  return { x, y, angle, hp: ARENA.maxHp, score: 0, alive: true, lastInputSeq: 0 };
}

function world(players: Record<string, PlayerBody>): { world: ArenaWorld; controls: Map<string, PlayerControl> } {
  const map = new Map(Object.entries(players));
  const controls = new Map([...map.keys()].map((id) => [id, newControl()] as const));
  return { world: { tick: 0, players: map }, controls };
}

let seq = 0;
const input = (x: number, y: number, angle: number, fire = false) => ({ seq: ++seq, x, y, angle, fire });

describe("arena movement", () => {
  it("moves at most speed * dt per tick whatever the stick says", () => {
    const random = seededRandom(7);
    const player = body(500, 500);
    const control = newControl();
    for (let i = 0; i < 5000; i++) {
      const huge = (random() - 0.5) * 10 ** (random() * 12);
      recordInput(control, input(huge, (random() - 0.5) * 1e9, random() * 100));
      const before = { x: player.x, y: player.y };
      applyMovement(player, control, DT);
      const moved = Math.hypot(player.x - before.x, player.y - before.y);
      assert.ok(moved <= ARENA.speed * DT + 1e-9, `moved ${moved} in one tick`);
    }
  });

  it("moves exactly speed * dt along a unit stick", () => {
    const player = body(500, 500);
    const control = newControl();
    recordInput(control, input(1, 0, 0));
    applyMovement(player, control, DT);
    assert.ok(Math.abs(player.x - (500 + ARENA.speed * DT)) < 1e-9);
    assert.equal(player.y, 500);
  });

  it("never leaves the world bounds", () => {
    const player = body(ARENA.playerRadius + 1, ARENA.height - ARENA.playerRadius - 1);
    const control = newControl();
    recordInput(control, input(-1, 1, 0));
    for (let i = 0; i < 600; i++) applyMovement(player, control, DT);
    assert.equal(player.x, ARENA.playerRadius);
    assert.equal(player.y, ARENA.height - ARENA.playerRadius);
  });

  it("ignores stale or repeated input sequence numbers", () => {
    const control = newControl();
    recordInput(control, { seq: 10, x: 1, y: 0, angle: 0, fire: false });
    recordInput(control, { seq: 9, x: -1, y: 0, angle: 0, fire: false });
    recordInput(control, { seq: 10, x: 0, y: 1, angle: 0, fire: false });
    assert.deepEqual([control.seq, control.moveX, control.moveY], [10, 1, 0]);
  });

  it("wraps any finite aim into (-PI, PI]", () => {
    for (const a of [0, Math.PI, -Math.PI, 7, -7, 1e6, -1e6]) {
      const w = wrapAngle(a);
      assert.ok(w > -Math.PI - 1e-12 && w <= Math.PI + 1e-12, `${a} -> ${w}`);
      assert.ok(Math.abs(Math.cos(w) - Math.cos(a)) < 1e-6);
    }
  });

  it("is deterministic for the same inputs", () => {
    const run = () => {
      const { world: w, controls } = world({ a: body(100, 100), b: body(300, 100) });
      const random = seededRandom(42);
      for (let t = 0; t < 300; t++) {
        recordInput(controls.get("a")!, { seq: t + 1, x: Math.sin(t / 9), y: Math.cos(t / 7), angle: t / 30, fire: t % 5 === 0 });
        recordInput(controls.get("b")!, { seq: t + 1, x: -1, y: Math.sin(t / 5), angle: Math.PI, fire: t % 3 === 0 });
        stepArena(w, controls, DT, random, []);
      }
      return JSON.stringify([...(w.players as Map<string, PlayerBody>).entries()]);
    };
    assert.equal(run(), run());
  });
});

describe("arena input shape", () => {
  it("rejects non-finite numbers and wrong types", () => {
    assert.equal(arenaInput.safeParse({ seq: 1, x: NaN, y: 0, angle: 0, fire: false }).success, false);
    assert.equal(arenaInput.safeParse({ seq: 1, x: Infinity, y: 0, angle: 0, fire: false }).success, false);
    assert.equal(arenaInput.safeParse({ seq: 1, x: "1", y: 0, angle: 0, fire: false }).success, false);
    assert.equal(arenaInput.safeParse({ seq: 0, x: 0, y: 0, angle: 0, fire: false }).success, false);
    assert.equal(arenaInput.safeParse({ seq: 1, x: 0, y: 0, angle: 0, fire: true }).success, true);
  });
});

describe("arena shots", () => {
  it("hits the nearest living target on the ray, not one behind it or off-line", () => {
    const players = new Map(Object.entries({
      shooter: body(100, 100), near: body(200, 100), far: body(300, 100), off: body(150, 160),
    }));
    assert.equal(traceShot(players, "shooter", 100, 100, 0), "near");
    players.get("near")!.alive = false;
    assert.equal(traceShot(players, "shooter", 100, 100, 0), "far");
    assert.equal(traceShot(players, "shooter", 100, 100, Math.PI), undefined, "behind the shooter");
  });

  it("misses beyond range", () => {
    const players = new Map(Object.entries({ s: body(10, 500), t: body(10 + ARENA.shotRange + ARENA.playerRadius + 1, 500) }));
    assert.equal(traceShot(players, "s", 10, 500, 0), undefined);
  });

  it("damages, kills, scores, respects the cooldown and respawns", () => {
    const { world: w, controls } = world({ s: body(100, 100), t: body(200, 100) });
    const random = seededRandom(1);
    const s = controls.get("s")!;
    const shotsNeeded = Math.ceil(ARENA.maxHp / ARENA.shotDamage);
    let fired = 0;
    let ticks = 0;
    while (w.players.get("t")!.alive) {
      recordInput(s, { seq: ++ticks, x: 0, y: 0, angle: 0, fire: true });
      fired += stepArena(w, controls, DT, random, []);
      assert.ok(ticks < 1000, "target never died");
    }
    assert.equal(fired, shotsNeeded);
    // The cooldown spaces shots out: n shots need (n - 1) cooldowns plus the first tick.
    assert.equal(ticks, (shotsNeeded - 1) * ARENA.fireCooldownTicks + 1);
    assert.equal(w.players.get("s")!.score, 1);
    assert.equal(w.players.get("t")!.hp, 0);

    // A dead player is not a target.
    for (let i = 0; i < ARENA.fireCooldownTicks; i++) {
      recordInput(s, { seq: ++ticks, x: 0, y: 0, angle: 0, fire: true });
      const shots: ShotEvent[] = [];
      stepArena(w, controls, DT, random, shots);
      for (const shot of shots) assert.equal(shot.target, "");
    }
    for (let i = 0; i < ARENA.respawnTicks; i++) stepArena(w, controls, DT, random, []);
    const t = w.players.get("t")!;
    assert.equal(t.alive, true);
    assert.equal(t.hp, ARENA.maxHp);
  });

  it("does not let a dead player move or shoot", () => {
    const { world: w, controls } = world({ s: body(100, 100), t: body(200, 100) });
    const s = w.players.get("s")!;
    s.alive = false;
    controls.get("s")!.respawnTick = 1000;
    recordInput(controls.get("s")!, { seq: 1, x: 1, y: 0, angle: 0, fire: true });
    assert.equal(stepArena(w, controls, DT, seededRandom(3), []), 0);
    assert.equal(s.x, 100);
  });
});
