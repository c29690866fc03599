/**
 * How other players' entities are drawn through a lossy link (pure: time is passed in).
 *
 * Each remote entity keeps the snapshots the server sent, stamped with the server time
 * they describe, and is drawn at a render instant `delay` behind the server clock:
 * - **between two snapshots** it is interpolated (exact: what the server simulated);
 * - **past the newest snapshot** (the buffer ran dry: a stall, a late patch) it goes on
 *   along its last velocity for at most `maxExtrapolateMs`, then holds. Room types whose
 *   entities must never be guessed declare 0 and hold at once;
 * - **when data resumes** and disagrees with what was drawn, the difference becomes an
 *   offset that fades over `convergeMs` (and, on position fields, no faster than
 *   `catchUpSpeed`), so the entity glides onto its true track instead of jumping. A
 *   snapshot over `snapDistance` from the one before (a respawn) is taken at once.
 * - **when the server's timeline starts anew** (a reconnection to a room recreated on
 *   another process, whose clock restarted), `restart` forgets the snapshots but not what
 *   was drawn: the entity glides from there onto the new timeline's track.
 */

/** One drawn field; `angle` fields are unwrapped onto the shortest arc between snapshots. */
interface TrackedField {
  readonly name: string;
  readonly angle?: boolean;
}

export interface TrackOptions {
  readonly fields: readonly TrackedField[];
  /** How long past its newest snapshot an entity goes on along its last velocity before it holds, ms; 0 never guesses. */
  readonly maxExtrapolateMs: number;
  /** Time constant of the glide onto the true track once new data corrects what was drawn, ms. */
  readonly convergeMs: number;
  /** The two position fields: corrections on them are measured, capped and snapped as one distance. */
  readonly positionFields?: readonly [string, string];
  /**
   * Fastest the glide closes a position gap, units per second, on top of the entity's own
   * motion; and the entity is never drawn moving faster than twice this, unless its true
   * track itself does (a glide on top of a server's catch-up would). @default no cap
   */
  readonly catchUpSpeed?: number;
  /** Consecutive snapshots farther apart than this are a teleport (a respawn): drawn at once, not glided across. @default Infinity */
  readonly snapDistance?: number;
}

/** Snapshots kept per entity: 1.6 s at 20 Hz, more than any render delay in use. */
const RING = 32;

/**
 * What one `draw` did, for the net stats: `interpolated` between two snapshots (or at the
 * only one), `extrapolated` past the newest along the last velocity, `held` past the
 * newest and the extrapolation bound.
 */
export type DrawnFrom = "interpolated" | "extrapolated" | "held";

export class EntityTrack {
  readonly #options: TrackOptions;
  readonly #width: number;
  readonly #times = new Float64Array(RING);
  readonly #values: Float64Array;
  /** Snapshots pushed so far; the newest is at `(#pushed - 1) % RING`. */
  #pushed = 0;
  /** How many snapshots the previous draw saw: new ones since are what may correct it. */
  #seenByDraw = 0;
  /** The first snapshot drawable (a teleport cuts the track: nothing before it is drawn). */
  #floor = 0;
  readonly #offset: Float64Array;
  readonly #raw: Float64Array;
  readonly #before: Float64Array;
  /** The values last drawn, by field index. */
  readonly drawn: Float64Array;
  #drawnAt = Number.NaN;
  #how: DrawnFrom = "held";
  /** A teleport since the last draw: the next draw jumps, uncapped. */
  #snapped = false;
  /** Restarted since the last draw: the next draw glides from what was drawn before onto the new snapshots. */
  #restarted = false;
  readonly #x: number;
  readonly #y: number;

  constructor(options: TrackOptions) {
    this.#options = options;
    this.#width = options.fields.length;
    this.#values = new Float64Array(RING * this.#width);
    this.#offset = new Float64Array(this.#width);
    this.#raw = new Float64Array(this.#width);
    this.#before = new Float64Array(this.#width);
    this.drawn = new Float64Array(this.#width);
    const names = options.fields.map((field) => field.name);
    this.#x = options.positionFields === undefined ? -1 : names.indexOf(options.positionFields[0]);
    this.#y = options.positionFields === undefined ? -1 : names.indexOf(options.positionFields[1]);
  }

  /** When (local ms) and how the entity was last drawn (NaN and "held" before the first draw). */
  get drawnAt(): number {
    return this.#drawnAt;
  }
  get drawnFrom(): DrawnFrom {
    return this.#how;
  }

  /** The server time of the newest snapshot (NaN before the first). */
  get newestTime(): number {
    return this.#pushed === 0 ? Number.NaN : (this.#times[(this.#pushed - 1) % RING] as number);
  }

  /** Record the entity as the server had it at `serverTime`, its fields read by name from `entity`. An older or equal time is ignored. */
  push(serverTime: number, entity: Readonly<Record<string, unknown>>): void {
    if (this.#pushed > 0 && !(serverTime > this.newestTime)) return;
    const w = this.#width;
    const previous = (this.#pushed - 1) % RING;
    if (this.#pushed > 0 && this.#x >= 0 && this.#y >= 0) {
      const dx = this.#read(entity, this.#x) - (this.#values[previous * w + this.#x] as number);
      const dy = this.#read(entity, this.#y) - (this.#values[previous * w + this.#y] as number);
      if (Math.sqrt(dx * dx + dy * dy) > (this.#options.snapDistance ?? Number.POSITIVE_INFINITY)) this.#teleport();
    }
    const slot = this.#pushed % RING;
    this.#times[slot] = serverTime;
    for (let i = 0; i < w; i++) {
      let value = this.#read(entity, i);
      if (this.#options.fields[i]?.angle === true && this.#pushed > 0) {
        // Unwrapped: the previous angle plus the shortest turn to this one.
        const last = this.#values[previous * w + i] as number;
        value = last + shortestTurn(last, value);
      }
      this.#values[slot * w + i] = value;
    }
    this.#pushed++;
  }

  /**
   * The server's clock started anew (a room moved to another process and its clients
   * reconnected): the snapshots kept are on a timeline the new ones cannot be ordered
   * against, so they are forgotten. What was drawn is kept: the next draw glides from it
   * onto the new snapshots, or jumps when they are over `snapDistance` away.
   */
  restart(): void {
    this.#pushed = 0;
    this.#seenByDraw = 0;
    this.#floor = 0;
    this.#restarted = !Number.isNaN(this.#drawnAt);
  }

  #read(entity: Readonly<Record<string, unknown>>, field: number): number {
    return entity[(this.#options.fields[field] as TrackedField).name] as number;
  }

  /** Forget the track before a teleport: the next draw starts from the new place, with no glide. */
  #teleport(): void {
    this.#snapped = true;
    this.#seenByDraw = 0;
    this.#offset.fill(0);
    // Keep the last snapshot's slot (angles unwrap from it); older ones are out of reach.
    this.#floor = this.#pushed;
  }

  /** The first `upTo` snapshots pushed (the newest `RING` of them) evaluated at `target` into `out`: how. */
  #evaluate(target: number, upTo: number, out: Float64Array): DrawnFrom {
    const w = this.#width;
    const oldest = Math.max(this.#floor, upTo - RING);
    const newest = upTo - 1;
    const newestSlot = newest % RING;
    const tNewest = this.#times[newestSlot] as number;
    const available = upTo - oldest;
    if (target >= tNewest || available < 2) {
      const ahead = target - tNewest;
      if (ahead <= 0 || available < 2 || this.#options.maxExtrapolateMs <= 0) {
        for (let i = 0; i < w; i++) out[i] = this.#values[newestSlot * w + i] as number;
        return ahead > 0 ? "held" : "interpolated";
      }
      // Velocity over the last two intervals when there are: a server that applied a
      // player's inputs unevenly (two in one tick, none in the next) still gives its pace.
      const prevSlot = (available >= 3 ? newest - 2 : newest - 1) % RING;
      const span = tNewest - (this.#times[prevSlot] as number);
      const reach = Math.min(ahead, this.#options.maxExtrapolateMs);
      for (let i = 0; i < w; i++) {
        const vNewest = this.#values[newestSlot * w + i] as number;
        const velocity = span > 0 ? (vNewest - (this.#values[prevSlot * w + i] as number)) / span : 0;
        out[i] = vNewest + velocity * reach;
      }
      return ahead > this.#options.maxExtrapolateMs ? "held" : "extrapolated";
    }
    // Walk back to the pair around `target`; before the oldest kept, the oldest.
    let later = newest;
    while (later - 1 >= oldest && (this.#times[(later - 1) % RING] as number) > target) later--;
    const laterSlot = later % RING;
    if (later === oldest) {
      for (let i = 0; i < w; i++) out[i] = this.#values[laterSlot * w + i] as number;
      return "interpolated";
    }
    const earlierSlot = (later - 1) % RING;
    const t0 = this.#times[earlierSlot] as number;
    const t1 = this.#times[laterSlot] as number;
    const u = t1 > t0 ? (target - t0) / (t1 - t0) : 1;
    for (let i = 0; i < w; i++) {
      const v0 = this.#values[earlierSlot * w + i] as number;
      out[i] = v0 + ((this.#values[laterSlot * w + i] as number) - v0) * u;
    }
    return "interpolated";
  }

  /**
   * Draw the entity at server time `target`, at local time `now` (ms): fills `drawn` and
   * says how. Snapshots that arrived since the previous draw and contradict it become an
   * offset that fades, so the drawn track stays continuous.
   */
  draw(target: number, now: number): DrawnFrom {
    if (this.#pushed === 0) {
      // Restarted and nothing new yet: it stays where it was drawn (as of this frame, for the glide to come).
      if (this.#restarted) this.#drawnAt = now;
      return "held";
    }
    const x = this.#x;
    const y = this.#y;
    // Where it was drawn, and its true track then, for the speed cap.
    const rawX = this.#raw[x] as number;
    const rawY = this.#raw[y] as number;
    const drawnX = this.drawn[x] as number;
    const drawnY = this.drawn[y] as number;
    const how = this.#evaluate(target, this.#pushed, this.#raw);
    const w = this.#width;
    const first = Number.isNaN(this.#drawnAt);
    if (!first && this.#pushed > this.#seenByDraw && this.#seenByDraw > this.#floor) {
      // What the older snapshots would have drawn now, minus what the newer ones draw.
      this.#evaluate(target, this.#seenByDraw, this.#before);
      for (let i = 0; i < w; i++) this.#offset[i] = (this.#offset[i] as number) + (this.#before[i] as number) - (this.#raw[i] as number);
    }
    if (this.#restarted) this.#glideFromDrawn();
    this.#seenByDraw = this.#pushed;
    const elapsed = first ? 0 : Math.max(0, now - this.#drawnAt);
    this.#drawnAt = now;
    this.#fade(elapsed);
    for (let i = 0; i < w; i++) this.drawn[i] = (this.#raw[i] as number) + (this.#offset[i] as number);
    if (!first && !this.#snapped && x >= 0 && y >= 0) this.#capSpeed(elapsed, rawX, rawY, drawnX, drawnY);
    this.#snapped = false;
    this.#how = how;
    return how;
  }

  /** After a restart: what was drawn minus the new track (angles the short way round) becomes the offset that fades; a teleport's gap is not glided across. */
  #glideFromDrawn(): void {
    this.#restarted = false;
    for (let i = 0; i < this.#width; i++) {
      const drawn = this.drawn[i] as number;
      const raw = this.#raw[i] as number;
      this.#offset[i] = this.#options.fields[i]?.angle === true ? shortestTurn(raw, drawn) : drawn - raw;
    }
    if (this.#x < 0 || this.#y < 0) return;
    const gap = Math.hypot(this.#offset[this.#x] as number, this.#offset[this.#y] as number);
    if (gap > (this.#options.snapDistance ?? Number.POSITIVE_INFINITY)) {
      this.#offset.fill(0);
      this.#snapped = true;
    }
  }

  /**
   * Never draw the entity moving faster than twice `catchUpSpeed` (its own motion plus the
   * glide's, at most), unless its true track moved faster this frame: the part of the step
   * past that is left in the offset, for the next frames.
   */
  #capSpeed(elapsed: number, rawX: number, rawY: number, drawnX: number, drawnY: number): void {
    const { catchUpSpeed } = this.#options;
    if (catchUpSpeed === undefined) return;
    const x = this.#x;
    const y = this.#y;
    const stepX = (this.drawn[x] as number) - drawnX;
    const stepY = (this.drawn[y] as number) - drawnY;
    const step = Math.sqrt(stepX * stepX + stepY * stepY);
    const trueX = (this.#raw[x] as number) - rawX;
    const trueY = (this.#raw[y] as number) - rawY;
    const limit = Math.max((2 * catchUpSpeed * elapsed) / 1000, Math.sqrt(trueX * trueX + trueY * trueY));
    if (step <= limit) return;
    const scale = limit / step;
    this.drawn[x] = drawnX + stepX * scale;
    this.drawn[y] = drawnY + stepY * scale;
    this.#offset[x] = (this.drawn[x] as number) - (this.#raw[x] as number);
    this.#offset[y] = (this.drawn[y] as number) - (this.#raw[y] as number);
  }

  #fade(elapsed: number): void {
    const { convergeMs, catchUpSpeed } = this.#options;
    const keep = convergeMs > 0 ? Math.exp(-elapsed / convergeMs) : 0;
    const x = this.#x;
    const y = this.#y;
    for (let i = 0; i < this.#width; i++) {
      if (i !== x && i !== y) this.#offset[i] = (this.#offset[i] as number) * keep;
    }
    if (x < 0 || y < 0) return;
    const ox = this.#offset[x] as number;
    const oy = this.#offset[y] as number;
    const gap = Math.sqrt(ox * ox + oy * oy);
    if (gap === 0) return;
    let closed = gap * (1 - keep);
    if (catchUpSpeed !== undefined) closed = Math.min(closed, (catchUpSpeed * elapsed) / 1000);
    const scale = (gap - closed) / gap;
    this.#offset[x] = ox * scale;
    this.#offset[y] = oy * scale;
  }
}

/** The signed turn from angle `from` to angle `to` the short way round, radians. */
function shortestTurn(from: number, to: number): number {
  const tau = Math.PI * 2;
  let turn = (to - from) % tau;
  if (turn > Math.PI) turn -= tau;
  else if (turn < -Math.PI) turn += tau;
  return turn;
}

/**
 * The server time other entities are drawn at, a delay behind the server clock that
 * adapts to the link. The delay wanted is one patch interval, plus the arrival jitter the
 * clock measures times `jitterFactor`, plus `marginMs`, within `[minMs, maxMs]`: enough
 * that a snapshot is almost always ahead. Stalls are covered only as far as
 * `StallHistory` says a link's frequent ones call for (extrapolation covers the rest; a
 * delay sized for the worst stall would put everyone that far in the past).
 *
 * The render time runs at the local clock's pace, sped up or slowed down by at most
 * `slew` (a few percent) toward `serverNow - wanted delay - rtt / 2`: a change of delay,
 * or a jump in the estimates of the server clock or the RTT (a stall delays the acks the
 * RTT is measured on), is absorbed over time and never moves what is drawn at once. Only
 * a gap past `resyncMs` (a tab that slept) is taken in one go.
 */
export class RenderClock {
  #time = Number.NaN;
  constructor(
    readonly options: {
      readonly minMs: number;
      readonly maxMs: number;
      readonly jitterFactor: number;
      readonly marginMs: number;
      /** Fraction of elapsed time the render clock may run fast or slow to close on its ideal. */
      readonly slew: number;
      readonly resyncMs: number;
    },
  ) {}

  /** Forget the render time (the server's clock started anew): the next `advance` takes its ideal at once. */
  reset(): void {
    this.#time = Number.NaN;
  }

  /** The render time (server ms); NaN before the first `advance`. */
  get time(): number {
    return this.#time;
  }

  /** The delay wanted on a link with this patch interval and jitter, ms. */
  wantedDelay(patchIntervalMs: number, jitterMs: number): number {
    const { minMs, maxMs, jitterFactor, marginMs } = this.options;
    return clamp(patchIntervalMs + jitterFactor * jitterMs + marginMs, minMs, maxMs);
  }

  /** Advance by `elapsedMs` of local time toward `ideal` (the server time the wanted delay would draw now); returns the render time. */
  advance(elapsedMs: number, ideal: number): number {
    const next = this.#time + elapsedMs;
    if (Number.isNaN(next) || Math.abs(ideal - next) > this.options.resyncMs) {
      this.#time = ideal;
      return ideal;
    }
    const room = this.options.slew * elapsedMs;
    this.#time = next + clamp(ideal - next, -room, room);
    return this.#time;
  }
}

/**
 * The stalls a link had lately, and the delay that would keep a snapshot ahead through
 * most of them. Each time a patch arrives after the render instant had passed the newest
 * snapshot, `record` keeps the delay that would have kept one ahead (capped at `capMs`:
 * a single long stall, a tab that slept, never decides alone). `delayFor` is the smallest
 * delay at which the stalls of the last `windowMs` would have been drawn past their newest
 * snapshot for at most `budget` of that time: none on a clean link, just enough on a
 * lossy one (the link's stall rate and length both count), and it forgets them as they age.
 */
export class StallHistory {
  /** Local time of each stall and the delay it needed, oldest first. */
  readonly #at: number[] = [];
  readonly #needed: number[] = [];
  /** `delayFor`'s answer until a stall is recorded or forgotten (it is asked every frame). */
  #delay: number | undefined = 0;
  constructor(
    readonly options: {
      readonly windowMs: number;
      /** Fraction of the window the stalls may leave an entity drawn past its newest snapshot. */
      readonly budget: number;
      readonly capMs: number;
    },
  ) {}

  /** A patch arrived at `now` (local ms) after a stall that needed `neededDelayMs` of delay to stay ahead. */
  record(now: number, neededDelayMs: number): void {
    this.#forget(now);
    this.#at.push(now);
    this.#needed.push(Math.min(neededDelayMs, this.options.capMs));
    this.#delay = undefined;
  }

  /** The delay the recent stalls call for, ms: 0 when they fit the budget at any delay. */
  delayFor(now: number): number {
    this.#forget(now);
    this.#delay ??= this.#fit();
    return this.#delay;
  }

  #fit(): number {
    const needed = [...this.#needed].sort((a, b) => b - a);
    // Time past the newest snapshot at delay d is the sum of (needed - d) over the stalls
    // that needed more: decreasing in d. Walk down the sorted needs to where it fits.
    const allowed = this.options.budget * this.options.windowMs;
    let sum = 0;
    for (let k = 0; k < needed.length; k++) {
      sum += needed[k] as number;
      const next = (needed[k + 1] as number | undefined) ?? 0;
      // Between the (k+1)th and (k+2)th largest needs, the excess is sum - (k + 1) * d.
      const d = (sum - allowed) / (k + 1);
      if (d >= next) return Math.max(0, d);
    }
    return 0;
  }

  #forget(now: number): void {
    let expired = 0;
    while (expired < this.#at.length && (this.#at[expired] as number) < now - this.options.windowMs) expired++;
    if (expired > 0) {
      this.#at.splice(0, expired);
      this.#needed.splice(0, expired);
      this.#delay = undefined;
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
