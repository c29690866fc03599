/**
 * Values that satisfy a JSON Schema, drawn at random (pure, seeded by the caller's random
 * source): what the generic load-test bot sends as a room type's message payloads and join
 * options, knowing nothing of the room type but its catalog entry (shared/catalog.ts).
 *
 * It covers what zod's `toJSONSchema` writes for a room type's shapes: objects (every
 * required property, each optional one half the time, never an extra one), integers and
 * numbers within their bounds, strings within their lengths, booleans, null, enum and
 * const, arrays, anyOf/oneOf (one branch). A `pattern` is met by trying short alphanumeric
 * strings against `new RegExp(pattern, "u")`; a pattern none of them meets (an e-mail
 * address, say) makes the value `Unsatisfiable` rather than a payload the server would
 * close the connection for.
 */
import type { JsonSchema } from "../../shared/catalog.ts";
import type { Random } from "../../shared/random.ts";

/** The keywords read here besides those shared/catalog.ts declares. */
type Schema = JsonSchema & { readonly minItems?: number; readonly maxItems?: number };

/** No simple value meets the schema (a pattern no alphanumeric string matches). */
export class Unsatisfiable extends Error {}

/** Unbounded numbers and lengths are drawn from this far past their one bound, or from 0 up. */
const SPAN = 100;
/** Strings without a maxLength are at most this much longer than their minLength: a bot's payloads stay small. */
const STRING_SPAN = 12;
const ARRAY_SPAN = 4;
/** Random mixed-alphabet strings tried against a pattern, after each alphabet at each length, before giving up. */
const PATTERN_TRIES = 64;

/** Lower case, digits, upper case, then all three mixed (the last: random tries). */
const ALPHABETS = ["abcdefghijklmnopqrstuvwxyz", "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"];

const pick = <T>(items: readonly T[], random: Random): T => items[Math.floor(random() * items.length)] as T;

/** An integer in [low, high]. */
const integerIn = (low: number, high: number, random: Random): number => low + Math.floor(random() * (high - low + 1));

/** A value meeting `schema`; throws `Unsatisfiable` when none is found. `{}` (any value) gives an empty object. */
export function sampleJson(schema: JsonSchema, random: Random): unknown {
  const s = schema as Schema;
  if ("const" in s) return s.const;
  if (s.enum !== undefined) {
    if (s.enum.length === 0) throw new Unsatisfiable("empty enum");
    return pick(s.enum, random);
  }
  const branches = s.anyOf ?? s.oneOf;
  if (branches !== undefined && branches.length > 0) return sampleJson(pick(branches, random), random);
  const type = Array.isArray(s.type) ? pick(s.type, random) : (s.type ?? (s.items !== undefined ? "array" : "object"));
  switch (type) {
    case "object":
      return sampleObject(s, random);
    case "array":
      return sampleArray(s, random);
    case "string":
      return sampleString(s, random);
    case "integer":
      return sampleInteger(s, random);
    case "number":
      return sampleNumber(s, random);
    case "boolean":
      return random() < 0.5;
    case "null":
      return null;
    default:
      throw new Unsatisfiable(`type ${String(type)}`);
  }
}

function sampleObject(s: Schema, random: Random): Record<string, unknown> {
  const required = new Set(s.required ?? []);
  const value: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    if (required.has(name)) {
      value[name] = sampleJson(property, random);
      continue;
    }
    if (random() < 0.5) continue;
    // An optional property no simple value meets is left out.
    try {
      value[name] = sampleJson(property, random);
    } catch (error) {
      if (!(error instanceof Unsatisfiable)) throw error;
    }
  }
  return value;
}

function sampleArray(s: Schema, random: Random): unknown[] {
  const low = s.minItems ?? 0;
  const length = integerIn(low, s.maxItems ?? low + ARRAY_SPAN, random);
  const items = s.items ?? {};
  return Array.from({ length }, () => sampleJson(items, random));
}

function sampleString(s: Schema, random: Random): string {
  const low = s.minLength ?? 0;
  const high = Math.min(s.maxLength ?? Number.POSITIVE_INFINITY, low + STRING_SPAN);
  if (high < low) throw new Unsatisfiable(`minLength ${low} > maxLength ${String(s.maxLength)}`);
  const draw = (alphabet: string, length: number): string => Array.from({ length }, () => pick([...alphabet], random)).join("");
  if (s.pattern === undefined) return draw(pick(ALPHABETS, random), integerIn(low, high, random));
  const pattern = new RegExp(s.pattern, "u");
  // Every alphabet at every length once, in random order (a pattern often fixes both:
  // `^[A-Z]{3}$`), then random mixes; random order keeps the values varied.
  const tries: Array<{ alphabet: string; length: number }> = [];
  for (const alphabet of ALPHABETS) for (let length = low; length <= high; length++) tries.push({ alphabet, length });
  for (let index = tries.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [tries[index], tries[other]] = [tries[other] as (typeof tries)[number], tries[index] as (typeof tries)[number]];
  }
  for (let extra = 0; extra < PATTERN_TRIES; extra++) tries.push({ alphabet: ALPHABETS[ALPHABETS.length - 1] as string, length: integerIn(low, high, random) });
  for (const { alphabet, length } of tries) {
    const candidate = draw(alphabet, length);
    if (pattern.test(candidate)) return candidate;
  }
  if (typeof s.default === "string" && pattern.test(s.default) && s.default.length >= low && s.default.length <= (s.maxLength ?? Number.POSITIVE_INFINITY))
    return s.default;
  throw new Unsatisfiable(`no short alphanumeric string matches /${s.pattern}/u`);
}

/** The bounds of a number, exclusive ones kept apart; open ends get a span of SPAN. */
function bounds(s: Schema): { low: number; high: number; lowOpen: boolean; highOpen: boolean } {
  const lowOpen = s.exclusiveMinimum !== undefined && (s.minimum === undefined || s.exclusiveMinimum >= s.minimum);
  const highOpen = s.exclusiveMaximum !== undefined && (s.maximum === undefined || s.exclusiveMaximum <= s.maximum);
  let low = lowOpen ? (s.exclusiveMinimum as number) : s.minimum;
  let high = highOpen ? (s.exclusiveMaximum as number) : s.maximum;
  if (low === undefined && high === undefined) low = 0;
  if (low === undefined) low = (high as number) - SPAN;
  if (high === undefined) high = low + SPAN;
  return { low, high, lowOpen, highOpen };
}

function sampleInteger(s: Schema, random: Random): number {
  const { low, high, lowOpen, highOpen } = bounds(s);
  const first = lowOpen ? Math.floor(low) + 1 : Math.ceil(low);
  const last = highOpen ? Math.ceil(high) - 1 : Math.floor(high);
  if (last < first) throw new Unsatisfiable(`no integer in [${low}, ${high}]`);
  return integerIn(first, last, random);
}

function sampleNumber(s: Schema, random: Random): number {
  const { low, high, lowOpen, highOpen } = bounds(s);
  if (high < low || (high === low && (lowOpen || highOpen))) throw new Unsatisfiable(`no number in [${low}, ${high}]`);
  const value = low + random() * (high - low);
  // random() may return 0: an exclusive bound is then met by the middle instead.
  if ((lowOpen && value <= low) || (highOpen && value >= high)) return (low + high) / 2;
  return value;
}
