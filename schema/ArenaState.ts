import { MapSchema, Schema, type } from "@colyseus/schema";

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
  /** Sequence number of the last input the step applied for this player (for client reconciliation). */
  @type("uint32") lastInputSeq = 0;
}

export class ArenaState extends Schema {
  @type({ map: ArenaPlayer }) players = new MapSchema<ArenaPlayer>();
  /** Simulation tick (60 Hz). */
  @type("uint32") tick = 0;
}
