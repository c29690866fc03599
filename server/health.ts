import { matchMaker } from "@colyseus/core";
import type { Request, Response } from "express";

export interface Health {
  status: "ok";
  /** Rooms hosted by this process. */
  rooms: number;
  /** Clients connected to this process. */
  clients: number;
  uptimeSeconds: number;
}

/** `GET /health`: liveness plus this process's load, for load balancers and humans. */
export function healthRoute(startedAt: number) {
  return (_request: Request, response: Response<Health>): void => {
    response.json({
      status: "ok",
      rooms: matchMaker.stats.local.roomCount,
      clients: matchMaker.stats.local.ccu,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
  };
}
