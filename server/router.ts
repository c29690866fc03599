import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import type { Redis } from "ioredis";
import type { HttpLimits } from "./httpGuards.ts";
import { guardHttp } from "./httpGuards.ts";
import { MIGRATION_KEYS } from "./migration.ts";

/**
 * The one address players reach a cluster at (`npm run start:cluster` runs it on PORT; every
 * process announces it as its PUBLIC_ADDRESS). A WebSocket goes to the process hosting its room
 * *now*, read from the room's listing in Redis, not to the one its URL names: after a move or
 * a failover the SDK reconnects to the URL it joined with, and lands in the room where it
 * lives. HTTP (matchmaking, the web client, auth) goes to any live process.
 *
 * The per-address limits (HTTP_RATE_*, HTTP_MAX_CONNECTIONS_PER_ADDRESS) are applied here,
 * where players' addresses are seen; behind it every request comes from the router.
 */
export interface RouterOptions {
  /** Reads listings (`roomcaches`) and heartbeats (`tickroom:alive:<processId>`). */
  readonly redis: Redis;
  /** host:port of the processes taking HTTP now (not draining). */
  readonly backends: () => readonly string[];
  readonly limits: HttpLimits;
  /** How long a WebSocket for a room no live process hosts waits for one to (a move, a failover) before it is refused. @default 10000 */
  readonly waitForRoomMs?: number;
}

/** Colyseus's room URL: `/<processId>/<roomId>?sessionId=...` (ws-transport's pattern). */
// colyseus-internal: ws-url-layout
const ROOM_PATH = /\/[a-zA-Z0-9_-]+\/([a-zA-Z0-9_-]+)$/;
/** redis-driver's hash of listings. */
const ROOMCACHES_KEY = "roomcaches";
const POLL_MS = 100;

function hostAndPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

export function createRouter(options: RouterOptions): Server {
  const waitForRoomMs = options.waitForRoomMs ?? 10_000;
  let next = 0;
  const anyBackend = (): string | undefined => {
    const backends = options.backends();
    if (backends.length === 0) return undefined;
    next = (next + 1) % backends.length;
    return backends[next];
  };

  /** The address of the live process hosting `roomId`, or undefined. */
  const hostOf = async (roomId: string): Promise<string | undefined> => {
    const listing = await options.redis.hget(ROOMCACHES_KEY, roomId);
    if (listing === null) return undefined;
    const processId = (JSON.parse(listing) as { processId?: string }).processId;
    return processId === undefined ? undefined : ((await options.redis.get(MIGRATION_KEYS.alive(processId))) ?? undefined);
  };

  const server = createServer((request, response) => {
    const target = anyBackend();
    if (target === undefined) {
      response.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify({ code: 503, error: "no server is up" }));
      request.resume();
      return;
    }
    const { host, port } = hostAndPort(target);
    const upstream = httpRequest({ host, port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(response);
    });
    upstream.on("error", () => {
      if (!response.headersSent)
        response.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ code: 502, error: "the server went away" }));
      else response.destroy();
    });
    request.pipe(upstream);
  });
  guardHttp(server, options.limits);

  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const roomId = ROOM_PATH.exec(path)?.[1];
    const deadline = performance.now() + waitForRoomMs;
    let upstream: Socket | undefined;
    socket.once("close", () => upstream?.destroy());
    const attempt = async (): Promise<void> => {
      if (socket.destroyed) return;
      const target = roomId === undefined ? anyBackend() : await hostOf(roomId).catch(() => undefined);
      // Gone while looking: no ghost connection to take its seat.
      if (socket.destroyed) return;
      if (target === undefined) {
        if (performance.now() < deadline) {
          setTimeout(() => void attempt(), POLL_MS);
          return;
        }
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      const { host, port } = hostAndPort(target);
      const next = connect(port, host);
      upstream = next;
      let opened = false;
      next.once("connect", () => {
        opened = true;
        const headers: string[] = [];
        for (let i = 0; i < request.rawHeaders.length; i += 2) headers.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
        next.write(`${request.method} ${request.url} HTTP/${request.httpVersion}\r\n${headers.join("\r\n")}\r\n\r\n`);
        if (head.length > 0) next.write(head);
        next.pipe(socket);
        socket.pipe(next);
      });
      next.on("error", () => {
        // A process that died under this room: look again (a survivor may adopt it).
        if (!opened && performance.now() < deadline) setTimeout(() => void attempt(), POLL_MS);
        else socket.destroy();
      });
      next.on("close", (hadError) => {
        // Let the server's close frame (4010 on a move) reach the client before the socket goes.
        if (opened) hadError ? socket.destroy() : socket.end();
      });
    };
    void attempt();
  });
  return server;
}
