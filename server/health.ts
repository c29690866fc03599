import { matchMaker } from "@colyseus/core";
import type { Request, Response } from "express";
import type { RedisHealth } from "./redis.ts";

export interface Health {
  status: "ok";
  /** Rooms hosted by this process. */
  rooms: number;
  /**
   * Seats taken on this process: connected clients and dropped ones whose seat is held for
   * reconnection (Colyseus's CCU). `tickroom_clients` counts the connected ones only.
   */
  clients: number;
  uptimeSeconds: number;
  /** With a shared Redis: whether it answers ("down": matchmaking answers 503, running rooms go on). */
  redis?: "up" | "down";
  redisReason?: string;
  redisSinceMs?: number;
}

/**
 * `GET /health`: liveness plus this process's load, for load balancers and humans. It
 * stays 200 while Redis is down: the process and its running matches are fine; only new
 * matchmaking waits for Redis, and the body says so.
 */
export function healthRoute(startedAt: number, redis?: RedisHealth) {
  return (_request: Request, response: Response<Health>): void => {
    response.json({
      status: "ok",
      rooms: matchMaker.stats.local.roomCount,
      clients: matchMaker.stats.local.ccu,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      ...redis?.describe(),
    });
  };
}
