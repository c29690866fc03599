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
  /**
   * When a ranked match (one the queue made) ends, per mode: the first side to `score` kills
   * (a team's together), or the best after `seconds`. Casual rooms never end.
   */
  rankedLimits: { ffa: { score: 15, seconds: 180 }, teams: { score: 20, seconds: 240 } },
  /**
   * Spectators of a ranked match watch at least this late: a friend watching live could
   * call out every position to one side. Long enough that callouts are stale, short enough
   * to follow the match.
   */
  rankedSpectatorDelaySeconds: 10,
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

/** One shot, for tracers and hit marks, as the rules record it; on the wire as an `ArenaShot`, players named by slot. */
export interface ShotEvent {
  readonly shooter: string;
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  /** Session id of the player hit, or "" for a miss. */
  readonly target: string;
  readonly killed: boolean;
}

/** The players a shot's slots refer to: the state's `players` (a MapSchema, or any map of session id to slot holder). */
export interface PlayerSlots {
  forEach(visit: (player: { readonly slot: number }, sessionId: string) => void): void;
}

/** The session id holding `slot` among `players`, or "" (0, or a player already gone). */
function sessionIdAt(players: PlayerSlots, slot: number): string {
  let found = "";
  if (slot !== 0) {
    players.forEach((player, sessionId) => {
      if (player.slot === slot) found = sessionId;
    });
  }
  return found;
}

/** A shot as it arrived (a decoded `ArenaShot`), back into an event, its slots read against the state's `players` of the same patch. */
export function shotEventOf(shot: Pick<ArenaShot, "shooter" | "x" | "y" | "milliradians" | "target" | "killed">, players: PlayerSlots): ShotEvent {
  return {
    shooter: sessionIdAt(players, shot.shooter),
    x: shot.x,
    y: shot.y,
    angle: shot.milliradians / 1000,
    target: sessionIdAt(players, shot.target),
    killed: shot.killed,
  };
}

/**
 * The lowest slot (1-255) that no player in `players` holds and `stillNamed` does not
 * mention: a new player's number. Pass the slots the unsent shots name, so a slot freed
 * since the last patch is not handed to a newcomer who would then be read as their shooter.
 */
export function freeSlot(players: PlayerSlots, stillNamed: Iterable<number> = []): number {
  const taken = new Set<number>(stillNamed);
  players.forEach((player) => {
    taken.add(player.slot);
  });
  let slot = 1;
  while (taken.has(slot)) slot++;
  if (slot > 255) throw new Error("no free player slot: at most 255 players hold one");
  return slot;
}
