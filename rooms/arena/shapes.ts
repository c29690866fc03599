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

export const arenaJoinOptions = z.object({
  name: z.string().trim().min(1).max(32).optional(),
});
export type ArenaJoinOptions = z.output<typeof arenaJoinOptions>;

/** One shot; the room broadcasts `shots` (an array of these) after each patch, for tracers and hit marks. */
export interface ShotEvent {
  readonly shooter: string;
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  /** Session id of the player hit, or "" for a miss. */
  readonly target: string;
  readonly killed: boolean;
}
