import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { encodeRecording, type Frame, RecordingError, type RecordingHeader } from "./recording.ts";

const compress = promisify(gzip);
const decompress = promisify(gunzip);

/** A finished match's recording, as a room hands it over. */
export interface NewRecording {
  readonly header: RecordingHeader;
  readonly frames: readonly Frame[];
}

/** A kept recording, compressed, with what lists it. */
export interface StoredRecording {
  readonly header: RecordingHeader;
  /** The container (rooms/base/recording.ts), gzip-compressed. */
  readonly data: Uint8Array;
}

/**
 * Where recordings go and come back from. Rooms `save()` and go on (the encoding,
 * compression and write happen off the tick; the room counts the outcome in its metrics,
 * and a failure never reaches the match); the replay room `load()`s. A seam with a local default
 * (`MemoryRecordings`, the last few in this process) and the store's
 * (server/store/recordings.ts: embedded or PostgreSQL, shared by a cluster).
 */
export interface RecordingStore {
  /** Resolves with the compressed bytes kept; rejects when they could not be. */
  save(recording: NewRecording): Promise<number>;
  /** The container's bytes, uncompressed; undefined for an unknown or expired match. Throws a `RecordingError` for damaged data. */
  load(matchId: string): Promise<Uint8Array | undefined>;
  /** Resolves once every save begun has ended (a shutdown waits for it). */
  settled(): Promise<void>;
}

/** Encode and compress a recording (compression runs on libuv's thread pool, not the event loop). */
export async function packRecording(recording: NewRecording): Promise<StoredRecording> {
  const data = await compress(encodeRecording(recording.header, recording.frames));
  return { header: recording.header, data };
}

/** Decompress a kept recording; data that is not gzip, or is cut short, is a `RecordingError`. */
export async function unpackRecording(data: Uint8Array): Promise<Uint8Array> {
  try {
    return new Uint8Array(await decompress(data));
  } catch (error) {
    throw new RecordingError(`damaged: ${(error as Error).message}`);
  }
}

/**
 * Saves run one after another behind `save()`, each tracked until it ends: the base of
 * both implementations.
 */
export abstract class BackgroundRecordings implements RecordingStore {
  readonly #pending = new Set<Promise<unknown>>();

  protected abstract write(recording: StoredRecording): Promise<void>;
  abstract load(matchId: string): Promise<Uint8Array | undefined>;

  save(recording: NewRecording): Promise<number> {
    const saving = packRecording(recording).then(async (packed) => {
      await this.write(packed);
      return packed.data.byteLength;
    });
    const settled = saving.catch(() => undefined);
    this.#pending.add(settled);
    void settled.finally(() => this.#pending.delete(settled));
    return saving;
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}

/** The last `capacity` recordings, in this process's memory: the default with no store. */
export class MemoryRecordings extends BackgroundRecordings {
  readonly #kept = new Map<string, StoredRecording>();

  constructor(private readonly capacity = 20) {
    super();
  }

  protected async write(recording: StoredRecording): Promise<void> {
    this.#kept.delete(recording.header.matchId);
    this.#kept.set(recording.header.matchId, recording);
    for (const matchId of this.#kept.keys()) {
      if (this.#kept.size <= this.capacity) break;
      this.#kept.delete(matchId);
    }
  }

  async load(matchId: string): Promise<Uint8Array | undefined> {
    const kept = this.#kept.get(matchId);
    return kept === undefined ? undefined : unpackRecording(kept.data);
  }
}
