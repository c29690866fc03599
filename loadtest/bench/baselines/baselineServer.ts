import { createServer, type IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import { Counter, Histogram, Registry } from "prom-client";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { type InputFrame, newTimers, type PlayerBody, type PlayerTimers, sanitizeInput, spawn, stepArena } from "../../../rooms/arena/rules.ts";
import { ARENA, type ShotEvent } from "../../../rooms/arena/shapes.ts";
import type { TickInputs } from "../../../rooms/base/tickInputs.ts";
import { registerEventLoopUtilization } from "../../../server/metrics.ts";
import { seededRandom } from "../../../shared/random.ts";

/**
 * The arena without Colyseus, for the benchmark's baselines: the same pure rules
 * (`stepArena`), the same 60 Hz step, 20 Hz broadcast and 16 players per room, on a plain
 * `ws` server. Only the wire format differs, and that is what a `WireFormat` decides.
 * Lag compensation is left out (shots are judged at present positions), which only
 * flatters the baselines.
 */

export interface BaselinePlayer extends PlayerBody {
  readonly id: string;
  /** Seat in the room, 0..15: the wire-limit format's one-byte player id. */
  readonly slot: number;
  readonly name: string;
  connected: boolean;
}

export interface BaselineRoom {
  tick: number;
  readonly players: Map<string, BaselinePlayer>;
  /** Shots fired since the last broadcast. */
  readonly shots: ShotEvent[];
  /** Players who left since the last broadcast (ids and slots). */
  readonly departed: BaselinePlayer[];
}

export interface WireFormat {
  readonly name: string;
  /**
   * Decode one input message: `push` each frame it carries, oldest first (the frame is
   * reused: copy it). False when malformed: the message is ignored.
   */
  readInputs(data: RawData, isBinary: boolean, push: (frame: InputFrame) => void): boolean;
  /** Everything a newcomer needs. `t` is the room's simulation time in ms. */
  snapshot(room: BaselineRoom, t: number): Buffer | string;
  /** What every client of the room gets each broadcast: encoded once, sent to all. */
  broadcast(room: BaselineRoom, t: number): Buffer | string;
}

/** Frames a seat buffers, and the most one tick applies after a late arrival: tickroom's defaults at 60 Hz. */
const INPUT_BUFFER = 32;
const MAX_FRAMES_PER_TICK = 2;

/**
 * A seat's input frames, applied about as tickroom's real-time base applies them: one a
 * tick over time, banked while frames are late and spent up to 2 in a tick when they arrive,
 * so a batch of frames in one message moves a player exactly as far as the frames say.
 */
class InputQueue {
  readonly #frames: InputFrame[] = Array.from({ length: INPUT_BUFFER }, () => ({ x: 0, y: 0, angle: 0, fire: false }));
  #head = 0;
  #count = 0;
  #allowance = 0;

  push(frame: InputFrame): void {
    if (this.#count === INPUT_BUFFER) {
      this.#head = (this.#head + 1) % INPUT_BUFFER;
      this.#count--;
    }
    const slot = this.#frames[(this.#head + this.#count) % INPUT_BUFFER]!;
    slot.x = frame.x;
    slot.y = frame.y;
    slot.angle = frame.angle;
    slot.fire = frame.fire;
    sanitizeInput(slot);
    this.#count++;
  }

  tick(): void {
    this.#allowance = Math.min(this.#allowance + 1, INPUT_BUFFER);
  }

  drain(apply: (frame: InputFrame) => void): void {
    let due = Math.min(this.#allowance, MAX_FRAMES_PER_TICK, this.#count);
    this.#allowance -= due;
    while (due-- > 0) {
      apply(this.#frames[this.#head]!);
      this.#head = (this.#head + 1) % INPUT_BUFFER;
      this.#count--;
    }
  }
}

interface Seat {
  readonly socket: WebSocket;
  readonly player: BaselinePlayer;
  readonly inputs: InputQueue;
}

class Room implements BaselineRoom {
  tick = 0;
  readonly players = new Map<string, BaselinePlayer>();
  readonly shots: ShotEvent[] = [];
  readonly departed: BaselinePlayer[] = [];
  readonly seats = new Map<string, Seat>();
  readonly timers = new Map<string, PlayerTimers>();
  readonly random = seededRandom(7);
  readonly startedAt = performance.now();
  /** Simulation time of the last step, ms since the room started (what snapshots are stamped with). */
  simulatedAt = 0;
  readonly #stepTimer: NodeJS.Timeout;
  readonly #broadcastTimer: NodeJS.Timeout;
  readonly #inputs: TickInputs<InputFrame> = {
    forEach: (playerId, apply) => {
      this.seats.get(playerId)?.inputs.drain(apply);
    },
    seen: (_viewerId, target, field) => target[field] as number,
  };

  constructor(
    readonly region: string,
    private readonly format: WireFormat,
    private readonly onTick: (seconds: number) => void,
    private readonly onEmpty: () => void,
  ) {
    this.#stepTimer = setInterval(() => this.step(), 1000 / ARENA.tickRate);
    this.#broadcastTimer = setInterval(() => this.broadcast(), 50);
  }

  freeSlot(): number | undefined {
    const taken = new Set([...this.players.values()].map((p) => p.slot));
    for (let slot = 0; slot < ARENA.maxPlayers; slot++) if (!taken.has(slot)) return slot;
    return undefined;
  }

  join(socket: WebSocket, id: string, slot: number): void {
    const player: BaselinePlayer = {
      id,
      slot,
      name: `player-${id}`,
      x: 0,
      y: 0,
      angle: 0,
      hp: 100,
      score: 0,
      alive: true,
      team: 0,
      reload: 0,
      connected: true,
    };
    spawn(player, this.random);
    this.players.set(id, player);
    this.timers.set(id, newTimers());
    const seat: Seat = { socket, player, inputs: new InputQueue() };
    this.seats.set(id, seat);
    socket.send(this.format.snapshot(this, this.simulatedAt));
    const push = (frame: InputFrame): void => seat.inputs.push(frame);
    socket.on("message", (data, isBinary) => {
      this.format.readInputs(data, isBinary, push);
    });
    socket.on("close", () => this.leave(id));
  }

  leave(id: string): void {
    const player = this.players.get(id);
    if (player === undefined) return;
    this.players.delete(id);
    this.timers.delete(id);
    this.seats.delete(id);
    this.departed.push(player);
    if (this.players.size === 0) {
      clearInterval(this.#stepTimer);
      clearInterval(this.#broadcastTimer);
      this.onEmpty();
    }
  }

  step(): void {
    const startedAt = performance.now();
    for (const seat of this.seats.values()) seat.inputs.tick();
    stepArena(this, this.timers, this.#inputs, 1 / ARENA.tickRate, this.random, this.shots);
    this.simulatedAt = Math.round(startedAt - this.startedAt);
    this.onTick((performance.now() - startedAt) / 1000);
  }

  broadcast(): void {
    const frame = this.format.broadcast(this, this.simulatedAt);
    for (const seat of this.seats.values()) seat.socket.send(frame);
    this.shots.length = 0;
    this.departed.length = 0;
  }
}

/**
 * Serve the baseline on an OS-assigned port: WebSocket at `/?region=<name>` (players fill
 * a region's room to 16, then a new one opens) and `GET /metrics` with the same tick
 * histogram as tickroom, so the benchmark reads both the same way.
 */
export async function runBaselineServer(format: WireFormat): Promise<void> {
  const registry = new Registry();
  const tickDuration = new Histogram({
    name: "tickroom_tick_duration_seconds",
    help: "Duration of one step.",
    labelNames: ["type"],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.004, 0.008, 0.0167, 0.033, 0.1],
    registers: [registry],
  });
  registerEventLoopUtilization(registry);
  const overruns = new Counter({ name: "tickroom_tick_overruns_total", help: "Steps over budget.", labelNames: ["type"], registers: [registry] });
  const onTick = (seconds: number): void => {
    tickDuration.observe({ type: "arena" }, seconds);
    if (seconds > 1 / ARENA.tickRate) overruns.inc({ type: "arena" });
  };

  const http = createServer((request, response) => {
    if (request.url === "/metrics") {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": registry.contentType });
          response.end(text);
        },
        () => response.writeHead(500).end(),
      );
      return;
    }
    response.writeHead(404).end();
  });
  const rooms = new Map<string, Room[]>();
  let nextId = 0;
  const wss = new WebSocketServer({ server: http, maxPayload: 4096 });
  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    const region = new URL(request.url ?? "/", "ws://baseline").searchParams.get("region") ?? "global";
    const regionRooms = rooms.get(region) ?? [];
    rooms.set(region, regionRooms);
    let room = regionRooms.find((r) => r.players.size < ARENA.maxPlayers);
    if (room === undefined) {
      const created: Room = new Room(region, format, onTick, () => regionRooms.splice(regionRooms.indexOf(created), 1));
      regionRooms.push(created);
      room = created;
    }
    room.join(socket, (nextId++).toString(36), room.freeSlot() ?? 0);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  console.log(`baseline ${format.name} listening on http://127.0.0.1:${port}`);
  process.once("SIGTERM", () => {
    for (const client of wss.clients) client.terminate();
    http.close(() => process.exit(0));
  });
}
