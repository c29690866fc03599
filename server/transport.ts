import type { IncomingMessage } from "node:http";
import { matchMaker, Protocol } from "@colyseus/core";
import { type TransportOptions, WebSocketTransport } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { socketsClosedForProtocolViolations } from "../rooms/base/protocolViolations.ts";
import { CloseCode } from "../shared/errors.ts";
import { protocolCodeOf } from "../shared/protocol.ts";
import type { TrafficObserver } from "./metrics.ts";
import { wireViolation } from "./wireGuard.ts";

/** ws's error code when a client frame exceeds `maxPayload` (it then closes with 1009). */
// colyseus-internal: socket-emit-filter
const OVERSIZED_FRAME = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";

export interface TickroomTransportOptions extends TransportOptions {
  /** Where each socket's frames and bytes are counted. @default nowhere */
  traffic?: TrafficObserver;
  /**
   * Bytes queued for one client past which the server watches it drain: a client that
   * drains nothing for `stallMs` while over it is cut (it sees 1006 and may reconnect),
   * so a stalled reader cannot hold server memory; one that drains is never cut for a
   * burst. @default 262144
   */
  maxBufferedBytes?: number;
  /** How long a client over `maxBufferedBytes` may drain nothing before it is cut. @default 3000 */
  stallMs?: number;
  /**
   * Time a socket has to complete the join handshake (send its JOIN_ROOM acknowledgement)
   * before it is closed with 4002 and its seat freed. Colyseus holds a half-joined socket's
   * seat, and queues every broadcast for it outside any bound, for as long as it stays.
   * @default 5000
   */
  joinTimeoutMs?: number;
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
 * - a bound on what one client that stopped reading can make the server queue, judged by
 *   progress rather than by a snapshot (see `BacklogWatch`).
 */
export class TickroomTransport extends WebSocketTransport {
  readonly #backlogs: BacklogWatch;

  constructor(options: TickroomTransportOptions = {}) {
    const { traffic, onProtocolViolation, maxBufferedBytes = 262_144, stallMs = 3000, joinTimeoutMs = 5000, ...transportOptions } = options;
    super(transportOptions);
    const backlogs = new BacklogWatch(maxBufferedBytes, stallMs);
    this.#backlogs = backlogs;
    // Runs after Colyseus's own listener, which reaches its first await before sending
    // anything, so the wrapped `send` sees every frame including the handshake.
    // colyseus-internal: transport-connection-listener
    this.wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
      const roomType = roomTypeOf(request);
      const closeForViolation = (reason: string, close: () => void): void => {
        socketsClosedForProtocolViolations.add(socket);
        onProtocolViolation?.(roomType, reason);
        close();
      };
      // colyseus-internal: join-deadline
      let joinDeadline: NodeJS.Timeout | undefined = setTimeout(() => {
        closeForViolation("join_timeout", () => socket.close(CloseCode.WITH_ERROR, "join handshake not completed in time"));
        // A peer that ignores the close frame too is cut instead of waiting out ws's 30 s.
        setTimeout(() => socket.terminate(), 1000).unref();
      }, joinTimeoutMs);
      socket.once("close", () => clearTimeout(joinDeadline));
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
            closeForViolation(violation, () => socket.close(CloseCode.WITH_ERROR, violation));
            return false;
          }
          if (joinDeadline !== undefined && protocolCodeOf(args[0] as Uint8Array) === Protocol.JOIN_ROOM) {
            clearTimeout(joinDeadline);
            joinDeadline = undefined;
          }
        }
        return emit.call(this, event, ...args);
      } as WebSocket["emit"];
      const counted = traffic?.socketOpened(roomType);
      if (counted !== undefined) socket.on("message", (data: Buffer) => counted.received(data.length));
      const send = socket.send;
      const backlog = backlogs.track(socket, () => onProtocolViolation?.(roomType, "slow_reader"));
      // colyseus-internal: socket-send-wrap
      socket.send = function (this: WebSocket, data: Parameters<WebSocket["send"]>[0], ...rest: unknown[]) {
        if (counted !== undefined && (data instanceof Uint8Array || typeof data === "string")) counted.sent(data);
        (send as (...args: unknown[]) => void).call(this, data, ...rest);
        backlog.sent(typeof data === "string" ? Buffer.byteLength(data) : (data as Uint8Array).byteLength);
      } as WebSocket["send"];
    });
  }

  override shutdown(): void {
    this.#backlogs.stop();
    super.shutdown();
  }
}

/** A client queued past this many times the bound is cut at once, draining or not. */
const HARD_BACKLOG_FACTOR = 16;

/**
 * Judges clients with a backlog by whether they drain it, not by its size at one instant.
 * A burst (a full state on join, a chat history, a flurry of messages) can put more than
 * the bound in a reader's queue between two of its reads; that reader is draining, and
 * cutting it would punish the healthy. So a client over the bound is watched: bytes
 * drained = bytes handed to its socket - bytes still queued (ws's `bufferedAmount`); each
 * sweep that finds it has drained more is progress. One that drains nothing for `stallMs`
 * while over the bound has stopped reading, and is cut; one over `HARD_BACKLOG_FACTOR`
 * times the bound is cut at once, whatever it drains, so memory stays bounded.
 */
class BacklogWatch {
  /** Sockets over the bound: what they had drained when last seen progressing, and when. */
  readonly #watched = new Map<WebSocket, { drained: number; since: number; readonly sentTotal: () => number; readonly cut: () => void }>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly maxBufferedBytes: number,
    readonly stallMs: number,
  ) {
    // One timer for the process, visiting only the sockets with a backlog.
    this.#timer = setInterval(() => this.#sweep(), Math.min(Math.max(stallMs / 4, 25), 500));
    this.#timer.unref();
  }

  /** Start counting what is sent to `socket`; `onCut` is told when it is cut for not reading. */
  track(socket: WebSocket, onCut: () => void): { sent(bytes: number): void } {
    let sentTotal = 0;
    const cut = (): void => {
      this.#watched.delete(socket);
      if (socket.readyState !== socket.OPEN) return;
      onCut();
      socket.terminate();
    };
    socket.once("close", () => this.#watched.delete(socket));
    return {
      sent: (bytes) => {
        sentTotal += bytes;
        const queued = socket.bufferedAmount;
        if (queued <= this.maxBufferedBytes) return;
        if (queued > this.maxBufferedBytes * HARD_BACKLOG_FACTOR) cut();
        else if (!this.#watched.has(socket)) {
          this.#watched.set(socket, { drained: sentTotal - queued, since: performance.now(), sentTotal: () => sentTotal, cut });
        }
      },
    };
  }

  #sweep(): void {
    const now = performance.now();
    for (const [socket, watch] of this.#watched) {
      const queued = socket.bufferedAmount;
      if (queued <= this.maxBufferedBytes) {
        this.#watched.delete(socket);
        continue;
      }
      const drained = watch.sentTotal() - queued;
      if (drained > watch.drained) {
        watch.drained = drained;
        watch.since = now;
      } else if (now - watch.since >= this.stallMs) {
        watch.cut();
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#watched.clear();
  }
}
