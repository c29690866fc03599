/**
 * Failed password attempts by key (a username, an address): the first `freeFailures`
 * cost nothing, then each failure makes the key wait twice as long as the last before its
 * next attempt (1 s, 2 s, 4 s... up to 15 minutes). An attempt while waiting is refused
 * without a check and does not lengthen the wait. A success forgets the key; a key that
 * failed nothing for an hour is forgotten. Time is passed in (ms), so tests use any clock.
 * In memory, per process.
 */
export class LoginThrottle {
  readonly #keys = new Map<string, { failures: number; blockedUntil: number; lastFailure: number }>();
  #sinceSweep = 0;

  constructor(
    readonly freeFailures: number,
    readonly firstWaitMs = 1000,
    readonly maxWaitMs = 15 * 60_000,
    readonly forgetAfterMs = 60 * 60_000,
  ) {}

  /** Milliseconds before `key` may try again; 0 when it may now. */
  waitMs(key: string, now: number): number {
    const entry = this.#keys.get(key);
    return entry === undefined ? 0 : Math.max(0, entry.blockedUntil - now);
  }

  failed(key: string, now: number): void {
    this.#sweep(now);
    const known = this.#keys.get(key);
    const entry = known !== undefined && !this.#stale(known, now) ? known : { failures: 0, blockedUntil: 0, lastFailure: now };
    entry.failures += 1;
    entry.lastFailure = now;
    if (entry.failures >= this.freeFailures) {
      entry.blockedUntil = now + Math.min(this.maxWaitMs, this.firstWaitMs * 2 ** Math.min(30, entry.failures - this.freeFailures));
    }
    this.#keys.set(key, entry);
  }

  succeeded(key: string): void {
    this.#keys.delete(key);
  }

  /** Every thousand failures, drop keys quiet for `forgetAfterMs`: the map stays bounded by recent attackers. */
  #sweep(now: number): void {
    if (++this.#sinceSweep < 1000) return;
    this.#sinceSweep = 0;
    for (const [key, entry] of this.#keys) if (this.#stale(entry, now)) this.#keys.delete(key);
  }

  #stale(entry: { blockedUntil: number; lastFailure: number }, now: number): boolean {
    return now - entry.lastFailure >= this.forgetAfterMs && now >= entry.blockedUntil;
  }
}
