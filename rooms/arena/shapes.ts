import { z } from "zod";
import type { ArenaShot } from "../../schema/ArenaState.ts";

/** Tunables of the arena. Rules read them; the room never changes them at run time. */
export const ARENA = Object.freeze({
  maxPlayers: 16,
  tickRate: 60,
  width: 1024,
  height: 1024,
  playerRadius: 16,
  /** World units per second at full stick. */
  speed: 240,
  maxHp: 100,
  shotDamage: 25,
  shotRange: 700,
  /** 4 shots a second at most. */
  fireCooldownTicks: 15,
  /** 2 seconds dead before respawning. */
  respawnTicks: 120,
  /** Lag compensation reaches at most this far back; older claims are clamped to it. */
  maxRewindMs: 250,
});

const ARENA_MODES = ["ffa", "teams"] as const;

/** Rooms are matched on mode, region and `open` (a free player slot), fullest first. */
export const arenaJoinOptions = z.object({
  mode: z.enum(ARENA_MODES).default("ffa"),
  region: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9-]{1,16}$/, "1-16 of a-z 0-9 -")
    .default("global"),
});

/** One shot, for tracers and hit marks, as the rules record it; on the wire as an `ArenaShot` (see `shotOf`). */
export interface ShotEvent {
  readonly shooter: string;
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  /** Session id of the player hit, or "" for a miss. */
  readonly target: string;
  readonly killed: boolean;
}

/** A shot as it arrived (a decoded `ArenaShot`), back into an event. */
export function shotEventOf(shot: Pick<ArenaShot, "shooter" | "x" | "y" | "milliradians" | "target" | "killed">): ShotEvent {
  return { shooter: shot.shooter, x: shot.x, y: shot.y, angle: shot.milliradians / 1000, target: shot.target, killed: shot.killed };
}
