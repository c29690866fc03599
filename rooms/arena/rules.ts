import type { Random } from "../../shared/random.ts";
import type { TickInputs } from "../base/tickInputs.ts";
import { ARENA, type ShotEvent } from "./shapes.ts";

/**
 * Pure arena rules. `applyInput` is the one step function that runs both on the server
 * (in the fixed tick) and in the client's predictor; it imports nothing from the server
 * and gives bit-identical results for identical inputs.
 */

/** The synced part of a player (satisfied by `ArenaPlayer` and by plain objects in tests). */
export interface PlayerBody {
  x: number;
  y: number;
  angle: number;
  hp: number;
  score: number;
  alive: boolean;
  /** 0: no team (everyone is a target); otherwise teammates cannot hit each other. */
  team: number;
  /** Ticks until the next shot is allowed (shown to its owner only). */
  reload: number;
}

/** One input frame (satisfied by the `ArenaInput` schema and by plain objects). */
export interface InputFrame {
  x: number;
  y: number;
  angle: number;
  fire: boolean;
}

/** The server-only part of a player: timers, in ticks. */
export interface PlayerTimers {
  nextFireTick: number;
  respawnTick: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Read-only view of a keyed collection; `MapSchema` and `Map` both fit. */
export interface Roster<P> {
  get(id: string): P | undefined;
  forEach(callback: (value: P, id: string) => void): void;
}

export interface ArenaWorld {
  tick: number;
  readonly players: Roster<PlayerBody>;
  /**
   * A match with limits (ranked play) is "playing" until one is reached, then "finished":
   * nothing moves or fires any more. A casual world never finishes. @default "playing"
   */
  status?: "playing" | "finished";
  /** "teams" sums teammates' scores against the limit and places teams; otherwise players. */
  readonly mode?: string;
  /** Kills that end the match (a team's together in team mode); 0: none. */
  scoreLimit?: number;
  /** The tick the match ends at, whatever the score; 0: none. */
  endTick?: number;
}

export function newTimers(): PlayerTimers {
  return { nextFireTick: 0, respawnTick: 0 };
}

/** Timers as a moved room's snapshot carries them (`{ sessionId: PlayerTimers }`); anything else is refused. */
export function playerTimersOf(packed: unknown): Record<string, PlayerTimers> {
  if (packed === undefined) return {};
  if (typeof packed !== "object" || packed === null) throw new Error("arena timers: not an object");
  const timers: Record<string, PlayerTimers> = {};
  for (const [sessionId, value] of Object.entries(packed)) {
    const { nextFireTick, respawnTick } = (value ?? {}) as Partial<PlayerTimers>;
    if (!Number.isInteger(nextFireTick) || !Number.isInteger(respawnTick)) throw new Error(`arena timers of ${sessionId}: not two tick numbers`);
    timers[sessionId] = { nextFireTick: nextFireTick as number, respawnTick: respawnTick as number };
  }
  return timers;
}

/** A stick this much longer than 1 is float32 rounding, not a cheat: left alone so client and server agree. */
const STICK_TOLERANCE = 1.0001;

/**
 * Make any decoded frame legal, in place: non-finite numbers become 0, the stick is
 * scaled down to unit length, the aim is wrapped. Idempotent on legal frames, so an
 * honest client's frame reaches `applyInput` unchanged on both sides.
 */
export function sanitizeInput(input: InputFrame): void {
  if (!Number.isFinite(input.x)) input.x = 0;
  if (!Number.isFinite(input.y)) input.y = 0;
  if (!Number.isFinite(input.angle)) input.angle = 0;
  const length = stickLength(input);
  if (length > STICK_TOLERANCE) {
    input.x /= length;
    input.y /= length;
  }
  if (input.angle > Math.PI + 1e-3 || input.angle < -Math.PI - 1e-3) input.angle = wrapAngle(input.angle);
  input.fire = input.fire === true;
}

/** A late frame's stand-in (`lateInput`): keep moving and aiming as the last frame did; never fire a shot nobody pressed. */
export function guessLateInput(last: Readonly<InputFrame>, into: InputFrame): void {
  into.x = last.x;
  into.y = last.y;
  into.angle = last.angle;
  into.fire = false;
}

/** The stick vector's length. Not `Math.hypot`: a variadic builtin that allocates, run per frame. */
function stickLength(input: InputFrame): number {
  return Math.sqrt(input.x * input.x + input.y * input.y);
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
 * Move one player by one input for `dt` seconds: at most `speed * dt`, never through a
 * wall. Positions are kept float32-exact (what the wire carries), so a client replaying
 * from the authoritative state computes exactly what the server computed.
 */
export function applyInput(body: PlayerBody, input: InputFrame, dt: number): void {
  if (!body.alive) return;
  const length = stickLength(input);
  const scale = length > STICK_TOLERANCE ? 1 / length : 1;
  const r = ARENA.playerRadius;
  body.x = Math.fround(clamp(body.x + input.x * scale * ARENA.speed * dt, r, ARENA.width - r));
  body.y = Math.fround(clamp(body.y + input.y * scale * ARENA.speed * dt, r, ARENA.height - r));
  body.angle = Math.fround(input.angle);
}

/** The team a newcomer joins in team mode: the smaller one (team 1 on a tie). */
export function balancedTeam(players: Roster<PlayerBody>): 1 | 2 {
  let ones = 0;
  let twos = 0;
  players.forEach((player) => {
    if (player.team === 1) ones++;
    else if (player.team === 2) twos++;
  });
  return ones <= twos ? 1 : 2;
}

/** A random spawn point inside the walls, full health. */
export function spawn(body: PlayerBody, random: Random): void {
  const r = ARENA.playerRadius;
  body.x = Math.fround(r + random() * (ARENA.width - 2 * r));
  body.y = Math.fround(r + random() * (ARENA.height - 2 * r));
  body.hp = ARENA.maxHp;
  body.alive = true;
}

/**
 * The nearest living player other than `shooterId` whose circle the ray from `from`
 * along `angle` crosses within range, judged at the positions `positionOf` gives.
 */
export function traceShot(
  players: Roster<PlayerBody>,
  shooterId: string,
  from: Point,
  angle: number,
  positionOf: (target: PlayerBody) => Point,
  shooterTeam = 0,
): string | undefined {
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const radiusSq = ARENA.playerRadius * ARENA.playerRadius;
  let best: string | undefined;
  let bestDistance = Infinity;
  players.forEach((target, id) => {
    if (id === shooterId || !target.alive) return;
    if (shooterTeam !== 0 && target.team === shooterTeam) return;
    const at = positionOf(target);
    const ox = at.x - from.x;
    const oy = at.y - from.y;
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
 * Advance the world by one fixed tick: respawn those due, then apply each player's
 * inputs in order (movement, and a shot when `fire` is set and the cooldown allows).
 * Shots are judged against where the shooter saw its targets. Fired shots are handed to
 * `shots`, a sink the caller owns (the room's per-patch events, a baseline's buffer).
 */
/** Where the step records the shots it fired. */
export interface ShotSink {
  push(shot: ShotEvent): unknown;
}

export function stepArena(world: ArenaWorld, timers: Roster<PlayerTimers>, inputs: TickInputs<InputFrame>, dt: number, random: Random, shots: ShotSink): void {
  if (world.status === "finished") return;
  const tick = ++world.tick;
  // The player whose inputs are being applied: one `apply` per step rather than a closure
  // per player per tick (the step runs 60 times a second for every player).
  const current = { id: "", body: undefined as PlayerBody | undefined, own: undefined as PlayerTimers | undefined };
  const apply = (input: InputFrame): void => {
    const { id, body, own } = current;
    if (body === undefined || own === undefined) return;
    applyInput(body, input, dt);
    if (input.fire) fire(world, timers, inputs, id, body, own, tick, shots);
  };
  world.players.forEach((body, id) => {
    const own = timers.get(id);
    if (own === undefined) return;
    if (!body.alive && tick >= own.respawnTick) spawn(body, random);
    current.id = id;
    current.body = body;
    current.own = own;
    inputs.forEach(id, apply);
    const reload = Math.max(0, own.nextFireTick - tick);
    if (body.reload !== reload) body.reload = reload;
  });
  if (world.endTick !== undefined && world.endTick > 0 && tick >= world.endTick) world.status = "finished";
}

/** Each side's score: players' own, or their teams' summed in team mode. */
function sideScores(world: ArenaWorld): Map<string, number> {
  const teams = world.mode === "teams";
  const scores = new Map<string, number>();
  world.players.forEach((body, id) => {
    const side = teams ? `team:${body.team}` : id;
    scores.set(side, (scores.get(side) ?? 0) + body.score);
  });
  return scores;
}

/**
 * A match with limits ends once fewer than two sides have anyone left (the others left or
 * dropped for good): nobody would be left to play against. Casual worlds never end.
 */
export function endIfOneSideLeft(world: ArenaWorld): void {
  if (world.status !== "playing") return;
  if (sideScores(world).size < 2) world.status = "finished";
}

/** Once a match with limits is over: each player's place by its side's score (1 = first; equal scores share). */
export function arenaStandings(world: ArenaWorld): Record<string, number> | undefined {
  if (world.status !== "finished") return undefined;
  const scores = sideScores(world);
  const all = [...scores.values()];
  const places: Record<string, number> = {};
  world.players.forEach((body, id) => {
    const mine = scores.get(world.mode === "teams" ? `team:${body.team}` : id) ?? 0;
    places[id] = 1 + all.filter((score) => score > mine).length;
  });
  return places;
}

function fire(
  world: ArenaWorld,
  timers: Roster<PlayerTimers>,
  inputs: TickInputs<InputFrame>,
  shooterId: string,
  shooter: PlayerBody,
  own: PlayerTimers,
  tick: number,
  shots: ShotSink,
): void {
  if (!shooter.alive || tick < own.nextFireTick) return;
  own.nextFireTick = tick + ARENA.fireCooldownTicks;
  // Where the shooter saw each target (lag compensation): read at once, one target at a time.
  const seenAt: Point = { x: 0, y: 0 };
  const seen = (target: PlayerBody): Point => {
    seenAt.x = inputs.seen(shooterId, target, "x");
    seenAt.y = inputs.seen(shooterId, target, "y");
    return seenAt;
  };
  const targetId = traceShot(world.players, shooterId, shooter, shooter.angle, seen, shooter.team);
  const target = targetId === undefined ? undefined : world.players.get(targetId);
  let killed = false;
  if (target !== undefined && targetId !== undefined) {
    target.hp = Math.max(0, target.hp - ARENA.shotDamage);
    if (target.hp === 0) {
      killed = true;
      target.alive = false;
      shooter.score += 1;
      const targetTimers = timers.get(targetId);
      if (targetTimers !== undefined) targetTimers.respawnTick = tick + ARENA.respawnTicks;
      // Only a kill can reach the score limit: checked here, not every tick.
      if (world.scoreLimit !== undefined && world.scoreLimit > 0 && Math.max(...sideScores(world).values()) >= world.scoreLimit) world.status = "finished";
    }
  }
  shots.push({ shooter: shooterId, x: shooter.x, y: shooter.y, angle: shooter.angle, target: targetId ?? "", killed });
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
