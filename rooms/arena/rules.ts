import type { Random } from "../base/random.ts";
import { ARENA, type ArenaInput, type ShotEvent } from "./shapes.ts";

/** The synced part of a player (satisfied by `ArenaPlayer` and by plain objects in tests). */
export interface PlayerBody {
  x: number;
  y: number;
  angle: number;
  hp: number;
  score: number;
  alive: boolean;
  lastInputSeq: number;
}

/** The server-only part of a player: latest intent and timers, in ticks. */
export interface PlayerControl {
  seq: number;
  moveX: number;
  moveY: number;
  angle: number;
  /** Latched until the step sees it, so a click between two ticks is not lost. */
  fire: boolean;
  nextFireTick: number;
  respawnTick: number;
}

/** Read-only view of a keyed collection; `MapSchema` and `Map` both fit. */
export interface Roster<P> {
  get(id: string): P | undefined;
  forEach(callback: (value: P, id: string) => void): void;
}

export interface ArenaWorld {
  tick: number;
  readonly players: Roster<PlayerBody>;
}

export function newControl(): PlayerControl {
  return { seq: 0, moveX: 0, moveY: 0, angle: 0, fire: false, nextFireTick: 0, respawnTick: 0 };
}

/** A random free-ish spawn point inside the walls. */
export function spawn(body: PlayerBody, random: Random): void {
  const r = ARENA.playerRadius;
  body.x = r + random() * (ARENA.width - 2 * r);
  body.y = r + random() * (ARENA.height - 2 * r);
  body.hp = ARENA.maxHp;
  body.alive = true;
}

/** Wrap any finite angle into (-PI, PI]. */
export function wrapAngle(angle: number): number {
  const tau = Math.PI * 2;
  let a = angle % tau;
  if (a <= -Math.PI) a += tau;
  else if (a > Math.PI) a -= tau;
  return a;
}

/**
 * Record the latest intent (a handler's whole job). Older or repeated sequence numbers
 * are ignored so a replayed frame cannot rewind intent; fire is OR-ed until the step runs.
 */
export function recordInput(control: PlayerControl, input: ArenaInput): void {
  if (input.seq <= control.seq) return;
  control.seq = input.seq;
  // Scale the stick down to unit length: this is what makes speed hacks impossible.
  const length = Math.hypot(input.x, input.y);
  const scale = length > 1 ? 1 / length : 1;
  control.moveX = input.x * scale;
  control.moveY = input.y * scale;
  control.angle = wrapAngle(input.angle);
  control.fire ||= input.fire;
}

/** Drop held intent (player disconnected): the entity stays, idle. */
export function idle(control: PlayerControl): void {
  control.moveX = 0;
  control.moveY = 0;
  control.fire = false;
}

/**
 * Move one player by its intent for `dt` seconds: at most `speed * dt`, never through a
 * wall. The same function runs on the server and in a client predictor.
 */
export function applyMovement(body: PlayerBody, control: PlayerControl, dt: number): void {
  if (!body.alive) return;
  const r = ARENA.playerRadius;
  body.x = clamp(body.x + control.moveX * ARENA.speed * dt, r, ARENA.width - r);
  body.y = clamp(body.y + control.moveY * ARENA.speed * dt, r, ARENA.height - r);
  body.angle = control.angle;
  body.lastInputSeq = control.seq;
}

/**
 * The nearest living player other than `shooterId` whose circle the ray from
 * (x, y) along `angle` crosses within range, or undefined.
 */
export function traceShot(
  players: Roster<PlayerBody>,
  shooterId: string,
  x: number,
  y: number,
  angle: number,
): string | undefined {
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const radiusSq = ARENA.playerRadius * ARENA.playerRadius;
  let best: string | undefined;
  let bestDistance = Infinity;
  players.forEach((target, id) => {
    if (id === shooterId || !target.alive) return;
    const ox = target.x - x;
    const oy = target.y - y;
    const along = ox * dx + oy * dy;
    if (along < 0 || along > ARENA.shotRange) return;
    const perpendicularSq = ox * ox + oy * oy - along * along;
    if (perpendicularSq <= radiusSq && along < bestDistance) {
      best = id;
      bestDistance = along;
    }
  });
  return best;
}

/**
 * Advance the world by one fixed tick: respawns, movement, then shots (after everyone
 * moved, so all shots of a tick see the same positions). Appends the shots fired to
 * `shots` (a buffer the caller owns and drains) and returns how many were fired.
 */
export function stepArena(
  world: ArenaWorld,
  controls: Roster<PlayerControl>,
  dt: number,
  random: Random,
  shots: ShotEvent[],
): number {
  const tick = ++world.tick;
  const before = shots.length;

  world.players.forEach((body, id) => {
    const control = controls.get(id);
    if (control === undefined) return;
    if (!body.alive && tick >= control.respawnTick) spawn(body, random);
    applyMovement(body, control, dt);
  });

  world.players.forEach((shooter, id) => {
    const control = controls.get(id);
    if (control === undefined) return;
    const wantsFire = control.fire;
    control.fire = false;
    if (!wantsFire || !shooter.alive || tick < control.nextFireTick) return;
    control.nextFireTick = tick + ARENA.fireCooldownTicks;

    const targetId = traceShot(world.players, id, shooter.x, shooter.y, shooter.angle);
    const target = targetId === undefined ? undefined : world.players.get(targetId);
    let killed = false;
    if (target !== undefined && targetId !== undefined) {
      target.hp = Math.max(0, target.hp - ARENA.shotDamage);
      if (target.hp === 0) {
        killed = true;
        target.alive = false;
        shooter.score += 1;
        const targetControl = controls.get(targetId);
        if (targetControl !== undefined) targetControl.respawnTick = tick + ARENA.respawnTicks;
      }
    }
    shots.push({ shooter: id, x: shooter.x, y: shooter.y, angle: shooter.angle, target: targetId ?? "", killed });
  });

  return shots.length - before;
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
