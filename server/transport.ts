import type { IncomingMessage } from "node:http";
import { matchMaker } from "@colyseus/core";
import { type TransportOptions, WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { socketsClosedForProtocolViolations } from "../rooms/base/protocolViolations.ts";
import type { TrafficObserver } from "./metrics.ts";
import { wireViolation } from "./wireGuard.ts";

/** ws's error code when a client frame exceeds `maxPayload` (it then closes with 1009). */
// colyseus-internal: socket-emit-filter
const OVERSIZED_FRAME = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

export interface TickroomTransportOptions extends TransportOptions {
  /** Where each socket's frames and bytes are counted. @default nowhere */
  traffic?: TrafficObserver;
  /**
   * Bytes the server may hold queued for one client that is not reading; past this the
   * socket is cut (the client sees 1006 and may reconnect), so a stalled reader cannot
   * grow server memory without bound. @default 262144
   */
  maxBufferedBytes?: number;
  /** Told of every socket closed for breaking the wire protocol, with why. @default nothing */
  onProtocolViolation?: (roomType: string, reason: string) => void;
}

/** The room a WebSocket URL (`/<processId>/<roomId>?...`) points at, if it lives here. */
// colyseus-internal: ws-url-layout
function roomTypeOf(request: IncomingMessage): string {
  const roomId = (request.url ?? "").split("?")[0]?.split("/")[2];
  return (roomId !== undefined ? matchMaker.getLocalRoomById(roomId)?.roomName : undefined) ?? "none";
}

/**
 * Colyseus's WebSocket transport, plus what it lacks:
 * - a structural check of every client frame (`wireGuard.ts`); a violating client is
 *   closed with 4002 and recorded, so its room gives it no reconnection window;
 * - a record of sockets ws closed for an oversized frame. The room only sees such a
 *   close as 1006 (the client never answers the close frame once ws stopped reading), so
 *   without this record it could not tell it from a network drop and would hold the seat;
 * - per-socket traffic accounting for metrics (frames and bytes each way, by room type);
 * - a bound on what one client that stopped reading can make the server queue.
 */
export class TickroomTransport extends WebSocketTransport {
  constructor(options: TickroomTransportOptions = {}) {
    const { traffic, onProtocolViolation, maxBufferedBytes = 262_144, ...transportOptions } = options;
    super(transportOptions);
    // Runs after Colyseus's own listener, which reaches its first await before sending
    // anything, so the wrapped `send` sees every frame including the handshake.
    // colyseus-internal: transport-connection-listener
    this.wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
      const roomType = roomTypeOf(request);
      socket.on("error", (error: Error & { code?: string }) => {
        if (error.code !== OVERSIZED_FRAME) return;
        // colyseus-internal: client-socket-ref
        socketsClosedForProtocolViolations.add(socket);
        onProtocolViolation?.(roomType, "oversized");
      });
      // Filter frames before any listener (Colyseus's room listener included) sees them.
      const emit = socket.emit;
      // colyseus-internal: socket-emit-filter
      socket.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
        if (event === "message") {
          if (socketsClosedForProtocolViolations.has(socket)) return false;
          const violation = wireViolation(args[0] as Uint8Array, args[1] === true);
          if (violation !== undefined) {
            socketsClosedForProtocolViolations.add(socket);
            onProtocolViolation?.(roomType, violation);
            socket.close(4002, violation);
            return false;
          }
        }
        return emit.call(this, event, ...args);
      } as WebSocket["emit"];
      const counted = traffic?.socketOpened(roomType);
      if (counted !== undefined) socket.on("message", (data: Buffer) => counted.received(data.length));
      const send = socket.send;
      // colyseus-internal: socket-send-wrap
      socket.send = function (this: WebSocket, data: Parameters<WebSocket["send"]>[0], ...rest: unknown[]) {
        if (counted !== undefined && (data instanceof Uint8Array || typeof data === "string")) counted.sent(data);
        (send as (...args: unknown[]) => void).call(this, data, ...rest);
        if (socket.bufferedAmount > maxBufferedBytes && socket.readyState === socket.OPEN) {
          onProtocolViolation?.(roomType, "slow_reader");
          socket.terminate();
        }
      } as WebSocket["send"];
    });
  }
}
