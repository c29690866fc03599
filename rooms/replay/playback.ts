import { REPLAY_SPEED } from "./shapes.ts";

/** One viewer's playhead. Pure: the room advances it with its clock's delta. */
export interface Playhead {
  readonly positionMs: number;
  readonly speed: number;
  readonly playing: boolean;
}

export const START: Playhead = Object.freeze({ positionMs: 0, speed: 1, playing: true });

/** Move the playhead on by `elapsedMs` of wall time; it stops at the end. */
export function advance(playhead: Playhead, elapsedMs: number, durationMs: number): Playhead {
  if (!playhead.playing) return playhead;
  const positionMs = Math.min(durationMs, playhead.positionMs + elapsedMs * playhead.speed);
  return { ...playhead, positionMs, playing: positionMs < durationMs };
}

/** Resume; at the end, from the start again. */
export function resume(playhead: Playhead, durationMs: number): Playhead {
  return { ...playhead, playing: true, positionMs: playhead.positionMs >= durationMs ? 0 : playhead.positionMs };
}

export function pause(playhead: Playhead): Playhead {
  return { ...playhead, playing: false };
}

export function withSpeed(playhead: Playhead, speed: number): Playhead {
  return { ...playhead, speed: Math.min(REPLAY_SPEED.max, Math.max(REPLAY_SPEED.min, speed)) };
}

/** Jump to `positionMs`, clamped to the recording. */
export function seek(playhead: Playhead, positionMs: number, durationMs: number): Playhead {
  return { ...playhead, positionMs: Math.min(durationMs, Math.max(0, positionMs)) };
}
