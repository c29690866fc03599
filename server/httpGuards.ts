import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { TokenBuckets } from "../rooms/base/tokenBuckets.ts";
import { HttpStatus } from "../shared/errors.ts";
import type { LoadGauge } from "./loadGauge.ts";

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
  /** Time to send a whole request, body included (Node answers 408 and closes). */
  readonly requestTimeoutMs: number;
  /** Time to send a request's headers, an upgrade's included. */
  readonly headersTimeoutMs: number;
  /** Connections one address may hold open, HTTP and WebSocket alike; one more is closed at once. */
  readonly maxConnectionsPerAddress: number;
}

/**
 * The HTTP server with the request and header timeouts set. Node checks them only every
 * `connectionsCheckingInterval` (30 s by default, fixed at construction), so a client
 * trickling a body at a byte a second would outlive the timeout by up to that long; checked
 * every second here.
 */
export function createHttpServer(limits: HttpLimits): Server {
  return createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: 1000,
  });
}

function guarded(url: string): boolean {
  return (
    url.startsWith("/matchmake/") ||
    url.startsWith("/join-code/") ||
    url.startsWith("/auth/") ||
    url.startsWith("/leaderboards/") ||
    url.startsWith("/players/")
  );
}

function refuse(response: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ code: status, error });
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close", ...headers });
  response.end(body);
}

/**
 * Run `intercept` on every HTTP request before any listener (Colyseus's and express's
 * included) sees it; when it answers the request itself (returns true) no listener does.
 * Wrapping `emit` is the only way ahead of listeners added before the guard.
 */
// colyseus-internal: http-emit-guard
function interceptRequests(server: Server, intercept: (request: IncomingMessage, response: ServerResponse) => boolean): void {
  const emit = server.emit as (this: Server, event: string | symbol, ...rest: unknown[]) => boolean;
  server.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request" && intercept(args[0] as IncomingMessage, args[1] as ServerResponse)) return true;
    return emit.call(this, event, ...args);
  } as Server["emit"];
}

/** Install the limits on `server`: a refused request never reaches another listener. */
export function guardHttp(server: Server, limits: HttpLimits, onRefused: (reason: string) => void = () => undefined): TokenBuckets<string> {
  const limiter = new TokenBuckets<string>(limits.perAddressPerSecond, limits.perAddressBurst);
  const open = new Map<string, number>();
  // Before any other listener: a connection over the cap is closed before it costs anything.
  server.prependListener("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      onRefused("connection_cap");
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  interceptRequests(server, (request, response) => {
    if (request.method === "OPTIONS" || !guarded(request.url ?? "")) return false;
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
    // Colyseus's router reads a form or a text body as join options (`-d hello` got a seat).
    if (Number(length ?? 0) > 0 && !isJson(request.headers["content-type"])) {
      onRefused("not_json");
      refuse(response, HttpStatus.INVALID_REQUEST, "request body must be JSON (Content-Type: application/json)");
      request.resume();
      return true;
    }
    if (request.url?.startsWith("/matchmake/")) answerErrorsWithCode(response);
    return false;
  });
  return limiter;
}

function isJson(contentType: string | undefined): boolean {
  const media = contentType?.split(";")[0]?.trim().toLowerCase();
  return media === "application/json" || (media?.startsWith("application/") === true && media.endsWith("+json"));
}

/**
 * Every error a route answers is `{ code, error }`; Colyseus's router answers a body that
 * is not JSON with `{ error }` alone. Its error answers are JSON sent without a length
 * (chunked), so one can be completed in passing: `code` (the status) added when missing.
 */
// colyseus-internal: matchmake-error-shape
function answerErrorsWithCode(response: ServerResponse): void {
  const writeHead = response.writeHead;
  const write = response.write as (this: ServerResponse, chunk: string) => boolean;
  const end = response.end as (this: ServerResponse) => ServerResponse;
  const held: Buffer[] = [];
  response.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    if (args[0] >= 400 && String(this.getHeader("content-type") ?? "").startsWith("application/json")) {
      this.removeHeader("content-length");
      this.write = (chunk: unknown) => {
        held.push(Buffer.from(chunk as Uint8Array));
        return true;
      };
      // The head waits for the body: a refused seat reservation changes the status too.
      this.end = function (this: ServerResponse, chunk?: unknown) {
        if (chunk !== undefined && typeof chunk !== "function") held.push(Buffer.from(chunk as Uint8Array));
        const answer = errorAnswer(Buffer.concat(held).toString(), args[0]);
        writeHead.apply(this, [answer.status, ...args.slice(1)] as unknown as Parameters<ServerResponse["writeHead"]>);
        write.call(this, answer.body);
        return end.call(this);
      } as ServerResponse["end"];
      return this;
    }
    return writeHead.apply(this, args);
  } as ServerResponse["writeHead"];
}

/**
 * A room refuses a player's seat reservation when its player slots are taken (rooms/base/
 * TickroomRoom.ts `#reservePlayerSeatsOnly`); `joinOrCreate` then searches again, but a
 * `joinById` (or a search that kept losing the race) fails with Colyseus's
 * `SeatReservationError` ("<roomId> is already full."), which carries no status. It is the
 * documented 409.
 */
// colyseus-internal: player-seat-reservation
const SEAT_REFUSED = /is already full\.$/;

function errorAnswer(body: string, status: number): { status: number; body: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const { error, code } = parsed as { error: unknown; code?: unknown };
      if (typeof error === "string" && SEAT_REFUSED.test(error)) {
        return { status: HttpStatus.ROOM_FULL, body: JSON.stringify({ code: HttpStatus.ROOM_FULL, error: "no player slot left in this room" }) };
      }
      if (code === undefined) {
        return { status, body: JSON.stringify({ code: status, error: error === "malformed request body" ? "request body is not valid JSON" : error }) };
      }
    }
  } catch {
    // Not JSON after all: sent as it was.
  }
  return { status, body };
}

/**
 * Under overload, matchmaking and join codes answer 503 `{ code, error }` with
 * `Retry-After: 1` and seat nobody: the rooms already running keep their tick and every
 * player in them keeps being served, where seating more would make every room late
 * (the benchmark saw connection setup pass a second at saturation). Reconnections do not
 * go through matchmaking and are not refused.
 */
export function guardOverload(server: Server, load: LoadGauge): void {
  interceptRequests(server, (request, response) => {
    if (!load.overloaded || request.method === "OPTIONS" || !needsSeat(request.url ?? "")) return false;
    refuse(response, HttpStatus.UNAVAILABLE, `the server is at capacity (${load.reading}); retry shortly`, { "retry-after": "1" });
    request.resume();
    return true;
  });
}

/** What the outage guard needs to know: whether Redis answers. */
interface RedisState {
  readonly up: boolean;
}

/** The routes that seat a player (and, with a cluster, read Redis to do it). */
const needsSeat = (url: string): boolean => url.startsWith("/matchmake/") || url.startsWith("/join-code/");

function unavailable(response: ServerResponse): void {
  refuse(response, HttpStatus.UNAVAILABLE, "matchmaking is unavailable: the server cannot reach Redis; retry shortly", { "retry-after": "2" });
  // Whatever Colyseus or express answer later for this request goes nowhere.
  const sink = response as unknown as Record<string, unknown>;
  sink.writeHead = () => response;
  sink.setHeader = () => response;
  sink.write = () => true;
  sink.end = () => response;
}

/**
 * With a shared Redis: matchmaking and join codes answer 503 `{ code, error }` while Redis
 * is down instead of hanging until it returns (ioredis queues commands, Colyseus waits on
 * them): at once when the outage is known, within `pollMs` of noticing it for a request
 * already in flight. Running rooms do not need Redis and are not touched.
 */
export function guardRedis(server: Server, redis: RedisState, pollMs = 100): void {
  interceptRequests(server, (request, response) => {
    if (request.method === "OPTIONS" || !needsSeat(request.url ?? "")) return false;
    if (!redis.up) {
      unavailable(response);
      request.resume();
      return true;
    }
    // In flight when Redis goes (or is found) down: answer now, not when it returns.
    const watch = setInterval(() => {
      if (response.headersSent || response.writableEnded) clearInterval(watch);
      else if (!redis.up) {
        clearInterval(watch);
        unavailable(response);
      }
    }, pollMs);
    watch.unref();
    response.once("close", () => clearInterval(watch));
    return false;
  });
}
