import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { type EventLoopUtilization, performance } from "node:perf_hooks";
import { Protocol, type Room } from "@colyseus/core";
import type { Request, Response } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RoomObserver } from "../rooms/base/observer.ts";
import { protocolCodeOf } from "../shared/protocol.ts";

/**
 * Prometheus metrics of one server process (`GET /metrics`). Each server gets its own
 * registry, so several servers in one test process never share counters.
 *
 * Hot paths stay cheap: per-frame traffic is summed into plain numbers per room type and
 * folded into the counters only when Prometheus scrapes; per-tick durations go straight
 * into a histogram (one observation per room per tick, not per client).
 */

/** What a socket's traffic is filed under: the protocol code of each outgoing frame. */
type FrameKind = "state" | "patch" | "message" | "other";

/** Per-socket counting handle; see `TrafficObserver`. */
export interface SocketTraffic {
  received(bytes: number): void;
  sent(frame: Uint8Array | Buffer | string): void;
}

/** How the transport reports each socket's frames. */
export interface TrafficObserver {
  /** A WebSocket opened for a room of `roomType` ("none" when the room is unknown). */
  socketOpened(roomType: string): SocketTraffic;
}

class TrafficTotals {
  receivedFrames = 0;
  receivedBytes = 0;
  readonly sentFrames: Record<FrameKind, number> = { state: 0, patch: 0, message: 0, other: 0 };
  readonly sentBytes: Record<FrameKind, number> = { state: 0, patch: 0, message: 0, other: 0 };
}

// colyseus-internal: protocol-framing
function kindOf(frame: Uint8Array | Buffer | string): FrameKind {
  if (typeof frame === "string" || frame.length === 0) return "other";
  const code = protocolCodeOf(frame);
  if (code === Protocol.ROOM_STATE_PATCH) return "patch";
  if (code === Protocol.ROOM_STATE) return "state";
  if (code === Protocol.ROOM_DATA || code === Protocol.ROOM_DATA_BYTES) return "message";
  return "other";
}

/** Matchmaking routes whose latency is recorded; the label is bounded to these names. */
const MATCHMAKE_METHODS = new Set(["joinOrCreate", "create", "join", "joinById", "reconnect"]);

function matchmakeMethod(url: string): string | undefined {
  const path = url.split("?")[0] ?? "";
  const segments = path.split("/");
  if (segments[1] === "matchmake") {
    const method = segments[2] ?? "";
    return MATCHMAKE_METHODS.has(method) ? method : "other";
  }
  if (segments[1] === "join-code") return "joinCode";
  return undefined;
}

function outcomeOf(status: number): string {
  if (status < 400) return "ok";
  return status < 500 ? "refused" : "error";
}

export class TickroomMetrics implements RoomObserver, TrafficObserver {
  readonly registry = new Registry();
  readonly #rooms = new Map<string, Set<Room>>();
  readonly #traffic = new Map<string, TrafficTotals>();
  /** What the counters already hold, to fold in only the difference on each scrape. */
  readonly #folded = new Map<string, TrafficTotals>();

  readonly #joins: Counter<"type">;
  readonly #leaves: Counter<"type">;
  readonly #matchmaking: Histogram<"method" | "outcome">;
  readonly #tickDuration: Histogram<"type">;
  readonly #tickOverruns: Counter<"type">;
  readonly #rejected: Counter<"type" | "reason">;
  readonly #drops: Counter<"type">;
  readonly #reconnections: Counter<"type">;
  readonly #recordings: Counter<"type" | "outcome">;
  readonly #recordingBytes: Counter<"type">;
  readonly #moves: Counter<"type" | "outcome">;
  readonly #checkpointRooms: Counter;
  readonly #checkpointSeconds: Counter;
  readonly #checkpointBytes: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    registerEventLoopUtilization(this.registry);
    const rooms = this.#rooms;
    new Gauge({
      name: "tickroom_rooms",
      help: "Rooms hosted by this process, by room type.",
      labelNames: ["type"],
      registers,
      collect() {
        this.reset();
        for (const [type, set] of rooms) this.set({ type }, set.size);
      },
    });
    new Gauge({
      name: "tickroom_clients",
      help: "Connected clients (seats held for reconnection excluded), by room type.",
      labelNames: ["type"],
      registers,
      collect() {
        this.reset();
        for (const [type, set] of rooms) {
          let clients = 0;
          for (const room of set) clients += room.clients.length;
          this.set({ type }, clients);
        }
      },
    });
    this.#joins = new Counter({ name: "tickroom_joins_total", help: "Clients that joined a room, by room type.", labelNames: ["type"], registers });
    this.#leaves = new Counter({ name: "tickroom_leaves_total", help: "Clients that left a room for good, by room type.", labelNames: ["type"], registers });
    this.#matchmaking = new Histogram({
      name: "tickroom_matchmake_duration_seconds",
      help: "HTTP matchmaking (seat reservation) latency, by route method and outcome (ok, refused = 4xx, error = 5xx).",
      labelNames: ["method", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#tickDuration = new Histogram({
      name: "tickroom_tick_duration_seconds",
      help: "Duration of one fixed-timestep step of a real-time room, by room type.",
      labelNames: ["type"],
      // Fine below 2 ms, where a healthy 60 Hz step lives; coarse up to a whole budget and past it.
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.004, 0.008, 0.0167, 0.033, 0.1],
      registers,
    });
    this.#tickOverruns = new Counter({
      name: "tickroom_tick_overruns_total",
      help: "Steps that took longer than their tick budget (1/tick rate), by room type.",
      labelNames: ["type"],
      registers,
    });
    this.#rejected = new Counter({
      name: "tickroom_rejected_messages_total",
      help: "Client messages refused, by room type and reason (invalid_payload, unknown_type, flood, oversized, or the error code of an illegal action).",
      labelNames: ["type", "reason"],
      registers,
    });
    this.#drops = new Counter({
      name: "tickroom_drops_total",
      help: "Abnormal disconnects whose seat was held for reconnection, by room type.",
      labelNames: ["type"],
      registers,
    });
    this.#reconnections = new Counter({
      name: "tickroom_reconnections_total",
      help: "Dropped clients that came back within the window, by room type.",
      labelNames: ["type"],
      registers,
    });
    this.#recordings = new Counter({
      name: "tickroom_recordings_total",
      help: "Match recordings kept (saved) or lost to a storage failure (failed; the match went on), by room type.",
      labelNames: ["type", "outcome"],
      registers,
    });
    this.#recordingBytes = new Counter({
      name: "tickroom_recording_bytes_total",
      help: "Compressed bytes of the match recordings kept, by room type.",
      labelNames: ["type"],
      registers,
    });
    this.#moves = new Counter({
      name: "tickroom_room_moves_total",
      help: "Rooms in a drain or a failover (docs/deploying.md): moved to a peer, drained the old way (not movable), failed to move, adopted from a dead process's checkpoint, refused (a snapshot that would not restore), or fenced (adopted elsewhere while this process was cut off from Redis).",
      labelNames: ["type", "outcome"],
      registers,
    });
    this.#checkpointRooms = new Counter({ name: "tickroom_checkpoint_rooms_total", help: "Room snapshots written to Redis as checkpoints.", registers });
    this.#checkpointSeconds = new Counter({
      name: "tickroom_checkpoint_seconds_total",
      help: "Event-loop time spent taking and serializing checkpoints (the cost to the tick).",
      registers,
    });
    this.#checkpointBytes = new Counter({ name: "tickroom_checkpoint_bytes_total", help: "Bytes of checkpoints written to Redis.", registers });

    // Per-frame traffic lives in plain numbers; the first of these counters folds it into
    // all four when scraped (the registry reads each metric right after its own collect).
    const received: Counter<"type"> = new Counter({
      name: "tickroom_received_messages_total",
      help: "WebSocket frames received from clients, by room type.",
      labelNames: ["type"],
      registers,
      collect: () => this.#foldTraffic(received, receivedBytes, sent, sentBytes),
    });
    const receivedBytes = new Counter({
      name: "tickroom_received_bytes_total",
      help: "WebSocket payload bytes received from clients, by room type.",
      labelNames: ["type"],
      registers,
    });
    const sent = new Counter({
      name: "tickroom_sent_messages_total",
      help: "WebSocket frames sent to clients, by room type and kind (state, patch, message, other).",
      labelNames: ["type", "kind"],
      registers,
    });
    const sentBytes = new Counter({
      name: "tickroom_sent_bytes_total",
      help: 'WebSocket payload bytes sent to clients, by room type and kind; kind="patch" is the state patch bytes.',
      labelNames: ["type", "kind"],
      registers,
    });
  }

  /** Track a room type's rooms and membership through its matchmaker handler events. */
  // colyseus-internal: handler-lifecycle-events
  watchRoomType(roomType: string, handler: { on(event: string, listener: (...args: never[]) => void): unknown }): void {
    const rooms = new Set<Room>();
    this.#rooms.set(roomType, rooms);
    const joins = this.#joins.labels(roomType);
    const leaves = this.#leaves.labels(roomType);
    handler.on("create", (room: Room) => {
      rooms.add(room);
    });
    handler.on("dispose", (room: Room) => {
      rooms.delete(room);
    });
    handler.on("join", () => {
      joins.inc();
    });
    handler.on("leave", () => {
      leaves.inc();
    });
  }

  /** Record the latency of every matchmaking request the HTTP server answers. */
  watchMatchmaking(server: HttpServer): void {
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      if (request.method !== "POST") return;
      const method = matchmakeMethod(request.url ?? "");
      if (method === undefined) return;
      const end = this.#matchmaking.startTimer({ method });
      response.once("finish", () => end({ outcome: outcomeOf(response.statusCode) }));
    });
  }

  tick(roomType: string, seconds: number, budgetSeconds: number): void {
    this.#tickDuration.observe({ type: roomType }, seconds);
    if (seconds > budgetSeconds) this.#tickOverruns.inc({ type: roomType });
  }

  rejected(roomType: string, reason: string): void {
    this.#rejected.inc({ type: roomType, reason });
  }

  dropped(roomType: string): void {
    this.#drops.inc({ type: roomType });
  }

  reconnected(roomType: string): void {
    this.#reconnections.inc({ type: roomType });
  }

  checkpoint(rooms: number, seconds: number, bytes: number): void {
    this.#checkpointRooms.inc(rooms);
    this.#checkpointSeconds.inc(seconds);
    this.#checkpointBytes.inc(bytes);
  }

  roomMove(roomType: string, outcome: "moved" | "drained" | "failed" | "adopted" | "refused" | "fenced"): void {
    this.#moves.inc({ type: roomType, outcome });
  }

  recording(roomType: string, outcome: "saved" | "failed", bytes: number): void {
    this.#recordings.inc({ type: roomType, outcome });
    if (bytes > 0) this.#recordingBytes.inc({ type: roomType }, bytes);
  }

  socketOpened(roomType: string): SocketTraffic {
    let totals = this.#traffic.get(roomType);
    if (totals === undefined) {
      totals = new TrafficTotals();
      this.#traffic.set(roomType, totals);
    }
    const t = totals;
    return {
      received(bytes: number): void {
        t.receivedFrames++;
        t.receivedBytes += bytes;
      },
      sent(frame: Uint8Array | Buffer | string): void {
        const kind = kindOf(frame);
        t.sentFrames[kind]++;
        t.sentBytes[kind] += typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
      },
    };
  }

  #foldTraffic(received: Counter<"type">, receivedBytes: Counter<"type">, sent: Counter<"type" | "kind">, sentBytes: Counter<"type" | "kind">): void {
    for (const [type, totals] of this.#traffic) {
      let folded = this.#folded.get(type);
      if (folded === undefined) {
        folded = new TrafficTotals();
        this.#folded.set(type, folded);
      }
      received.inc({ type }, totals.receivedFrames - folded.receivedFrames);
      receivedBytes.inc({ type }, totals.receivedBytes - folded.receivedBytes);
      folded.receivedFrames = totals.receivedFrames;
      folded.receivedBytes = totals.receivedBytes;
      for (const kind of Object.keys(totals.sentFrames) as FrameKind[]) {
        sent.inc({ type, kind }, totals.sentFrames[kind] - folded.sentFrames[kind]);
        sentBytes.inc({ type, kind }, totals.sentBytes[kind] - folded.sentBytes[kind]);
        folded.sentFrames[kind] = totals.sentFrames[kind];
        folded.sentBytes[kind] = totals.sentBytes[kind];
      }
    }
  }

  /** `GET /metrics` in the Prometheus text format. */
  route() {
    return async (_request: Request, response: Response): Promise<void> => {
      response.set("Content-Type", this.registry.contentType);
      response.send(await this.registry.metrics());
    };
  }
}

/**
 * The share of time the event loop was busy since the previous scrape (0..1): how close
 * the process is to saturation. The benchmark reads it over its window (a scrape opens
 * the window, the next one reads it); its baselines register it too.
 */
export function registerEventLoopUtilization(registry: Registry): void {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  new Gauge({
    name: "tickroom_event_loop_utilization",
    help: "Share of time the event loop was busy since the previous scrape (0..1).",
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, last).utilization);
      last = now;
    },
  });
}
