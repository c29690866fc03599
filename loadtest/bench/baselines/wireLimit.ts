import type { RawData } from "ws";
import type { InputFrame } from "../../../rooms/arena/rules.ts";
import type { BaselinePlayer, BaselineRoom, WireFormat } from "./baselineServer.ts";

/**
 * Baseline (b), the wire limit: a hand-packed binary delta of exactly what tickroom's
 * arena state carries, at the same precision (float32 positions and aim, uint8 hp, int16
 * score), encoded once per room and broadcast. A generic encoder cannot beat it by much;
 * it is the floor the benchmark measures tickroom's bytes against.
 *
 * Frame (little-endian): u8 kind (1 snapshot, 2 delta) | u32 t (simulation ms) | u32 tick
 * | u8 records | records | u8 shots | shots.
 * Record: u8 slot | u8 mask | fields present in mask order:
 *   0x01 x f32, 0x02 y f32, 0x04 angle f32, 0x08 hp u8, 0x10 score i16,
 *   0x20 flags u8 (alive | connected << 1 | team << 2), 0x40 added: name (u8 length + UTF-8),
 *   0x80 removed (no fields).
 * Shot: u8 shooter slot | u8 target slot (255: miss) | u8 killed | u16 x | u16 y | i16 milliradians
 * (the precision tickroom's `shots` tuples carry).
 * Input (client to server): one or more frames of u8 fire | f32 x | f32 y | f32 angle, as
 * many per message as tickroom's clients put in theirs.
 */

/** Bytes of one input frame. */
export const INPUT_BYTES = 13;
const inputScratch: InputFrame = { x: 0, y: 0, angle: 0, fire: false };

const X = 0x01,
  Y = 0x02,
  ANGLE = 0x04,
  HP = 0x08,
  SCORE = 0x10,
  FLAGS = 0x20,
  ADDED = 0x40,
  REMOVED = 0x80;
const ALL_FIELDS = X | Y | ANGLE | HP | SCORE | FLAGS;

interface Sent {
  x: number;
  y: number;
  angle: number;
  hp: number;
  score: number;
  flags: number;
}

const sentByRoom = new WeakMap<BaselineRoom, Map<string, Sent>>();
const scratch = Buffer.alloc(64 * 1024);

function flagsOf(p: BaselinePlayer): number {
  return (p.alive ? 1 : 0) | (p.connected ? 2 : 0) | (p.team << 2);
}

class Writer {
  offset = 0;
  u8(value: number): void {
    this.offset = scratch.writeUInt8(value & 0xff, this.offset);
  }
  u16(value: number): void {
    this.offset = scratch.writeUInt16LE(Math.max(0, Math.min(65535, value)), this.offset);
  }
  u32(value: number): void {
    this.offset = scratch.writeUInt32LE(value >>> 0, this.offset);
  }
  i16(value: number): void {
    this.offset = scratch.writeInt16LE(Math.max(-32768, Math.min(32767, value)), this.offset);
  }
  f32(value: number): void {
    this.offset = scratch.writeFloatLE(value, this.offset);
  }
  text(value: string): void {
    const length = scratch.write(value.slice(0, 64), this.offset + 1, "utf8");
    scratch.writeUInt8(length, this.offset);
    this.offset += 1 + length;
  }
  /** A copy: the same frame goes to every socket and may sit in their queues. */
  done(): Buffer {
    return Buffer.from(scratch.subarray(0, this.offset));
  }
}

function encode(room: BaselineRoom, t: number, full: boolean): Buffer {
  let sent = sentByRoom.get(room);
  if (sent === undefined) {
    sent = new Map();
    sentByRoom.set(room, sent);
  }
  const w = new Writer();
  w.u8(full ? 1 : 2);
  w.u32(t);
  w.u32(room.tick);
  const countAt = w.offset;
  w.u8(0);
  let records = 0;
  for (const p of room.players.values()) {
    const last = sent.get(p.id);
    const flags = flagsOf(p);
    let mask = full ? ALL_FIELDS | ADDED : last === undefined ? ALL_FIELDS | ADDED : 0;
    if (!full && last !== undefined) {
      if (last.x !== p.x) mask |= X;
      if (last.y !== p.y) mask |= Y;
      if (last.angle !== p.angle) mask |= ANGLE;
      if (last.hp !== p.hp) mask |= HP;
      if (last.score !== p.score) mask |= SCORE;
      if (last.flags !== flags) mask |= FLAGS;
    }
    if (mask === 0) continue;
    records++;
    w.u8(p.slot);
    w.u8(mask);
    if (mask & X) w.f32(p.x);
    if (mask & Y) w.f32(p.y);
    if (mask & ANGLE) w.f32(p.angle);
    if (mask & HP) w.u8(p.hp);
    if (mask & SCORE) w.i16(p.score);
    if (mask & FLAGS) w.u8(flags);
    if (mask & ADDED) w.text(p.name);
    // A snapshot is one newcomer's view: it must not move the room's delta baseline.
    if (!full) sent.set(p.id, { x: p.x, y: p.y, angle: p.angle, hp: p.hp, score: p.score, flags });
  }
  if (!full) {
    for (const p of room.departed) {
      if (!sent.delete(p.id)) continue;
      records++;
      w.u8(p.slot);
      w.u8(REMOVED);
    }
  }
  scratch.writeUInt8(records, countAt);
  const shots = full ? [] : room.shots.slice(0, 255);
  w.u8(shots.length);
  for (const shot of shots) {
    w.u8(room.players.get(shot.shooter)?.slot ?? 255);
    w.u8(shot.target === "" ? 255 : (room.players.get(shot.target)?.slot ?? 255));
    w.u8(shot.killed ? 1 : 0);
    w.u16(Math.round(shot.x));
    w.u16(Math.round(shot.y));
    w.i16(Math.round(shot.angle * 1000));
  }
  return w.done();
}

export const wireLimit: WireFormat = {
  name: "wire-limit",
  /** Frames batched as tickroom's clients batch them: one or more 13-byte frames, oldest first. */
  readInputs(data: RawData, isBinary: boolean, push: (frame: InputFrame) => void): boolean {
    if (!isBinary || !Buffer.isBuffer(data) || data.length === 0 || data.length % INPUT_BYTES !== 0) return false;
    for (let offset = 0; offset < data.length; offset += INPUT_BYTES) {
      inputScratch.fire = data.readUInt8(offset) === 1;
      inputScratch.x = data.readFloatLE(offset + 1);
      inputScratch.y = data.readFloatLE(offset + 5);
      inputScratch.angle = data.readFloatLE(offset + 9);
      push(inputScratch);
    }
    return true;
  },
  snapshot: (room, t) => encode(room, t, true),
  broadcast: (room, t) => encode(room, t, false),
};
