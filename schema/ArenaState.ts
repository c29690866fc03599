import { ArraySchema, MapSchema, Schema, type, view } from "@colyseus/schema";
import type { ShotEvent } from "../rooms/arena/shapes.ts";

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
  /** This player's number in the room (1-255, unique among those present): shots name players by it, one byte instead of a session id. */
  @type("uint8") slot = 0;
  /** Ticks until this player may fire again. Secret: only its owner sees it (StateView). */
  @view() @type("uint8") reload = 0;
}

/**
 * One shot, for tracers and hit marks: a per-patch event (the room declares `events:
 * ["shots"]`), so it arrives in the same frame as its effect on hp and score. The origin
 * is in whole world units, the aim in milliradians (tracers need no finer precision), and
 * players are named by their `slot`: a shot costs about 20 bytes (about 40 with session ids).
 */
export class ArenaShot extends Schema {
  /** The shooter's `slot`. */
  @type("uint8") shooter = 0;
  @type("int16") x = 0;
  @type("int16") y = 0;
  @type("int16") milliradians = 0;
  /** The `slot` of the player hit, or 0 for a miss. */
  @type("uint8") target = 0;
  @type("boolean") killed = false;

  /** The shot the rules recorded, rounded to what travels; `slotOf` numbers a session id (0: nobody). */
  static of(event: ShotEvent, slotOf: (sessionId: string) => number): ArenaShot {
    return new ArenaShot().assign({
      shooter: slotOf(event.shooter),
      x: Math.round(event.x),
      y: Math.round(event.y),
      milliradians: Math.round(event.angle * 1000),
      target: event.target === "" ? 0 : slotOf(event.target),
      killed: event.killed,
    });
  }
}

export class ArenaState extends Schema {
  /** "ffa" or "teams". */
  @type("string") mode = "ffa";
  /** "finished" once a ranked match reaches a limit; casual rooms stay "playing". */
  @type("string") status: "playing" | "finished" = "playing";
  /** Kills that end a ranked match (a team's together in team mode); 0: none. */
  @type("uint16") scoreLimit = 0;
  /** The tick a ranked match ends at; 0: none. */
  @type("uint32") endTick = 0;
  @type({ map: ArenaPlayer }) players = new MapSchema<ArenaPlayer>();
  /** Simulation tick (60 Hz). */
  @type("uint32") tick = 0;
  /** The shots fired since the previous patch (per-patch events: emptied once sent). */
  @type([ArenaShot]) shots = new ArraySchema<ArenaShot>();
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
