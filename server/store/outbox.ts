import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RatingSource } from "../../rooms/base/ratings.ts";
import type { MatchResult, ResultSink } from "../../rooms/base/results.ts";
import { recordMatch } from "./matchRecords.ts";
import type { Store } from "./store.ts";
import { RATING_SCALE } from "./wengLin.ts";

/** First wait before recording a result again after the store failed; doubled each time up to the cap. */
const RETRY_FIRST_MS = 500;
const RETRY_CAP_MS = 30_000;

/** What the outbox has done, for /health and the metrics. */
export interface OutboxStats {
  /** Results kept, not yet recorded. */
  readonly pending: number;
  readonly recorded: number;
  /** Results the store already had (delivered twice: nothing changed). */
  readonly duplicates: number;
  /** Failed attempts (the store unreachable or refusing); each is retried. */
  readonly failures: number;
}

/**
 * Between rooms and the store: a finished match's result is written to a file in the
 * outbox folder before anything else, then recorded in the store; the file goes once the
 * store has it. If the store is down (a PostgreSQL restart), the match still ends normally
 * for its players, and the result is retried with backoff until it is recorded; a process
 * that restarts meanwhile finds the files and records them then. Recording is idempotent by
 * match id, so a result delivered twice (a crash between commit and unlink) counts once.
 */
export class ResultOutbox implements ResultSink {
  readonly #folder: string;
  readonly #pending = new Map<string, MatchResult>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #delay = RETRY_FIRST_MS;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #recorded = 0;
  #duplicates = 0;
  #failures = 0;
  readonly #listeners = new Set<(result: MatchResult) => void>();

  constructor(
    private readonly store: Store,
    dataDir: string,
  ) {
    this.#folder = path.join(dataDir, "outbox");
    mkdirSync(this.#folder, { recursive: true });
    // Results a previous run kept and could not record.
    for (const file of readdirSync(this.#folder)) {
      if (!file.endsWith(".json")) continue;
      try {
        const result = JSON.parse(readFileSync(path.join(this.#folder, file), "utf8")) as MatchResult;
        this.#pending.set(result.matchId, result);
      } catch {
        // A file cut short by a crash mid-write: the temporary name never became `.json`, so this is another's; skip it.
      }
    }
    if (this.#pending.size > 0) this.#schedule(0);
  }

  report(result: MatchResult): void {
    if (this.#closed) return;
    // Pending once on disk: a flush never records (and unlinks) a result whose file is still being written.
    void this.#keep(result).then(() => {
      this.#pending.set(result.matchId, result);
      this.#schedule(0);
    });
  }

  get stats(): OutboxStats {
    return { pending: this.#pending.size, recorded: this.#recorded, duplicates: this.#duplicates, failures: this.#failures };
  }

  /** Called with each result once the store has it (tests and the page's rating change wait on it). */
  onRecorded(listener: (result: MatchResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop retrying; what is still pending stays on disk for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#flushing;
  }

  #fileOf(matchId: string): string {
    return path.join(this.#folder, `${encodeURIComponent(matchId)}.json`);
  }

  /** Written whole, then renamed: a crash never leaves half a result under a `.json` name. */
  async #keep(result: MatchResult): Promise<void> {
    const file = this.#fileOf(result.matchId);
    try {
      await writeFile(`${file}.tmp`, JSON.stringify(result));
      await rename(`${file}.tmp`, file);
    } catch (error) {
      console.error(`tickroom: could not keep the result of match ${result.matchId} on disk (${(error as Error).message}); it is kept in memory`);
    }
  }

  #schedule(ms: number): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing ??= this.#flush().then((delivered) => {
        this.#flushing = undefined;
        // Results reported while it ran wait for the next flush.
        if (delivered && this.#pending.size > 0) this.#schedule(0);
      });
    }, ms);
    this.#timer.unref();
  }

  /** Record what is pending, in order; false when the store failed (a retry is scheduled). */
  async #flush(): Promise<boolean> {
    for (const result of [...this.#pending.values()]) {
      if (this.#closed) return false;
      try {
        const outcome = await recordMatch(this.store, result);
        if (outcome === "duplicate") this.#duplicates++;
        else this.#recorded++;
        this.#pending.delete(result.matchId);
        this.#delay = RETRY_FIRST_MS;
        await unlink(this.#fileOf(result.matchId)).catch(() => undefined);
        for (const listener of this.#listeners) listener(result);
      } catch (error) {
        this.#failures++;
        if (this.#failures === 1 || this.#failures % 20 === 0) {
          console.error(`tickroom: recording match results failed (${(error as Error).message}); ${this.#pending.size} kept, retrying`);
        }
        this.#schedule(this.#delay);
        this.#delay = Math.min(this.#delay * 2, RETRY_CAP_MS);
        return false;
      }
    }
    return true;
  }
}

/**
 * The queue's ratings from the store: a player's mean in the game queued for; a newcomer
 * or a player without an account is at the scale's start (the queue's guest rating).
 */
export class StoreRatings implements RatingSource {
  constructor(private readonly store: Store) {}

  async ratingOf(player: { readonly playerId: string | undefined; readonly game: string }): Promise<number> {
    if (player.playerId === undefined) return RATING_SCALE.mu;
    try {
      const row = await this.store.db
        .selectFrom("ratings")
        .select("mu")
        .where("account_id", "=", player.playerId)
        .where("game", "=", player.game)
        .executeTakeFirst();
      return row?.mu ?? RATING_SCALE.mu;
    } catch {
      // The store is away: queue the player at the start of the scale rather than refuse it.
      return RATING_SCALE.mu;
    }
  }
}
