import { defineRoom, defineServer } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { ArenaRoom } from "../rooms/ArenaRoom.ts";
import { ChatRoom } from "../rooms/ChatRoom.ts";
import { TicTacToeRoom } from "../rooms/TicTacToeRoom.ts";
import type { TickroomConfig } from "./config.ts";
import { healthRoute } from "./health.ts";

/**
 * Imports come from the scoped packages rather than the `colyseus` meta package: the meta
 * package loads `@colyseus/tools`, whose import runs dotenv over /etc/environment with
 * override, rewriting `process.env` behind server/config.ts.
 */

export interface ServerHooks {
  /** Let Colyseus trap SIGTERM/SIGINT and drain rooms before exiting. Tests turn it off. @default true */
  readonly handleSignals?: boolean;
}

/** Build the game server (rooms, transport, HTTP routes) from a parsed configuration. */
export function createTickroomServer(config: TickroomConfig, hooks: ServerHooks = {}) {
  const startedAt = Date.now();
  // Handler options override client options key by key, so `settings` always comes from here.
  const fromServer = { settings: config.rooms };

  return defineServer({
    rooms: {
      chat: defineRoom(ChatRoom, fromServer).filterBy(["channel"]),
      arena: defineRoom(ArenaRoom, fromServer),
      tictactoe: defineRoom(TicTacToeRoom, fromServer),
    },
    transport: new WebSocketTransport({
      pingInterval: config.transport.pingIntervalMs,
      maxPayload: config.transport.maxPayloadBytes,
    }),
    express: (app) => {
      app.get("/health", healthRoute(startedAt));
    },
    greet: false,
    gracefullyShutdown: hooks.handleSignals ?? true,
  });
}

export type TickroomServer = ReturnType<typeof createTickroomServer>;
