import type { Client, Room } from "@colyseus/sdk";
import { applyInput, sanitizeInput } from "../rooms/arena/rules.ts";
import { ARENA } from "../rooms/arena/shapes.ts";
import { ArenaInput, type ArenaPlayer, type ArenaState } from "../schema/ArenaState.ts";
import { type NetcodeSpec, type RealtimeOptions, RealtimeSession } from "./netcode.ts";

/** The arena's netcode: the server's own `applyInput` and `sanitizeInput`, imported. */
export const arenaNetcode: NetcodeSpec<ArenaPlayer, ArenaInput> = {
  collection: "players",
  step: applyInput,
  predictedFields: ["x", "y", "angle", "alive"],
  positionFields: ["x", "y"],
  interpolatedFields: { x: {}, y: {}, angle: { angle: true } },
  input: ArenaInput,
  sanitize: sanitizeInput,
  inputNumberFields: ["x", "y", "angle"],
  // A respawn moves the player across the map: snap there, don't glide.
  snapDistance: 64,
  // Through a stall other players run on for up to a quarter second, then hold; once
  // data resumes they close the gap at most at running speed.
  extrapolation: { maxMs: 250, catchUpSpeed: ARENA.speed },
  // Raising the delay for stalls never pushes a shot past the server's rewind window.
  rewindWindowMs: ARENA.maxRewindMs,
};

export type ArenaSession = RealtimeSession<ArenaPlayer, ArenaInput, ArenaState>;

/** Join (or create) an arena and start predicting the local player. */
export async function joinArena(client: Client, joinOptions: { name?: string } = {}, options: RealtimeOptions = {}): Promise<ArenaSession> {
  const room: Room<unknown, ArenaState> = await client.joinOrCreate<ArenaState>("arena", joinOptions);
  return RealtimeSession.attach(room, arenaNetcode, options);
}
