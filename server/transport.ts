import type { IncomingMessage } from "node:http";
import { WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { socketsClosedForOversizedFrames } from "../rooms/base/protocolViolations.ts";

/** ws's error code when a client frame exceeds `maxPayload` (it then closes with 1009). */
const OVERSIZED_FRAME = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

/**
 * Colyseus's WebSocket transport, plus a record of sockets ws closed for an oversized
 * frame. The room only sees such a close as 1006 (the client never answers the close
 * frame once ws stopped reading), so without this record it could not tell it from a
 * network drop and would hold the seat.
 */
export class TickroomTransport extends WebSocketTransport {
  // Colyseus registers this method unbound as the 'connection' listener: no `this` here.
  protected override async onConnection(
    rawClient: WebSocket & { pingCount: number },
    req: IncomingMessage,
    ...rest: unknown[]
  ): Promise<void> {
    rawClient.on("error", (error: Error & { code?: string }) => {
      if (error.code === OVERSIZED_FRAME) socketsClosedForOversizedFrames.add(rawClient);
    });
    return super.onConnection(rawClient, req, ...(rest as []));
  }
}
