import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
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
  /** Results that can never be recorded (malformed, or refused by a constraint): set aside in `outbox/rejected/`. */
  readonly rejected: number;
}

/** A result read back from disk that is not a result at all. */
function isMalformed(result: MatchResult): boolean {
  return (
    typeof result !== "object" ||
    result === null ||
    typeof result.matchId !== "string" ||
    typeof result.game !== "string" ||
    !Array.isArray(result.players) ||
    !result.players.every((player) => typeof player?.playerId === "string" && typeof player.place === "number")
  );
}

/**
 * An error the same result would meet again however long it waits: the database refused
 * its content (a constraint or a type), as opposed to the database being away. SQLite's
 * codes start with SQLITE_CONSTRAINT / SQLITE_MISMATCH; PostgreSQL's classes 22 (data) and
 * 23 (integrity constraint).
 */
function refusedForGood(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return false;
  return /^SQLITE_(CONSTRAINT|MISMATCH)/.test(code) || /^2[23]/.test(code);
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
  /** Results kept and not yet recorded, by the file that holds each. */
  readonly #pending = new Map<string, MatchResult>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #delay = RETRY_FIRST_MS;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #recorded = 0;
  #duplicates = 0;
  #failures = 0;
  readonly #listeners = new Set<(result: MatchResult) => void>();
  /** Results being written to disk (close waits for them). */
  readonly #writing = new Set<Promise<void>>();
  /** Results the store can never take (a malformed file, a result that breaks a constraint). */
  #rejected = 0;

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
        this.#pending.set(path.join(this.#folder, file), JSON.parse(readFileSync(path.join(this.#folder, file), "utf8")) as MatchResult);
      } catch {
        // Not JSON (cut short by a crash mid-write would have kept its temporary name): set aside at the first flush.
        this.#pending.set(path.join(this.#folder, file), {} as MatchResult);
      }
    }
    if (this.#pending.size > 0) this.#schedule(0);
  }

  report(result: MatchResult): void {
    if (this.#closed) return;
    // Pending once on disk: a flush never records (and unlinks) a result whose file is still being written.
    const kept = this.#keep(result).then(() => {
      this.#pending.set(this.#fileOf(result.matchId), result);
      this.#schedule(0);
    });
    this.#writing.add(kept);
    void kept.finally(() => this.#writing.delete(kept));
  }

  get stats(): OutboxStats {
    return { pending: this.#pending.size, recorded: this.#recorded, duplicates: this.#duplicates, failures: this.#failures, rejected: this.#rejected };
  }

  /** Moved out of the way, for a person to look at: never retried, never lost. */
  async #setAside(file: string): Promise<void> {
    const aside = path.join(this.#folder, "rejected");
    await mkdir(aside, { recursive: true });
    await rename(file, path.join(aside, path.basename(file))).catch(() => undefined);
  }

  /** Called with each result once the store has it (tests and the page's rating change wait on it). */
  onRecorded(listener: (result: MatchResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Finish writing what was reported, then stop retrying; what is still pending stays on disk for the next start. */
  async close(): Promise<void> {
    await Promise.all(this.#writing);
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
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
    for (const [file, result] of [...this.#pending]) {
      if (this.#closed) return false;
      try {
        if (isMalformed(result)) throw new Error("not a match result");
        const outcome = await recordMatch(this.store, result);
        if (outcome === "duplicate") this.#duplicates++;
        else this.#recorded++;
        this.#pending.delete(file);
        this.#delay = RETRY_FIRST_MS;
        await unlink(file).catch(() => undefined);
        for (const listener of this.#listeners) listener(result);
      } catch (error) {
        if (isMalformed(result) || refusedForGood(error)) {
          // Retrying would block every result after it: set it aside and go on.
          this.#rejected++;
          this.#pending.delete(file);
          console.error(`tickroom: ${path.basename(file)} cannot be recorded (${(error as Error).message}); moved to outbox/rejected/`);
          await this.#setAside(file);
          continue;
        }
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
