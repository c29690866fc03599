import { type Client, ClientState, SchemaSerializer } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { type InputFrame, newTimers, type PlayerTimers, spawn, stepArena } from "../../rooms/arena/rules.ts";
import { ARENA, freeSlot } from "../../rooms/arena/shapes.ts";
import type { NewRecording } from "../../rooms/base/recordings.ts";
import { type RecordedMatch, RoomRecorder } from "../../rooms/base/roomRecorder.ts";
import type { TickInputs } from "../../rooms/base/tickInputs.ts";
import { ArenaPlayer, ArenaShot, ArenaState } from "../../schema/ArenaState.ts";
import { MAX_SPECTATOR_DELAY_SECONDS } from "../../shared/limits.ts";
import { type Random, seededRandom } from "../../shared/random.ts";

/**
 * An arena match run faster than real time with the real code: an `ArenaState` stepped by
 * the arena's rules (`stepArena`) at 60 Hz, its patches encoded at 20 Hz by Colyseus's own
 * `SchemaSerializer`, and, when asked, a real `RoomRecorder` tapping them on a synthetic
 * clock. What the live room adds around that (sockets, the input channel, lag
 * compensation's history) is left out: the frames are the ones a live arena records, and
 * the time the patch loop takes is the serializer's and the recorder's alone.
 */

/** Patches per second (Colyseus's default patch rate) and steps per patch. */
const PATCH_HZ = 20;
const STEPS_PER_PATCH = ARENA.tickRate / PATCH_HZ;
const STEP_MS = 1000 / ARENA.tickRate;
/** The server's default `RECORDING_KEYFRAME_SECONDS`. */
const DEFAULT_KEYFRAME_MS = 5000;

export type RecorderMode =
  /** No tap: the serializer alone. */
  | "none"
  /** The tap as a room that seats spectators runs it when it records nothing: a buffer for late spectators. */
  | "buffer"
  /** The tap keeping the whole match. */
  | "record";

export interface SyntheticArenaOptions {
  readonly players: number;
  readonly seed: number;
  readonly recorder: RecorderMode;
  /** Connected players as the serializer sees them (each with its own view, as the arena gives them); false: nobody, only the tap. */
  readonly clients: boolean;
  readonly keyframeMs?: number;
}

/** One simulated player: it wanders with a slowly turning stick, sweeps its aim and fires half the time, as the benchmark's bots do. */
class Wanderer {
  readonly input: InputFrame = { x: 0, y: 0, angle: 0, fire: false };
  #heading: number;
  #aim: number;
  #tick: number;

  constructor(private readonly random: Random) {
    this.#heading = random() * Math.PI * 2;
    this.#aim = random() * Math.PI * 2 - Math.PI;
    this.#tick = Math.floor(random() * 120);
  }

  next(): InputFrame {
    this.#tick++;
    this.#heading += (this.random() - 0.5) * 0.2;
    this.#aim += 0.05;
    if (this.#aim > Math.PI) this.#aim -= Math.PI * 2;
    this.input.x = Math.fround(Math.cos(this.#heading));
    this.input.y = Math.fround(Math.sin(this.#heading));
    this.input.angle = Math.fround(this.#aim);
    this.input.fire = this.#tick % 120 < 60;
    return this.input;
  }
}

export class SyntheticArena {
  readonly state = new ArenaState();
  readonly recorder: RoomRecorder | undefined;
  /** Bytes the connected players were sent (what `raw()` received). */
  bytesSent = 0;
  readonly #serializer = new SchemaSerializer<ArenaState>();
  readonly #timers = new Map<string, PlayerTimers>();
  readonly #wanderers = new Map<string, Wanderer>();
  readonly #clients: Client[] = [];
  readonly #random: Random;
  readonly #inputs: TickInputs<InputFrame>;
  #steps = 0;

  constructor(options: SyntheticArenaOptions) {
    this.#random = seededRandom(options.seed);
    this.#serializer.reset(this.state);
    const keyframeMs = options.keyframeMs ?? DEFAULT_KEYFRAME_MS;
    if (options.recorder !== "none") {
      this.recorder = new RoomRecorder(this.#serializer, { keyframeMs, maxDelayMs: MAX_SPECTATOR_DELAY_SECONDS * 1000, now: () => this.nowMs });
      if (options.recorder === "record") this.recorder.startRecording();
    }
    for (let index = 0; index < options.players; index++) {
      const sessionId = `player-${index}`;
      const player = new ArenaPlayer().assign({ name: `wanderer ${index}`, slot: freeSlot(this.state.players) });
      spawn(player, this.#random);
      this.state.players.set(sessionId, player);
      this.#timers.set(sessionId, newTimers());
      this.#wanderers.set(sessionId, new Wanderer(this.#random));
      if (options.clients) {
        // colyseus-internal: recording-tap
        // What the serializer reads of a client; the arena gives each player a view of its own secrets.
        const view = new StateView();
        view.add(player);
        const client = {
          sessionId,
          state: ClientState.JOINED,
          view,
          raw: (bytes: Uint8Array) => {
            this.bytesSent += bytes.byteLength;
          },
        };
        this.#clients.push(client as unknown as Client);
      }
    }
    const wanderers = this.#wanderers;
    this.#inputs = {
      forEach(playerId, apply) {
        const wanderer = wanderers.get(playerId);
        if (wanderer !== undefined) apply(wanderer.next());
      },
      // No lag compensation: each shot is judged where its target is now.
      seen(_viewerId, target, field) {
        return (target as Record<string, unknown>)[field] as number;
      },
    };
  }

  /** Simulated time, ms since the match began. */
  get nowMs(): number {
    return this.#steps * STEP_MS;
  }

  /** One patch's worth of steps (three 60 Hz steps). */
  step(): void {
    const slotOf = (sessionId: string): number => this.state.players.get(sessionId)?.slot ?? 0;
    const shots = { push: (shot: Parameters<typeof ArenaShot.of>[0]) => this.state.shots.push(ArenaShot.of(shot, slotOf)) };
    for (let step = 0; step < STEPS_PER_PATCH; step++) {
      stepArena(this.state, this.#timers, this.#inputs, 1 / ARENA.tickRate, this.#random, shots);
      this.#steps++;
    }
  }

  /** Send the patch as the arena does (TIMED, every client its view), then empty the per-patch events, as the room's `broadcastPatch` does. */
  patch(): void {
    this.#serializer.applyPatches(this.#clients, this.state, { sNow: this.nowMs });
    if (this.state.shots.length > 0) this.state.shots.clear();
  }

  /** The players' joins on the recording's timeline, as a live room marks them (after its first keyframe). */
  markJoins(): void {
    for (const [sessionId, player] of this.state.players) this.recorder?.mark({ event: "join", sessionId, name: player.name, spectator: false });
  }
}

export interface SyntheticRecording {
  readonly recording: NewRecording;
  readonly patches: number;
  /** Wall time the simulation, the encoding and the recording took. */
  readonly buildMs: number;
}

/** A whole recorded arena match of `minutes`, made as fast as the machine goes; `matchId` names it. */
export function recordSyntheticMatch(matchId: string, minutes: number, options: { players: number; seed: number; keyframeMs?: number }): SyntheticRecording {
  const started = performance.now();
  const arena = new SyntheticArena({ ...options, recorder: "record", clients: false });
  const recorder = arena.recorder as RoomRecorder;
  const patches = Math.round((minutes * 60_000) / (STEPS_PER_PATCH * STEP_MS));
  for (let index = 0; index < patches; index++) {
    arena.step();
    arena.patch();
    if (index === 0) arena.markJoins();
  }
  const match = recorder.finishRecording() as RecordedMatch;
  const recording: NewRecording = {
    header: {
      matchId,
      roomType: "arena",
      roomId: "synthetic",
      startedAt: match.startedAt,
      durationMs: match.durationMs,
      handshake: Buffer.from(recorder.handshake()).toString("base64"),
    },
    frames: match.frames,
  };
  return { recording, patches, buildMs: performance.now() - started };
}
