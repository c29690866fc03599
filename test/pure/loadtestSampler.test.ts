import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { sampleJson, Unsatisfiable } from "../../loadtest/generic/schemaSampler.ts";
import { arenaJoinOptions } from "../../rooms/arena/shapes.ts";
import { composeJoinSchema } from "../../rooms/base/joinOptions.ts";
import { chatJoinOptions, sayMessage } from "../../rooms/chat/shapes.ts";
import { pongJoinOptions } from "../../rooms/pong/shapes.ts";
import { queueJoinOptions } from "../../rooms/queue/shapes.ts";
import { moveMessage, rematchMessage } from "../../rooms/tictactoe/shapes.ts";
import type { JsonSchema } from "../../shared/catalog.ts";
import { seededRandom } from "../../shared/random.ts";

const SEEDS = 300;

/** A shape as the room catalog describes it (server/roomCatalog.ts does the same). */
function described(shape: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(shape, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return schema as JsonSchema;
}

/** Every sample of `schema` over many seeds, paired with its seed. */
function samples(schema: JsonSchema): Array<{ seed: number; value: unknown }> {
  return Array.from({ length: SEEDS }, (_, seed) => ({ seed, value: sampleJson(schema, seededRandom(seed)) }));
}

/** The schema without its `pattern`s: zod's `fromJSONSchema` compiles them without the `u` flag JSON Schema means. */
function withoutPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutPatterns);
  if (typeof schema !== "object" || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== "pattern")
      .map(([key, value]) => [key, key === "enum" || key === "const" || key === "default" ? value : withoutPatterns(value)]),
  );
}

/** Every string under a `pattern` matches it, read as JSON Schema reads it (Unicode). */
function patternsHold(schema: JsonSchema, value: unknown): boolean {
  if (typeof value === "string" && schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) return false;
  if (Array.isArray(value)) return value.every((item) => patternsHold(schema.items ?? {}, item));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).every(([key, item]) => {
      const property = schema.properties?.[key];
      return property === undefined || patternsHold(property, item);
    });
  }
  return true;
}

describe("the generic bot's JSON Schema sampler", () => {
  const roomShapes: Record<string, z.ZodType> = {
    "chat say": sayMessage,
    "tictactoe move": moveMessage,
    "tictactoe rematch": rematchMessage,
    "chat join options": composeJoinSchema({ own: chatJoinOptions, spectators: false, privateRooms: true }),
    "arena join options": composeJoinSchema({ own: arenaJoinOptions, spectators: true, privateRooms: true }),
    "pong join options": composeJoinSchema({ own: pongJoinOptions, spectators: true, privateRooms: true }),
    "queue join options": composeJoinSchema({ own: queueJoinOptions, spectators: false, privateRooms: false }),
  };
  for (const [name, shape] of Object.entries(roomShapes)) {
    it(`draws ${name} the room's own shape accepts, on every seed`, () => {
      for (const { seed, value } of samples(described(shape))) {
        const parsed = shape.safeParse(value);
        assert.ok(parsed.success, `seed ${seed}: ${JSON.stringify(value)}: ${parsed.error?.message ?? ""}`);
      }
    });
  }

  const synthetic: Record<string, JsonSchema> = {
    "bounded numbers and integers": {
      type: "object",
      properties: {
        closed: { type: "integer", minimum: -3, maximum: 3 },
        open: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
        onlyMax: { type: "integer", maximum: -50 },
        onlyExclusiveMin: { type: "integer", exclusiveMinimum: 7 },
        unbounded: { type: "number" },
      },
      required: ["closed", "open", "onlyMax", "onlyExclusiveMin", "unbounded"],
    },
    "strings within lengths and patterns": {
      type: "object",
      properties: {
        exact: { type: "string", minLength: 4, maxLength: 4 },
        short: { type: "string", maxLength: 2 },
        code: { type: "string", pattern: "^[A-Z]{3}$" },
        digits: { type: "string", pattern: "^\\d{2,5}$" },
        printable: { type: "string", minLength: 1, pattern: "^[^\\p{C}]+$" },
      },
      required: ["exact", "short", "code", "digits", "printable"],
    },
    "enums, consts, nullables, nested arrays": {
      type: "object",
      properties: {
        kind: { type: "string", enum: ["a", "b", "c"] },
        fixed: { const: 42 },
        maybe: { anyOf: [{ type: "string", maxLength: 3 }, { type: "null" }] },
        grid: { type: "array", items: { type: "array", items: { type: "boolean" } } },
        tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" }, minItems: 1, maxItems: 3 } as JsonSchema,
        nested: { type: "object", properties: { deep: { type: "integer", minimum: 0, maximum: 1 } }, required: ["deep"], additionalProperties: false },
      },
      required: ["kind", "fixed", "grid", "nested"],
      additionalProperties: false,
    },
  };
  for (const [name, schema] of Object.entries(synthetic)) {
    it(`draws values valid against ${name} (zod's fromJSONSchema, patterns with the u flag), on every seed`, () => {
      const validator = z.fromJSONSchema(withoutPatterns(schema) as Parameters<typeof z.fromJSONSchema>[0]);
      for (const { seed, value } of samples(schema)) {
        const parsed = validator.safeParse(value);
        assert.ok(parsed.success, `seed ${seed}: ${JSON.stringify(value)}: ${parsed.error?.message ?? ""}`);
        assert.ok(patternsHold(schema, value), `seed ${seed}: ${JSON.stringify(value)} breaks a pattern`);
      }
    });
  }

  it("draws every optional property sometimes and leaves it out sometimes, and every enum value", () => {
    const schema = synthetic["enums, consts, nullables, nested arrays"] as JsonSchema;
    const values = samples(schema).map(({ value }) => value as Record<string, unknown>);
    assert.ok(values.some((value) => "maybe" in value) && values.some((value) => !("maybe" in value)));
    assert.ok(values.some((value) => value.maybe === null) && values.some((value) => typeof value.maybe === "string"));
    assert.deepEqual(new Set(values.map((value) => value.kind)), new Set(["a", "b", "c"]));
  });

  it("is reproducible: the same seed draws the same value, another seed another one", () => {
    const schema = described(composeJoinSchema({ own: queueJoinOptions, spectators: false, privateRooms: false }));
    assert.deepEqual(sampleJson(schema, seededRandom(7)), sampleJson(schema, seededRandom(7)));
    const distinct = new Set(samples(schema).map(({ value }) => JSON.stringify(value)));
    assert.ok(distinct.size > 10, `only ${distinct.size} distinct values`);
  });

  it("gives {} (any payload) an empty object", () => {
    assert.deepEqual(sampleJson({}, seededRandom(1)), {});
  });

  it("reports a required value no alphanumeric string can meet, and leaves out such an optional one", () => {
    const email = { type: "string", pattern: "^[^@]+@[^@]+$" } as const;
    assert.throws(() => sampleJson({ type: "object", properties: { to: email }, required: ["to"] }, seededRandom(1)), Unsatisfiable);
    for (let seed = 0; seed < 50; seed++) assert.deepEqual(sampleJson({ type: "object", properties: { to: email } }, seededRandom(seed)), {});
    assert.throws(() => sampleJson({ type: "integer", minimum: 0.2, maximum: 0.8 }, seededRandom(1)), Unsatisfiable);
  });
});
