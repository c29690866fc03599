import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Whether this process should seat new players now. Matchmaking asks it before every
 * request (server/httpGuards.ts `guardOverload`): an overloaded process answers 503 so the
 * rooms it already runs keep their tick, instead of seating players it then serves late.
 * The default reads the event loop's delay; a test or an operator may supply another.
 */
export interface LoadGauge {
  readonly overloaded: boolean;
  /** What `overloaded` is judged on, for the refusal's message ("event loop 140 ms late"). */
  readonly reading: string;
}

/** How often the delay histogram times the loop, ms (Node's `monitorEventLoopDelay` resolution). */
const RESOLUTION_MS = 10;

/** The part of Node's event-loop delay histogram the gauge reads (nanoseconds). */
interface DelayHistogram {
  percentile(percentile: number): number;
  reset(): void;
  enable(): void;
  disable(): void;
}

/**
 * How late the event loop ran its timers over the last `sampleMs` (the 99th percentile).
 * A loop that keeps up runs them within a few milliseconds, however busy it is: a burst of
 * joins can keep it 90% busy without delaying a tick. A loop that cannot keep up falls
 * behind by more every second, and so do the ticks and patches of every room it runs:
 * late past `maxDelayMs` for `windows` samples in a row, the process is overloaded. One
 * late second alone is a hiccup (a process starting, a long GC), not overload: refusing
 * joins then would turn away players a moment before they could be served.
 */
export class EventLoopDelayGauge implements LoadGauge {
  #delayMs = 0;
  /** Consecutive samples over the bound. */
  #lateSamples = 0;
  readonly #histogram: DelayHistogram;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly maxDelayMs: number,
    readonly windows = 2,
    sampleMs = 1000,
    histogram: DelayHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS }),
  ) {
    this.#histogram = histogram;
    histogram.enable();
    this.#timer = setInterval(() => this.sample(), sampleMs);
    this.#timer.unref();
  }

  /** The last sample's 99th percentile delay, ms. */
  get delayMs(): number {
    return this.#delayMs;
  }

  get overloaded(): boolean {
    return this.#lateSamples >= this.windows;
  }

  get reading(): string {
    return `event loop ${Math.round(this.#delayMs)} ms late`;
  }

  /** Take a reading now and start the next (the timer does every `sampleMs`). */
  sample(): void {
    // Node records each timer's whole wait: the resolution itself is not lateness.
    this.#delayMs = Math.max(0, this.#histogram.percentile(99) / 1e6 - RESOLUTION_MS);
    this.#lateSamples = this.#delayMs > this.maxDelayMs ? this.#lateSamples + 1 : 0;
    this.#histogram.reset();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}
