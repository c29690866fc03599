import { z } from "zod";

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

/** One shot, for tracers and hit marks; on the wire as a `ShotTuple` (see `packShots`). */
export interface ShotEvent {
  readonly shooter: string;
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  /** Session id of the player hit, or "" for a miss. */
  readonly target: string;
  readonly killed: boolean;
}

/**
 * One shot as broadcast in `shots`: a tuple, with the origin in whole world units and
 * the aim in milliradians. A keyed object with float64 numbers cost about 75 bytes a
 * shot, a third of an arena client's downstream traffic; this costs about 25. Tracers
 * need no finer precision.
 */
export type ShotTuple = readonly [shooter: string, x: number, y: number, milliradians: number, target: string, killed: 0 | 1];

export function packShots(shots: readonly ShotEvent[]): ShotTuple[] {
  return shots.map((s) => [s.shooter, Math.round(s.x), Math.round(s.y), Math.round(s.angle * 1000), s.target, s.killed ? 1 : 0]);
}

const shotTuples = z.array(z.tuple([z.string(), z.number(), z.number(), z.number(), z.string(), z.union([z.literal(0), z.literal(1)])]));

/** Read a `shots` payload back into events; anything malformed reads as no shots. */
export function unpackShots(payload: unknown): ShotEvent[] {
  const parsed = shotTuples.safeParse(payload);
  if (!parsed.success) return [];
  return parsed.data.map(([shooter, x, y, milliradians, target, killed]) => ({ shooter, x, y, angle: milliradians / 1000, target, killed: killed === 1 }));
}
