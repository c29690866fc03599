import type { RankedGameName } from "../../shared/rankedQueue.ts";

/**
 * Settings a room receives from its server (`server/config.ts` reads them from the
 * environment, where their defaults live), never from a client.
 */
export interface RoomSettings {
  /** Seconds a dropped client's seat (and entity) is held for the SDK to reconnect. */
  readonly reconnectionSeconds: number;
  /** Rooms one process hosts at most; creating one more answers 503. */
  readonly maxRoomsPerProcess: number;
  /**
   * In a cluster, how long a match that cannot move (its room type is not `movable`) may play
   * on after SIGTERM before its clients are closed with 4001; 0 closes them at once (one
   * process: there is nowhere to go).
   */
  readonly shutdownGraceMs: number;
  readonly queue: QueueSettings;
  readonly recording: RecordingSettings;
}

/** Which matches are recorded, and how (docs/recording.md). */
interface RecordingSettings {
  /** "declared": each room type's own policy (`recording.matches`, ranked ones by default); "all"; "none". */
  readonly matches: "declared" | "all" | "none";
  /** A keyframe (the full state) every this many seconds: a seek decodes at most this much of patches. */
  readonly keyframeSeconds: number;
  /** A recording stops (and is kept) past this length: a casual room may run for days. */
  readonly maxMinutes: number;
}

interface QueueSettings {
  /** Rating gap two tickets accept at once. */
  readonly baseGap: number;
  /** Gap added per second waited. */
  readonly gapPerSecond: number;
  /** Largest gap ever accepted. */
  readonly maxGap: number;
  /** Team sizes configured instead of the ranked games table's (QUEUE_ARENA_TEAM_SIZE). */
  readonly teamSizes: Readonly<Partial<Record<RankedGameName, number>>>;
}
