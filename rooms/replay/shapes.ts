import { z } from "zod";

/** Replay speeds a viewer may pick. */
export const REPLAY_SPEED = Object.freeze({ min: 0.25, max: 8 });

/** Join a replay with the match's id, as the match history lists it. */
export const replayJoinOptions = z.object({
  matchId: z.string().min(1).max(200),
});

export const pauseMessage = z.object({});
export const resumeMessage = z.object({});
export const speedMessage = z.object({ speed: z.number().min(REPLAY_SPEED.min).max(REPLAY_SPEED.max) });
/** A position past the end lands on the end. */
export const seekMessage = z.object({
  positionMs: z
    .number()
    .min(0)
    .max(2 ** 32),
});

/** Sent to a viewer on joining: what the recording is (`"timeline"`). */
export interface ReplayTimeline {
  readonly matchId: string;
  readonly roomType: string;
  readonly startedAt: number;
  readonly durationMs: number;
  /** Joins and leaves, for marks on the scrubber. */
  readonly marks: ReadonlyArray<{ readonly t: number; readonly event: "join" | "leave"; readonly name?: string; readonly spectator: boolean }>;
}

/** Sent on every change of the viewer's playback, and each second while it plays (`"playback"`). */
export interface ReplayPlayback {
  readonly positionMs: number;
  readonly speed: number;
  readonly playing: boolean;
  /** Patches applied since the recording began: a state is the first keyframe and this many patches. */
  readonly patches: number;
}
