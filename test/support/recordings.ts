import { MemoryRecordings, type StoredRecording } from "../../rooms/base/recordings.ts";

/**
 * The server's in-memory recordings, telling a test when a match's recording is kept (a
 * recording is written after the match, off the tick: a test waits for that event).
 */
export class WatchedRecordings extends MemoryRecordings {
  readonly #waiting = new Map<string, Array<() => void>>();
  readonly #kept = new Set<string>();
  /** Saves that failed (the server counted them; the test can read them). */
  failures = 0;

  constructor() {
    super((_roomType, outcome) => {
      if (outcome === "failed") this.failures++;
    }, 50);
  }

  protected override async write(recording: StoredRecording): Promise<void> {
    await super.write(recording);
    this.#kept.add(recording.header.matchId);
    for (const resolve of this.#waiting.get(recording.header.matchId) ?? []) resolve();
    this.#waiting.delete(recording.header.matchId);
  }

  /** Resolves once the recording of `matchId` is kept. */
  kept(matchId: string): Promise<void> {
    if (this.#kept.has(matchId)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.#waiting.get(matchId) ?? [];
      list.push(resolve);
      this.#waiting.set(matchId, list);
    });
  }
}
