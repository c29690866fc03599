import { decode } from "@colyseus/schema";

/**
 * Structural check of the input frames a real-time room receives, against its input
 * schema. Colyseus's schema decoder does not throw on a malformed frame: it logs
 * ("field not defined", "definition mismatch", "refId not found") and carries on, so a
 * hostile client could send garbage forever and fill the log. A frame that fails this
 * check closes its sender (4002) like any malformed message.
 *
 * An input schema is flat (primitive fields only), so a frame body is a run of
 * `[operation | field index][value]`, the value's size set by the field's type.
 */

/** Bytes of each fixed-size primitive; "number" and "string" carry their own length. */
const FIXED_SIZE: Readonly<Record<string, number>> = {
  boolean: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
  bigint64: 8,
  biguint64: 8,
};

/** Schema encoding's operations (the top two bits of a field's first byte). */
const DELETE = 64;

type FieldTypes = ReadonlyArray<string | undefined>;

/** The field types of a flat input schema class, by field index. */
function fieldTypesOf(input: abstract new () => object): FieldTypes {
  const metadata = (input as unknown as { [Symbol.metadata]?: Record<number, { type: unknown }> })[Symbol.metadata] ?? {};
  const types: (string | undefined)[] = [];
  for (const [index, field] of Object.entries(metadata)) {
    if (/^\d+$/.test(index) && typeof field.type === "string") types[Number(index)] = field.type;
  }
  return types;
}

/** The fields of a flat input schema class, in field order, with their schema types. */
export function inputFields(input: abstract new () => object): ReadonlyArray<{ readonly name: string; readonly type: string }> {
  const metadata = (input as unknown as { [Symbol.metadata]?: Record<number, { name: string; type: unknown }> })[Symbol.metadata] ?? {};
  return Object.keys(metadata)
    .filter((index) => /^\d+$/.test(index))
    .map((index) => {
      const field = metadata[Number(index)] as { name: string; type: unknown };
      return { name: field.name, type: typeof field.type === "string" ? field.type : "schema" };
    });
}

/** The field names of a flat input schema class, in field order: what a frame copy copies. */
export function inputFieldNames(input: abstract new () => object): readonly string[] {
  return inputFields(input).map((field) => field.name);
}

/** Whether bytes[start, end) is a run of well-formed field operations of `types`. */
function wellFormed(bytes: Uint8Array, start: number, end: number, types: FieldTypes): boolean {
  try {
    return walk(bytes, start, end, types);
  } catch {
    return false;
  }
}

function walk(bytes: Uint8Array, start: number, end: number, types: FieldTypes): boolean {
  const it = { offset: start };
  while (it.offset < end) {
    const first = bytes[it.offset++] as number;
    const operation = (first >> 6) << 6;
    const type = types[first % (operation || 255)];
    if (type === undefined) return false;
    if (operation === DELETE) continue;
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined) it.offset += fixed;
    else if (type === "number") decode.number(bytes, it);
    else if (type === "string") {
      if (!decode.stringCheck(bytes, it)) return false;
      decode.string(bytes, it);
    } else return false;
    if (it.offset > end || !Number.isFinite(it.offset)) return false;
  }
  return it.offset === end;
}

/** A checker of one input schema's frames: a reliable frame's body, or an unreliable ring. */
export interface InputFrameCheck {
  body(bytes: Uint8Array): boolean;
  ring(bytes: Uint8Array): boolean;
}

/**
 * `maxRingSlots` bounds the frames one ring may carry: a ring longer than the input buffer
 * gains its sender nothing, and unbounded it would let one message cost the server a
 * decode per slot (a ring of empty slots in a 4 KiB frame is some 2000 of them).
 */
export function inputFrameCheck(input: abstract new () => object, maxRingSlots: number): InputFrameCheck {
  const types = fieldTypesOf(input);
  return {
    body: (bytes) => wellFormed(bytes, 0, bytes.length, types),
    // `[baseSeq][len][body]...[len][body]`, oldest to newest (InputDecoder.decodeAll).
    ring: (bytes) => {
      try {
        const it = { offset: 0 };
        decode.number(bytes, it);
        let slots = 0;
        while (it.offset < bytes.length) {
          if (++slots > maxRingSlots) return false;
          const length = decode.number(bytes, it);
          const end = it.offset + length;
          if (!(length >= 0) || end > bytes.length || !walk(bytes, it.offset, end, types)) return false;
          it.offset = end;
        }
        return it.offset === bytes.length;
      } catch {
        return false;
      }
    },
  };
}
