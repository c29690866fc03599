import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * Limits on the HTTP routes a player can call before having a seat: matchmaking
 * (`/matchmake/*`), join codes and guest tokens. Colyseus's router reads the whole body
 * with no bound, and nothing stops one address from creating rooms in a loop, so these
 * run first, in front of every `request` listener.
 */
export interface HttpLimits {
  /** Largest request body accepted (413 above; 411 when a body comes without Content-Length). */
  readonly maxBodyBytes: number;
  /** Requests per second one address may make on average (429 beyond). */
  readonly perAddressPerSecond: number;
  /** Requests one address may make in a burst. */
  readonly perAddressBurst: number;
}

/** A token bucket per key, refilled continuously; `now` in ms is injected so it is testable. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #sinceSweep = 0;

  constructor(private readonly perSecond: number, private readonly burst: number) {}

  /** Take one token for `key`; false when it has none left. */
  take(key: string, now: number): boolean {
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until `key` has a token again. */
  retryAfter(key: string): number {
    const bucket = this.#buckets.get(key);
    return bucket === undefined || this.perSecond === 0 ? 1 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Forget buckets that have refilled completely, so the map is bounded by active addresses. */
  #sweep(now: number): void {
    if (++this.#sinceSweep < 1000) return;
    this.#sinceSweep = 0;
    const full = this.perSecond === 0 ? Infinity : (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.#buckets) if (now - bucket.at >= full) this.#buckets.delete(key);
  }
}

function guarded(url: string): boolean {
  return url.startsWith("/matchmake/") || url.startsWith("/join-code/") || url.startsWith("/auth/");
}

function refuse(response: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code: status, error });
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close", ...headers });
  response.end(body);
}

/** Install the limits on `server`: a refused request never reaches another listener. */
export function guardHttp(server: Server, limits: HttpLimits, onRefused: (reason: string) => void = () => undefined): RateLimiter {
  const limiter = new RateLimiter(limits.perAddressPerSecond, limits.perAddressBurst);
  const emit = server.emit;
  server.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      const request = args[0] as IncomingMessage;
      const response = args[1] as ServerResponse;
      if (request.method !== "OPTIONS" && guarded(request.url ?? "")) {
        const address = request.socket.remoteAddress ?? "unknown";
        if (!limiter.take(address, performance.now())) {
          onRefused("rate_limited");
          refuse(response, 429, "too many requests from this address", { "retry-after": String(limiter.retryAfter(address)) });
          request.resume();
          return true;
        }
        const length = request.headers["content-length"];
        const hasBody = length !== undefined || request.headers["transfer-encoding"] !== undefined;
        if (request.method === "POST" && hasBody && length === undefined) {
          onRefused("length_required");
          refuse(response, 411, "Content-Length required");
          request.destroy();
          return true;
        }
        if (length !== undefined && !(Number(length) <= limits.maxBodyBytes)) {
          onRefused("body_too_large");
          refuse(response, 413, `request body over ${limits.maxBodyBytes} bytes`);
          request.resume();
          return true;
        }
      }
    }
    return (emit as (this: Server, event: string | symbol, ...rest: unknown[]) => boolean).call(this, event, ...args);
  } as Server["emit"];
  return limiter;
}
