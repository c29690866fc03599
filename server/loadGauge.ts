import { type EventLoopUtilization, performance } from "node:perf_hooks";

/**
 * Whether this process should seat new players now. Matchmaking asks it before every
 * request (server/httpGuards.ts `guardOverload`): an overloaded process answers 503 so the
 * rooms it already runs keep their tick, instead of seating players it then serves late.
 * The default reads the event loop; a test or an operator may supply another.
 */
export interface LoadGauge {
  readonly overloaded: boolean;
  /** What `overloaded` is judged on, for messages and logs (0..1). */
  readonly utilization: number;
}

/** Node's `performance.eventLoopUtilization`: a cumulative reading, or the difference of two. */
type UtilizationSource = (a?: EventLoopUtilization, b?: EventLoopUtilization) => EventLoopUtilization;

/**
 * The share of the last `sampleMs` the event loop was busy. Past `threshold` the process
 * is overloaded: its ticks and patches are already late, and every seat added makes them
 * later for everyone. A threshold of 1 never sheds.
 */
export class EventLoopGauge implements LoadGauge {
  #utilization = 0;
  #last: EventLoopUtilization;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly threshold: number,
    sampleMs = 1000,
    private readonly source: UtilizationSource = (a, b) => performance.eventLoopUtilization(a, b),
  ) {
    this.#last = source();
    this.#timer = setInterval(() => this.sample(), sampleMs);
    this.#timer.unref();
  }

  get utilization(): number {
    return this.#utilization;
  }

  get overloaded(): boolean {
    return this.threshold < 1 && this.#utilization >= this.threshold;
  }

  /** Take a reading now (the timer does every `sampleMs`). */
  sample(): void {
    const now = this.source();
    this.#utilization = this.source(now, this.#last).utilization;
    this.#last = now;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
