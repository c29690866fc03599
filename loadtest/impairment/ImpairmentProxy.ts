import { type AddressInfo, createConnection, createServer, type Server, type Socket } from "node:net";
import { type Random, seededRandom } from "../../shared/random.ts";

/** How one direction of the link misbehaves. Every field is optional; the default is a clean link. */
export interface LinkImpairment {
  /** One-way delay added to every chunk, in ms. @default 0 */
  latencyMs: number;
  /** Extra one-way delay, uniform in [0, jitterMs], per chunk; order is kept, as TCP would. @default 0 */
  jitterMs: number;
  /** Throughput cap in bytes per second; 0 means unlimited. @default 0 */
  bandwidthBytesPerSecond: number;
  /**
   * Random stalls per second (a Poisson rate). A stall holds all traffic of this direction
   * for `stallMs`: what packet loss looks like over TCP (head-of-line blocking while the
   * sender retransmits). @default 0
   */
  stallsPerSecond: number;
  /** Length of each random stall, in ms. @default 200 */
  stallMs: number;
}

const cleanLink: Readonly<LinkImpairment> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  bandwidthBytesPerSecond: 0,
  stallsPerSecond: 0,
  stallMs: 200,
});

export type Direction = "up" | "down";

export interface ImpairmentProxyOptions {
  /** Where the real server listens. */
  readonly target: { readonly host: string; readonly port: number };
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Interface to bind; loopback only by default so a test proxy is never exposed. @default "127.0.0.1" */
  readonly host?: string;
  /** Client to server. */
  readonly up?: Partial<LinkImpairment>;
  /** Server to client. */
  readonly down?: Partial<LinkImpairment>;
  /** Seed for jitter and stalls, so a run can be repeated. @default 1 */
  readonly seed?: number;
}

export interface DirectionStats {
  bytes: number;
  chunks: number;
  stalls: number;
  /** Largest number of bytes waiting in the proxy at once. */
  peakQueuedBytes: number;
}

/** Pause the sending side when this much is queued, so a capped link pushes back like a real one. */
const HIGH_WATER_BYTES = 1 << 20;

/**
 * A loopback TCP proxy between clients and a server that adds latency, jitter, stalls and
 * a bandwidth cap, each direction on its own. It carries HTTP and WebSocket alike, so an
 * SDK client pointed at the proxy has both matchmaking and its room socket impaired.
 */
export class ImpairmentProxy {
  readonly #options: ImpairmentProxyOptions;
  readonly #impairment: Record<Direction, LinkImpairment>;
  readonly #random: Random;
  readonly #links = new Set<Link>();
  readonly #server: Server;
  readonly stats: Record<Direction, DirectionStats> = {
    up: { bytes: 0, chunks: 0, stalls: 0, peakQueuedBytes: 0 },
    down: { bytes: 0, chunks: 0, stalls: 0, peakQueuedBytes: 0 },
  };

  constructor(options: ImpairmentProxyOptions) {
    this.#options = options;
    this.#impairment = {
      up: { ...cleanLink, ...options.up },
      down: { ...cleanLink, ...options.down },
    };
    this.#random = seededRandom(options.seed ?? 1);
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Start listening; resolves with the port clients should use. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port ?? 0, this.#options.host ?? "127.0.0.1", () => resolve());
    });
    return this.port;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Change a direction's impairment for every open and future connection. */
  configure(direction: Direction, impairment: Partial<LinkImpairment>): void {
    Object.assign(this.#impairment[direction], impairment);
  }

  /** Hold all traffic of one direction, on every connection, for `ms` from now. */
  stall(direction: Direction, ms: number): void {
    for (const link of this.#links) link.pipe(direction).stallFor(ms);
  }

  /** Cut every connection at once, without a close handshake (what a dead network looks like). */
  severAll(): void {
    for (const link of this.#links) link.destroy();
  }

  get connections(): number {
    return this.#links.size;
  }

  async close(): Promise<void> {
    this.severAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const server = createConnection(this.#options.target.port, this.#options.target.host);
    const link = new Link(client, server, this.#impairment, this.#random, this.stats, () => this.#links.delete(link));
    this.#links.add(link);
  }
}

/** One proxied connection: two pipes, torn down together. */
class Link {
  readonly #up: DelayPipe;
  readonly #down: DelayPipe;
  readonly #sockets: readonly Socket[];
  readonly #onClose: () => void;
  #closed = false;

  constructor(
    client: Socket,
    server: Socket,
    impairment: Record<Direction, LinkImpairment>,
    random: Random,
    stats: Record<Direction, DirectionStats>,
    onClose: () => void,
  ) {
    client.setNoDelay(true);
    server.setNoDelay(true);
    this.#sockets = [client, server];
    this.#onClose = onClose;
    this.#up = new DelayPipe(client, server, impairment.up, random, stats.up);
    this.#down = new DelayPipe(server, client, impairment.down, random, stats.down);
    for (const socket of this.#sockets) {
      socket.on("error", () => this.destroy());
      socket.on("close", () => this.#finish());
    }
  }

  pipe(direction: Direction): DelayPipe {
    return direction === "up" ? this.#up : this.#down;
  }

  destroy(): void {
    this.#up.dispose();
    this.#down.dispose();
    for (const socket of this.#sockets) socket.destroy();
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }
}

interface Scheduled {
  readonly at: number;
  readonly chunk: Buffer | null;
}

/**
 * Carries one direction. Each chunk gets a delivery time (arrival + latency + jitter,
 * after the link is free for its bytes at the capped rate, after any stall) that never
 * precedes the previous chunk's, so the byte stream stays in order as TCP guarantees.
 * `null` stands for the sender's end of stream.
 */
class DelayPipe {
  readonly #queue: Scheduled[] = [];
  #queuedBytes = 0;
  #lastDeliveryAt = 0;
  #linkFreeAt = 0;
  #stallUntil = 0;
  #lastStallCheck = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly impairment: LinkImpairment,
    private readonly random: Random,
    private readonly stats: DirectionStats,
  ) {
    from.on("data", (chunk: Buffer) => this.#enqueue(chunk));
    from.on("end", () => this.#enqueueEnd());
  }

  stallFor(ms: number): void {
    this.#stallUntil = Math.max(this.#stallUntil, performance.now() + ms);
    this.stats.stalls++;
    this.#reschedule();
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#queue.length = 0;
  }

  #enqueue(chunk: Buffer): void {
    const now = performance.now();
    this.#maybeStall(now);
    const { latencyMs, jitterMs, bandwidthBytesPerSecond } = this.impairment;
    // Serialization at the capped rate: the chunk leaves once the link is free for its bytes.
    if (bandwidthBytesPerSecond > 0) {
      this.#linkFreeAt = Math.max(this.#linkFreeAt, now) + (chunk.length / bandwidthBytesPerSecond) * 1000;
    } else {
      this.#linkFreeAt = now;
    }
    const at = Math.max(this.#linkFreeAt + latencyMs + this.random() * jitterMs, this.#lastDeliveryAt, this.#stallUntil);
    this.#lastDeliveryAt = at;
    this.#queue.push({ at, chunk });
    this.#queuedBytes += chunk.length;
    this.stats.peakQueuedBytes = Math.max(this.stats.peakQueuedBytes, this.#queuedBytes);
    if (this.#queuedBytes > HIGH_WATER_BYTES) this.from.pause();
    this.#reschedule();
  }

  #enqueueEnd(): void {
    this.#queue.push({ at: Math.max(this.#lastDeliveryAt, performance.now() + this.impairment.latencyMs), chunk: null });
    this.#reschedule();
  }

  #maybeStall(now: number): void {
    const rate = this.impairment.stallsPerSecond;
    const elapsedSeconds = (now - this.#lastStallCheck) / 1000;
    this.#lastStallCheck = now;
    if (rate > 0 && this.random() < 1 - Math.exp(-rate * elapsedSeconds)) {
      this.#stallUntil = Math.max(this.#stallUntil, now + this.impairment.stallMs);
      this.stats.stalls++;
    }
  }

  #reschedule(): void {
    if (this.#disposed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const head = this.#queue[0];
    if (head === undefined) {
      this.#timer = undefined;
      return;
    }
    const at = Math.max(head.at, this.#stallUntil);
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, at - performance.now()));
  }

  #flush(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now && this.#stallUntil <= now) {
      const { chunk } = this.#queue.shift()!;
      if (chunk === null) {
        this.to.end();
        continue;
      }
      this.#queuedBytes -= chunk.length;
      this.stats.bytes += chunk.length;
      this.stats.chunks++;
      if (!this.to.destroyed) this.to.write(chunk);
    }
    if (this.#queuedBytes <= HIGH_WATER_BYTES / 2 && this.from.isPaused()) this.from.resume();
    this.#reschedule();
  }
}
