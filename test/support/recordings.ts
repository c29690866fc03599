import { MemoryRecordings, type StoredRecording } from "../../rooms/base/recordings.ts";

/**
 * The server's in-memory recordings, telling a test when a match's recording is kept (a
 * recording is written after the match, off the tick: a test waits for that event).
 */
export class WatchedRecordings extends MemoryRecordings {
  readonly #waiting = new Map<string, Array<() => void>>();
  readonly #kept = new Set<string>();
  /** While set, every write fails, as a store that is down would. */
  failWrites = false;
  readonly #tampered = new Map<string, (container: Uint8Array) => Uint8Array>();

  constructor() {
    super(50);
  }

  protected override async write(recording: StoredRecording): Promise<void> {
    if (this.failWrites) throw new Error("the store does not answer");
    await super.write(recording);
    this.#kept.add(recording.header.matchId);
    for (const resolve of this.#waiting.get(recording.header.matchId) ?? []) resolve();
    this.#waiting.delete(recording.header.matchId);
  }

  /** From now on `load(matchId)` answers `damage(the kept container)`: a recording damaged at rest. */
  tamper(matchId: string, damage: (container: Uint8Array) => Uint8Array): void {
    this.#tampered.set(matchId, damage);
  }

  override async load(matchId: string): Promise<Uint8Array | undefined> {
    const container = await super.load(matchId);
    const damage = this.#tampered.get(matchId);
    return container === undefined || damage === undefined ? container : damage(container);
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
