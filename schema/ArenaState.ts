import { MapSchema, Schema, type, view } from "@colyseus/schema";

export class ArenaPlayer extends Schema {
  @type("string") name = "";
  /** World units; float32 is enough for a 1024-unit world (sub-millimetre at that range). */
  @type("float32") x = 0;
  @type("float32") y = 0;
  /** Aim in radians, (-PI, PI]. */
  @type("float32") angle = 0;
  @type("uint8") hp = 100;
  @type("int16") score = 0;
  @type("boolean") alive = true;
  /** False while the player's socket is down and its seat is held for reconnection. */
  @type("boolean") connected = true;
  /** 0 in free-for-all; 1 or 2 in team mode (no friendly fire). */
  @type("uint8") team = 0;
  /** Ticks until this player may fire again. Secret: only its owner sees it (StateView). */
  @view() @type("uint8") reload = 0;
}

export class ArenaState extends Schema {
  /** "ffa" or "teams". */
  @type("string") mode = "ffa";
  @type({ map: ArenaPlayer }) players = new MapSchema<ArenaPlayer>();
  /** Simulation tick (60 Hz). */
  @type("uint32") tick = 0;
}

/**
 * One input frame, sent by clients through Colyseus's input channel (`room.input()`)
 * once per fixed tick. Flat primitives only (an input schema cannot hold references).
 * Colyseus numbers the frames and acknowledges the last one applied in every patch.
 */
export class ArenaInput extends Schema {
  /** Movement stick; a vector longer than 1 is scaled down to 1. */
  @type("float32") x = 0;
  @type("float32") y = 0;
  /** Aim in radians. */
  @type("float32") angle = 0;
  @type("boolean") fire = false;
}
