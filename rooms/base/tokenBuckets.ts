/**
 * Token buckets by key, refilled continuously: `burst` tokens at most, `perSecond` back
 * each second. Time is passed in (ms), so rooms feed it their clock and tests any number.
 * Used for costly actions (chat lines) and per-address HTTP limits.
 */
export class TokenBuckets<K> {
  readonly #buckets = new Map<K, { tokens: number; at: number }>();
  #sinceSweep = 0;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /** Take one token for `key` at `now`; false when it has none left. */
  take(key: K, now: number): boolean {
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Whole seconds until `key` has a token again (at least 1). */
  retryAfter(key: K): number {
    const bucket = this.#buckets.get(key);
    return bucket === undefined || this.perSecond === 0 ? 1 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  forget(key: K): void {
    this.#buckets.delete(key);
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Every thousand takes, forget buckets that have refilled: the map stays bounded by active keys. */
  #sweep(now: number): void {
    if (++this.#sinceSweep < 1000) return;
    this.#sinceSweep = 0;
    const refill = this.perSecond === 0 ? Infinity : (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.#buckets) if (now - bucket.at >= refill) this.#buckets.delete(key);
  }
}
