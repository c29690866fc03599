import { Client, Protocol, Room } from "@colyseus/sdk";
import { BatchedInput, DEFAULT_INPUTS_PER_MESSAGE } from "../../client/inputBatch.ts";
import type { InputFrame } from "../../rooms/arena/rules.ts";
import { ArenaInput } from "../../schema/ArenaState.ts";
import { protocolCodeOf } from "../../shared/protocol.ts";
import { INPUT_BYTES } from "./baselines/wireLimit.ts";

/**
 * The benchmark's players, one connector per server under test. They join, send one
 * input per 60 Hz tick (the worker drives them) and time-stamp every state frame, but do
 * not decode state: a full SDK client costs about three times what the server spends on
 * it, and the point is to measure the server. The tickroom bot is a real `@colyseus/sdk`
 * client (matchmaking, handshake, full state on join, the input channel with its acks);
 * only patch bodies and broadcast messages are counted and dropped instead of decoded.
 */

export type TargetKind = "tickroom" | "naive-json" | "wire-limit";

/** What a bot measured; `ages` are (arrival - server simulation time) in ms, offset per connection. */
class BotRecord {
  frames = 0;
  bytes = 0;
  patches = 0;
  /** Smallest age seen since joining: the connection's fastest delivery. */
  minAge = Infinity;
  readonly ages: number[] = [];
  dropped = false;

  reset(): void {
    this.frames = 0;
    this.bytes = 0;
    this.patches = 0;
    this.ages.length = 0;
  }
}

export interface BenchBot {
  readonly record: BotRecord;
  readonly setupMs: number;
  send(input: InputFrame): void;
  close(): Promise<void>;
}

/** Shared switch: bots only keep samples while the window is open. */
export interface Window {
  measuring: boolean;
}

function stateFrame(record: BotRecord, window: Window, bytes: number, simulationMs: number): void {
  const age = performance.now() - simulationMs;
  if (age < record.minAge) record.minAge = age;
  if (!window.measuring) return;
  record.frames++;
  record.bytes += bytes;
  record.patches++;
  record.ages.push(age);
}

function otherFrame(record: BotRecord, window: Window, bytes: number): void {
  if (!window.measuring) return;
  record.frames++;
  record.bytes += bytes;
}

/** 0x80 marks a TIMED frame (see shared/protocol.ts for the layout of the first byte). */
const TIMED = 0x80;
/** Protocol byte plus the TIMED prefix (u32 server ms, u32 input ack). */
const TIMED_HEADER = 9;

/** What the frame counter keeps per SDK room; created when the room's first frame arrives. */
interface Interception {
  readonly record: BotRecord;
  readonly fullState: Promise<number>;
  resolveFullState(at: number): void;
}

const interceptions = new WeakMap<object, Interception>();
let countingWindow: Window = { measuring: false };
let installed = false;

function interceptionOf(room: object): Interception {
  let interception = interceptions.get(room);
  if (interception === undefined) {
    let resolve!: (at: number) => void;
    const fullState = new Promise<number>((done) => {
      resolve = done;
    });
    interception = { record: new BotRecord(), fullState, resolveFullState: resolve };
    interceptions.set(room, interception);
  }
  return interception;
}

/**
 * Count and time-stamp frames before the SDK sees them, from the very first one: the SDK
 * binds `onMessageCallback` when it opens the socket, and several frames can be dispatched
 * before `joinOrCreate()` resolves, so the prototype is the only early-enough hook. Patch
 * bodies and broadcast messages stop here; everything else (handshake, full state, errors)
 * goes on to the SDK, as do the TIMED prefixes that carry the input acks.
 */
// colyseus-internal: bench-frame-hook
// colyseus-internal: protocol-framing
function installFrameCounter(window: Window): void {
  countingWindow = window;
  if (installed) return;
  installed = true;
  const prototype = Room.prototype as unknown as { onMessageCallback(event: { data: ArrayBuffer | Uint8Array }): void };
  const forward = prototype.onMessageCallback;
  prototype.onMessageCallback = function (this: object, event: { data: ArrayBuffer | Uint8Array }): void {
    const { record, resolveFullState } = interceptionOf(this);
    const frame = new Uint8Array(event.data);
    const code = protocolCodeOf(frame);
    const timed = ((frame[0] as number) & TIMED) !== 0;
    if (code === Protocol.ROOM_STATE_PATCH) {
      if (!timed) return;
      stateFrame(record, countingWindow, frame.length, Buffer.from(frame.buffer, frame.byteOffset, frame.length).readUInt32LE(1));
      forward.call(this, { data: frame.subarray(0, TIMED_HEADER) });
      return;
    }
    otherFrame(record, countingWindow, frame.length);
    if (code === Protocol.ROOM_DATA) return;
    forward.call(this, event);
    if (code === Protocol.ROOM_STATE) resolveFullState(performance.now());
  };
}

// colyseus-internal: input-type-explicit
async function joinTickroom(port: number, region: string, name: string, window: Window): Promise<BenchBot> {
  installFrameCounter(window);
  const started = performance.now();
  const room = await new Client(`http://127.0.0.1:${port}`).joinOrCreate("arena", { name, region });
  room.reconnection.enabled = false;
  const { record, fullState } = interceptionOf(room);
  const setupMs = (await fullState) - started;
  room.onLeave(() => {
    record.dropped = true;
  });
  // The class given explicitly: a class rebuilt from each handshake is cached forever.
  // Inputs travel as a real client's do (client/netcode.ts): several steps per message.
  const input = new BatchedInput(room, { type: ArenaInput, inputsPerMessage: DEFAULT_INPUTS_PER_MESSAGE });
  return {
    record,
    setupMs,
    send(frame: InputFrame): void {
      const data = input.handle.data as unknown as InputFrame;
      data.x = frame.x;
      data.y = frame.y;
      data.angle = frame.angle;
      data.fire = frame.fire;
      input.send();
    },
    async close(): Promise<void> {
      room.onLeave.clear();
      await room.leave(true).catch(() => undefined);
    },
  };
}

/** Baselines: a plain WebSocket to `/?region=`, the first frame is the snapshot. */
async function joinBaseline(
  port: number,
  region: string,
  window: Window,
  simulationMsOf: (data: string | ArrayBuffer) => number,
  /** The message to send after this step's input, or undefined while a batch fills. */
  encodeInput: (input: InputFrame) => string | ArrayBuffer | undefined,
): Promise<BenchBot> {
  const record = new BotRecord();
  const started = performance.now();
  const socket = new WebSocket(`ws://127.0.0.1:${port}/?region=${encodeURIComponent(region)}`);
  socket.binaryType = "arraybuffer";
  const setupMs = await new Promise<number>((resolve, reject) => {
    let first = true;
    socket.onerror = () => reject(new Error("baseline connection failed"));
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      const data = event.data;
      // JSON frames are ASCII here, so string length is the byte count.
      stateFrame(record, window, typeof data === "string" ? data.length : data.byteLength, simulationMsOf(data));
      if (first) {
        first = false;
        resolve(performance.now() - started);
      }
    };
  });
  socket.onclose = () => {
    record.dropped = true;
  };
  return {
    record,
    setupMs,
    send(input: InputFrame): void {
      const message = encodeInput(input);
      if (message !== undefined && socket.readyState === WebSocket.OPEN) socket.send(message);
    },
    async close(): Promise<void> {
      socket.onclose = null;
      socket.close();
    },
  };
}

function joinNaiveJson(port: number, region: string, window: Window): Promise<BenchBot> {
  return joinBaseline(
    port,
    region,
    window,
    // Frames start with {"t":<ms>, so the time is read without parsing the state.
    (data) => (typeof data === "string" ? Number(data.slice(5, data.indexOf(",", 5))) : NaN),
    (input) => JSON.stringify({ x: input.x, y: input.y, angle: input.angle, fire: input.fire }),
  );
}

function joinWireLimit(port: number, region: string, window: Window): Promise<BenchBot> {
  let view = new DataView(new ArrayBuffer(0));
  let batched = 0;
  return joinBaseline(
    port,
    region,
    window,
    (data) => (typeof data === "string" ? NaN : new DataView(data).getUint32(1, true)),
    // The floor carries inputs as tickroom's clients do: as many steps per message.
    (input) => {
      if (batched === 0) view = new DataView(new ArrayBuffer(INPUT_BYTES * DEFAULT_INPUTS_PER_MESSAGE));
      const offset = INPUT_BYTES * batched++;
      view.setUint8(offset, input.fire ? 1 : 0);
      view.setFloat32(offset + 1, input.x, true);
      view.setFloat32(offset + 5, input.y, true);
      view.setFloat32(offset + 9, input.angle, true);
      if (batched < DEFAULT_INPUTS_PER_MESSAGE) return undefined;
      batched = 0;
      return view.buffer as ArrayBuffer;
    },
  );
}

export function joinTarget(kind: TargetKind, port: number, region: string, name: string, window: Window): Promise<BenchBot> {
  if (kind === "tickroom") return joinTickroom(port, region, name, window);
  if (kind === "naive-json") return joinNaiveJson(port, region, window);
  return joinWireLimit(port, region, window);
}
