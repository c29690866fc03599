/**
 * The generic bot: load-tests any room type the server declares, knowing nothing of it but
 * its entry in `GET /room-types` (shared/catalog.ts). Each bot joins with
 * `joinOrCreate(type, { name: "bot-<id>" })` (plus a value for each required join option),
 * then either sends one of the declared messages at `--rate` per second, its payload drawn
 * from the message's JSON Schema (loadtest/generic/schemaSampler.ts), or, in a real-time
 * room type, one input frame of random values per tick through the input channel real
 * clients use (client/inputBatch.ts). The server's refusals (`error` messages) are counted
 * by code in the summary. Same runner as the hand-written bots (loadtest/botRunner.ts),
 * open-loop mode included.
 * Run: node --import tsx loadtest/generic.ts --room tictactoe --numClients 20 --endpoint ws://localhost:2567 --rate 2
 */
import { parseArgs } from "node:util";
import type { Options } from "@colyseus/loadtest";
import { MatchMakeError, type Room } from "@colyseus/sdk";
import { z } from "zod";
import { BatchedInput, DEFAULT_INPUTS_PER_MESSAGE } from "../client/inputBatch.ts";
import type { InputField, JsonSchema, RoomTypeInfo } from "../shared/catalog.ts";
import { HttpStatus } from "../shared/errors.ts";
import type { Random } from "../shared/random.ts";
import { botClient, countBotError, runBots } from "./botRunner.ts";
import { type Frame, type InputFrames, inputFrames } from "./generic/inputFrames.ts";
import { sampleJson, Unsatisfiable } from "./generic/schemaSampler.ts";

/** Frames sent at most in one timer turn: after a longer stall the bot drops the backlog instead of flooding the server. */
const MAX_CATCH_UP_FRAMES = 5;
/** Joins tried when the room matched has no player slot left. */
const JOIN_ATTEMPTS = 5;
/** Draws tried when checking that a message's payload can be generated at all. */
const PROBE_DRAWS = 16;

/** The part of the catalog the bot reads, checked at the boundary (the payload schemas are taken as JSON Schema). */
const jsonSchema = z.custom<JsonSchema>((value) => typeof value === "object" && value !== null && !Array.isArray(value));
const catalogShape = z.object({
  roomTypes: z.array(
    z.object({
      name: z.string(),
      joinOptions: jsonSchema,
      messages: z.record(z.string(), jsonSchema),
      realtime: z.object({ tickRate: z.number().positive(), input: z.array(z.object({ name: z.string(), type: z.string() })) }).optional(),
    }),
  ),
});
type CatalogEntry = Pick<RoomTypeInfo, "name" | "joinOptions" | "messages"> & {
  readonly realtime?: { readonly tickRate: number; readonly input: readonly InputField[] } | undefined;
};

/** A one-line reason to stop before any bot starts. */
function fail(message: string): never {
  console.error(`generic bot: ${message}`);
  process.exit(2);
}

/** The HTTP address of `/room-types` on the server a WebSocket endpoint points at (ws -> http, wss -> https). */
function catalogUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return new URL("room-types", url);
}

async function roomTypeOf(endpoint: string, name: string): Promise<CatalogEntry> {
  const url = catalogUrl(endpoint);
  let body: unknown;
  try {
    const response = await fetch(url);
    if (!response.ok) fail(`GET ${url.href} answered ${response.status}`);
    body = await response.json();
  } catch (error) {
    fail(`GET ${url.href} failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
  }
  const catalog = catalogShape.safeParse(body);
  if (!catalog.success) fail(`GET ${url.href} is not a room catalog: ${catalog.error.issues[0]?.message ?? "wrong shape"}`);
  const found = catalog.data.roomTypes.find((each) => each.name === name);
  if (found === undefined) fail(`no room type "${name}" at ${url.origin}; known types: ${catalog.data.roomTypes.map((each) => each.name).join(", ")}`);
  return found;
}

/** Join options: the bot's name, and a drawn value for every other required option (the queue's `game`). */
function joinOptionsFor(entry: CatalogEntry, clientId: number, random: Random): Record<string, unknown> {
  const required = new Set(entry.joinOptions.required ?? []);
  const options: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(entry.joinOptions.properties ?? {})) {
    if (required.has(name) && name !== "name") options[name] = sampleJson(property, random);
  }
  return { ...options, name: `bot-${clientId}` };
}

/** Whether a payload of this schema can be generated: a few draws, any of which succeeds. */
function generable(schema: JsonSchema, random: Random): string | undefined {
  let reason = "";
  for (let draw = 0; draw < PROBE_DRAWS; draw++) {
    try {
      sampleJson(schema, random);
      return undefined;
    } catch (error) {
      if (!(error instanceof Unsatisfiable)) throw error;
      reason = error.message;
    }
  }
  return reason;
}

/** Send one of `types` (chosen at random, its payload drawn) `rate` times a second, from a random phase, until the room closes. */
function sendMessages(room: Room, messages: Readonly<Record<string, JsonSchema>>, types: readonly string[], rate: number, random: Random): void {
  if (types.length === 0) return;
  const intervalMs = 1000 / rate;
  const send = (): void => {
    const type = types[Math.floor(random() * types.length)] as string;
    try {
      room.send(type, sampleJson(messages[type] ?? {}, random));
    } catch (error) {
      if (!(error instanceof Unsatisfiable)) throw error;
      countBotError(`no payload generated for "${type}": ${error.message}`);
    }
  };
  let interval: ReturnType<typeof setInterval> | undefined;
  // Bots started together would otherwise all send in the same millisecond.
  const phase = setTimeout(() => {
    send();
    interval = setInterval(send, intervalMs);
  }, random() * intervalMs);
  room.onLeave(() => {
    clearTimeout(phase);
    clearInterval(interval);
  });
}

/**
 * One frame of random values per tick at the tick rate, batched as real clients batch
 * them. A fixed-step accumulator, not one frame per timer turn: timers run late, and a bot
 * sending fewer frames than ticks would look to the server like a player stalling.
 */
function sendInputs(room: Room, tickRate: number, frames: InputFrames, random: Random): void {
  const batch = new BatchedInput<Frame>(room, { type: frames.type, inputsPerMessage: DEFAULT_INPUTS_PER_MESSAGE });
  const stepMs = 1000 / tickRate;
  const startedAt = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    let due = Math.floor((performance.now() - startedAt) / stepMs) - sent;
    if (due > MAX_CATCH_UP_FRAMES) {
      sent += due - MAX_CATCH_UP_FRAMES;
      due = MAX_CATCH_UP_FRAMES;
    }
    for (let frame = 0; frame < due; frame++) {
      frames.fill(batch.handle.data, random);
      batch.send();
      sent++;
    }
  }, stepMs);
  room.onLeave(() => clearInterval(timer));
}

/** The server's refusal, by code (`{ code, message }`, shared/errors.ts). */
function refusalCode(payload: unknown): string {
  const code = typeof payload === "object" && payload !== null && "code" in payload ? payload.code : undefined;
  return typeof code === "string" ? code : "(no code)";
}

const { values } = parseArgs({ strict: false, options: { room: { type: "string" }, endpoint: { type: "string" }, rate: { type: "string" } } });
if (typeof values.room !== "string") fail("--room <room type> is required");
const rate = values.rate === undefined ? 1 : Number(values.rate);
if (!(rate > 0) || !Number.isFinite(rate)) fail(`--rate ${String(values.rate)}: expected messages per second per bot, > 0`);
const entry = await roomTypeOf(typeof values.endpoint === "string" ? values.endpoint : "ws://localhost:2567", values.room);
const frames = entry.realtime === undefined ? undefined : inputFrames(entry.realtime.input);
const messageTypes = Object.keys(entry.messages).filter((type) => {
  const reason = generable(entry.messages[type] ?? {}, Math.random);
  if (reason !== undefined) console.log(`generic bot: not sending "${type}": ${reason}`);
  return reason === undefined;
});
console.log(
  entry.realtime !== undefined
    ? `generic bot: ${entry.name} is real-time: one input frame per tick at ${entry.realtime.tickRate} Hz (${entry.realtime.input.map((field) => `${field.name}: ${field.type}`).join(", ")})`
    : messageTypes.length > 0
      ? `generic bot: ${entry.name}: ${rate} message(s) per second per bot, among ${messageTypes.join(", ")}`
      : `generic bot: ${entry.name} declares no message a bot can send: the bots join and stay`,
);

/**
 * A bot refused with ROOM_FULL (a started game that takes no newcomer, a room filled
 * between the search and the join) tries again after a moment, as a player would, counted
 * in the summary.
 */
async function join(client: ReturnType<typeof botClient>, clientId: number): Promise<Room> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.joinOrCreate<unknown>(entry.name, joinOptionsFor(entry, clientId, Math.random));
    } catch (error) {
      if (!(error instanceof MatchMakeError && error.code === HttpStatus.ROOM_FULL) || attempt >= JOIN_ATTEMPTS) throw error;
      countBotError(`join retried: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
    }
  }
}

async function main(options: Options): Promise<void> {
  const client = botClient(options.endpoint);
  const room = await join(client, options.clientId);
  room.onMessage<unknown>("error", (payload) => countBotError(`refused by the server: ${refusalCode(payload)}`));
  // Nothing else the room sends is read; without a handler the SDK warns on every message.
  room.onMessage("*", () => undefined);
  if (entry.realtime !== undefined && frames !== undefined) sendInputs(room, entry.realtime.tickRate, frames, Math.random);
  else sendMessages(room, entry.messages, messageTypes, rate, Math.random);
}

runBots(main);
