/** What a key that may not start another attempt yet, only because of its attempts in flight, is told to wait. */
const IN_FLIGHT_WAIT_MS = 1000;

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
  /** Attempts begun and not yet ended (each may still fail). */
  inFlight: number;
}

/**
 * Failed password attempts by key (a username, an address): the first `freeFailures`
 * cost nothing, then each failure makes the key wait twice as long as the last before its
 * next attempt (1 s, 2 s, 4 s... up to 15 minutes). An attempt while waiting is refused
 * without a check and does not lengthen the wait.
 *
 * Attempts in flight count too: a check takes a database read and a hash, so a burst of
 * parallel attempts would all start before the first failure is counted. A key may have
 * at most as many attempts in flight as it has free failures left (past them, one at a
 * time): its failures never pass `freeFailures` without the wait. `begin` starts an
 * attempt; `failed`, `succeeded` or `ended` (neither: the check could not be made) ends it.
 *
 * A success forgets the key's failures; a key that failed nothing for an hour is forgotten.
 * Time is passed in (ms), so tests use any clock. In memory, per process.
 */
export class LoginThrottle {
  readonly #keys = new Map<string, Entry>();
  #sinceSweep = 0;

  constructor(
    readonly freeFailures: number,
    readonly firstWaitMs = 1000,
    readonly maxWaitMs = 15 * 60_000,
    readonly forgetAfterMs = 60 * 60_000,
  ) {}

  /**
   * Milliseconds before `key` may start an attempt; 0 when it may now. While its attempts
   * in flight could use up its free failures left, a second (they end sooner than that).
   */
  waitMs(key: string, now: number): number {
    const entry = this.#keys.get(key);
    if (entry === undefined) return 0;
    const blocked = entry.blockedUntil - now;
    if (blocked > 0) return blocked;
    const failures = this.#stale(entry, now) ? 0 : entry.failures;
    return entry.inFlight >= Math.max(1, this.freeFailures - failures) ? IN_FLIGHT_WAIT_MS : 0;
  }

  /** An attempt starts (once `waitMs` said 0): it counts against the key until it ends. */
  begin(key: string, now: number): void {
    const entry = this.#keys.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now, inFlight: 0 };
    entry.inFlight += 1;
    this.#keys.set(key, entry);
  }

  /** An attempt failed (a wrong password): it ends, and counts. */
  failed(key: string, now: number): void {
    this.#sweep(now);
    const entry = this.#keys.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now, inFlight: 0 };
    if (this.#stale(entry, now)) {
      entry.failures = 0;
      entry.blockedUntil = 0;
    }
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    entry.failures += 1;
    entry.lastFailure = now;
    if (entry.failures >= this.freeFailures) {
      entry.blockedUntil = now + Math.min(this.maxWaitMs, this.firstWaitMs * 2 ** Math.min(30, entry.failures - this.freeFailures));
    }
    this.#keys.set(key, entry);
  }

  /** An attempt succeeded: it ends, and the key's failures are forgotten. */
  succeeded(key: string): void {
    const entry = this.#keys.get(key);
    if (entry === undefined) return;
    entry.failures = 0;
    entry.blockedUntil = 0;
    this.ended(key);
  }

  /** An attempt ended without an answer either way (the check could not be made): it does not count. */
  ended(key: string): void {
    const entry = this.#keys.get(key);
    if (entry === undefined) return;
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    if (entry.inFlight === 0 && entry.failures === 0) this.#keys.delete(key);
  }

  /** Every thousand failures, drop keys quiet for `forgetAfterMs`: the map stays bounded by recent attackers. */
  #sweep(now: number): void {
    if (++this.#sinceSweep < 1000) return;
    this.#sinceSweep = 0;
    for (const [key, entry] of this.#keys) if (entry.inFlight === 0 && this.#stale(entry, now)) this.#keys.delete(key);
  }

  #stale(entry: Entry, now: number): boolean {
    return now - entry.lastFailure >= this.forgetAfterMs && now >= entry.blockedUntil;
  }
}
