/**
 * A real-time room type's input frames, built from its catalog entry alone
 * (`realtime.input`: each field's name and @colyseus/schema type), never from the room
 * type's code: the generic bot sends frames of random values, one per tick.
 */
import { schema, t } from "@colyseus/schema";
import type { InputField } from "../../shared/catalog.ts";
import type { Random } from "../../shared/random.ts";

/** A frame as the bot fills it. */
export type Frame = Record<string, number | boolean | string>;

/** The primitive types an input field may have, and how the bot draws a value of each. */
const FIELDS = {
  float32: { builder: t.float32, draw: (random: Random) => random() * 2 - 1 },
  float64: { builder: t.float64, draw: (random: Random) => random() * 2 - 1 },
  number: { builder: t.number, draw: (random: Random) => random() * 2 - 1 },
  // Small values: an input field of an integer type is a direction, a slot, a button.
  int8: { builder: t.int8, draw: (random: Random) => Math.floor(random() * 3) - 1 },
  int16: { builder: t.int16, draw: (random: Random) => Math.floor(random() * 3) - 1 },
  int32: { builder: t.int32, draw: (random: Random) => Math.floor(random() * 3) - 1 },
  int64: { builder: t.int64, draw: (random: Random) => Math.floor(random() * 3) - 1 },
  uint8: { builder: t.uint8, draw: (random: Random) => Math.floor(random() * 3) },
  uint16: { builder: t.uint16, draw: (random: Random) => Math.floor(random() * 3) },
  uint32: { builder: t.uint32, draw: (random: Random) => Math.floor(random() * 3) },
  uint64: { builder: t.uint64, draw: (random: Random) => Math.floor(random() * 3) },
  boolean: { builder: t.boolean, draw: (random: Random) => random() < 0.5 },
  string: { builder: t.string, draw: (random: Random) => (random() < 0.5 ? "a" : "b") },
} as const;

type FieldType = keyof typeof FIELDS;

const isFieldType = (type: string): type is FieldType => Object.hasOwn(FIELDS, type);

export interface InputFrames {
  /**
   * The input schema class, fields in the catalog's (the server's) order. Built once and
   * handed to every bot: without one, the SDK builds a class from each join's handshake,
   * and @colyseus/schema keeps every one of them (client/netcode.ts, `NetcodeSpec.input`).
   */
  // colyseus-internal: input-type-explicit
  readonly type: new () => Frame;
  /** Write random values into every field of `frame`. */
  fill(frame: Frame, random: Random): void;
}

/** Frames of these fields; throws naming a field of a type the bot cannot fill. */
export function inputFrames(fields: readonly InputField[]): InputFrames {
  const definition: Record<string, ReturnType<(typeof FIELDS)[FieldType]["builder"]>> = {};
  const draws: Array<{ readonly name: string; readonly draw: (random: Random) => number | boolean | string }> = [];
  for (const field of fields) {
    if (!isFieldType(field.type)) throw new Error(`input field "${field.name}" is a ${field.type}: the generic bot fills ${Object.keys(FIELDS).join(", ")}`);
    definition[field.name] = FIELDS[field.type].builder();
    draws.push({ name: field.name, draw: FIELDS[field.type].draw });
  }
  return {
    type: schema(definition, "GenericBotInput") as unknown as new () => Frame,
    fill(frame, random) {
      for (const { name, draw } of draws) frame[name] = draw(random);
    },
  };
}
