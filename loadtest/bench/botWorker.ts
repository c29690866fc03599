import type { InputFrame } from "../../rooms/arena/rules.ts";
import { type BenchBot, joinTarget, type TargetKind, type Window } from "./benchBots.ts";

/**
 * One load-generator process of the benchmark, driven over IPC by bench.ts. It holds a
 * share of the bots, drives all of them from a single 60 Hz loop (one timer, not one per
 * bot: the generator must stay light) and reports what they measured.
 */

export type WorkerCommand =
  /** Join each group's players in order (one room per region); up to `concurrency` groups at once. */
  | { readonly cmd: "connect"; readonly kind: TargetKind; readonly port: number; readonly groups: readonly JoinGroup[]; readonly concurrency: number }
  | { readonly cmd: "measure" }
  | { readonly cmd: "report" }
  | { readonly cmd: "disconnect" };

export interface JoinGroup {
  readonly region: string;
  readonly count: number;
}

export interface ConnectResult {
  readonly connected: number;
  readonly failed: number;
  readonly setupMs: number[];
  readonly errors: string[];
}

export interface WindowReport {
  readonly clients: number;
  readonly seconds: number;
  readonly frames: number;
  readonly bytes: number;
  readonly patches: number;
  /** Patches and clients of each room (by region: one room each), to see whether some rooms starve while others are served. */
  readonly rooms: Readonly<Record<string, { readonly patches: number; readonly clients: number }>>;
  /** Per patch: ms above its connection's fastest delivery. */
  readonly delaysMs: number[];
  readonly dropped: number;
}

export type WorkerReply =
  | { readonly cmd: "connect"; readonly result: ConnectResult }
  | { readonly cmd: "measure" }
  | { readonly cmd: "report"; readonly result: WindowReport }
  | { readonly cmd: "disconnect" };

const window: Window = { measuring: false };
let bots: BenchBot[] = [];
const regionOf = new WeakMap<BenchBot, string>();
let windowStartedAt = 0;

/** Each bot wanders with a slowly turning stick, sweeps its aim and fires in bursts. */
class Behaviour {
  heading = Math.random() * Math.PI * 2;
  aim = Math.random() * Math.PI * 2;
  tick = Math.floor(Math.random() * 120);
  readonly input: InputFrame = { x: 0, y: 0, angle: 0, fire: false };

  next(): InputFrame {
    this.tick++;
    this.heading += (Math.random() - 0.5) * 0.2;
    this.aim += 0.05;
    if (this.aim > Math.PI) this.aim -= Math.PI * 2;
    this.input.x = Math.fround(Math.cos(this.heading));
    this.input.y = Math.fround(Math.sin(this.heading));
    this.input.angle = Math.fround(this.aim);
    this.input.fire = this.tick % 120 < 60;
    return this.input;
  }
}
const behaviours = new WeakMap<BenchBot, Behaviour>();

setInterval(() => {
  for (const bot of bots) {
    if (bot.record.dropped) continue;
    let behaviour = behaviours.get(bot);
    if (behaviour === undefined) {
      behaviour = new Behaviour();
      behaviours.set(bot, behaviour);
    }
    bot.send(behaviour.next());
  }
}, 1000 / 60);

async function connect(kind: TargetKind, port: number, groups: readonly JoinGroup[], concurrency: number): Promise<ConnectResult> {
  const setupMs: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < groups.length) {
      const { region, count } = groups[next++] as JoinGroup;
      for (let index = 0; index < count; index++) {
        try {
          const bot = await joinTarget(kind, port, region, `bot-${region}-${index}`, window);
          bots.push(bot);
          regionOf.set(bot, region);
          setupMs.push(bot.setupMs);
        } catch (error) {
          failed++;
          if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { connected: setupMs.length, failed, setupMs, errors };
}

function report(): WindowReport {
  window.measuring = false;
  const seconds = (performance.now() - windowStartedAt) / 1000;
  let frames = 0,
    bytes = 0,
    patches = 0,
    dropped = 0;
  const delaysMs: number[] = [];
  const rooms: Record<string, { patches: number; clients: number }> = {};
  for (const bot of bots) {
    const r = bot.record;
    frames += r.frames;
    bytes += r.bytes;
    patches += r.patches;
    const region = regionOf.get(bot) ?? "unknown";
    const room = rooms[region] ?? { patches: 0, clients: 0 };
    room.patches += r.patches;
    room.clients++;
    rooms[region] = room;
    if (r.dropped) dropped++;
    for (const age of r.ages) delaysMs.push(age - r.minAge);
  }
  return { clients: bots.length, seconds, frames, bytes, patches, rooms, delaysMs, dropped };
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

process.on("message", (message: WorkerCommand) => {
  switch (message.cmd) {
    case "connect":
      void connect(message.kind, message.port, message.groups, message.concurrency).then((result) => reply({ cmd: "connect", result }));
      break;
    case "measure":
      for (const bot of bots) bot.record.reset();
      windowStartedAt = performance.now();
      window.measuring = true;
      reply({ cmd: "measure" });
      break;
    case "report":
      reply({ cmd: "report", result: report() });
      break;
    case "disconnect": {
      const leaving = bots;
      bots = [];
      void Promise.all(leaving.map((bot) => bot.close())).then(() => reply({ cmd: "disconnect" }));
      break;
    }
  }
});
process.on("disconnect", () => process.exit(0));
