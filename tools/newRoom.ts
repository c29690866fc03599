/**
 * `npm run new:room -- <name> [--realtime]`: writes the skeleton of a new room type (state,
 * rules and shapes, room, tests, bot) that type-checks and passes its tests as generated,
 * and registers it in server/app.config.ts. A turn-based skeleton is a two-player race to
 * a target score; a real-time one moves a dot per player with predicted input. Replace
 * the game, keep the shape: docs/rooms.md walks through every part.
 *
 * Options: `--root <dir>` writes into another checkout (the generator's own test uses a
 * temporary copy).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The names one room type goes by, all derived from its registered name. */
export interface RoomNames {
  /** Registered name and folder: `dice`. */
  readonly type: string;
  /** Class-name stem: `Dice` (DiceRoom, DiceState, DicePlayer, DiceInput). */
  readonly pascal: string;
}

export function namesOf(type: string): RoomNames {
  if (!/^[a-z][a-zA-Z0-9]{0,31}$/.test(type)) {
    throw new Error(`room type name "${type}": start with a lowercase letter, then letters and digits (at most 32), e.g. "dice" or "spaceRace"`);
  }
  return { type, pascal: type[0]!.toUpperCase() + type.slice(1) };
}

/** The anchor in server/app.config.ts above which registrations are added. */
export const REGISTRATION_ANCHOR = "    // Room types added by `npm run new:room` go above this line.";

/** Every file of a new room type, by path relative to the checkout. */
export function skeleton(names: RoomNames, realtime: boolean): Record<string, string> {
  const { type, pascal } = names;
  const files = realtime ? realtimeFiles(names) : turnBasedFiles(names);
  return {
    [`schema/${pascal}State.ts`]: files.state,
    [`rooms/${type}/shapes.ts`]: files.shapes,
    [`rooms/${type}/rules.ts`]: files.rules,
    [`rooms/${pascal}Room.ts`]: files.room,
    [`test/pure/${type}.test.ts`]: files.pureTest,
    [`test/in-process/${type}.test.ts`]: files.roomTest,
    [`loadtest/${type}.ts`]: files.bot,
  };
}

/** server/app.config.ts with the room type imported and registered (one line each). */
export function register(appConfig: string, names: RoomNames): string {
  const { type, pascal } = names;
  if (!appConfig.includes(REGISTRATION_ANCHOR)) throw new Error("server/app.config.ts lacks the registration anchor comment");
  if (new RegExp(`^\\s+${type}: define\\(`, "m").test(appConfig)) throw new Error(`a room type "${type}" is registered already`);
  const importLine = `import { ${pascal}Room } from "../rooms/${pascal}Room.ts";\n`;
  // `open`: joinOrCreate picks a room with a free player slot (spectator slots do not count).
  const registration = `    ${type}: define(${pascal}Room).filterBy(["open"]).enableRealtimeListing(),\n`;
  const lastImport = appConfig.lastIndexOf("\nimport ");
  const endOfImports = appConfig.indexOf("\n", lastImport + 1) + 1;
  const withImport = appConfig.slice(0, endOfImports) + importLine + appConfig.slice(endOfImports);
  return withImport.replace(`${REGISTRATION_ANCHOR}\n`, `${registration}${REGISTRATION_ANCHOR}\n`);
}

interface Files {
  readonly state: string;
  readonly shapes: string;
  readonly rules: string;
  readonly room: string;
  readonly pureTest: string;
  readonly roomTest: string;
  readonly bot: string;
}

function turnBasedFiles({ type, pascal }: RoomNames): Files {
  const state = `import { MapSchema, Schema, type } from "@colyseus/schema";

/** One player: its name and score; \`connected\` follows its socket (the base keeps it). */
export class ${pascal}Player extends Schema {
  @type("string") name = "";
  @type("uint16") score = 0;
  @type("boolean") connected = true;
}

export class ${pascal}State extends Schema {
  /** sessionId -> player, in joining order. */
  @type({ map: ${pascal}Player }) players = new MapSchema<${pascal}Player>();
  @type("string") status: "waiting" | "playing" | "finished" = "waiting";
  /** sessionId of the player to move; "" when nobody may. */
  @type("string") turn = "";
  /** Score that wins. */
  @type("uint16") target = 10;
  /** sessionId of the winner; "" until there is one. */
  @type("string") winner = "";
}
`;
  const shapes = `import { z } from "zod";

/** Tunables of ${type}. Rules read them; rooms never change them at run time. */
export const ${type.toUpperCase()} = Object.freeze({ players: 2, spectators: 8 });

/** This room type's own join options (every type also takes name, private and spectator). */
export const ${type}JoinOptions = z.object({
  /** Score that wins, chosen by whoever creates the room. */
  target: z.number().int().min(1).max(100).default(10),
});

/** Points scored in one turn; anything else is malformed (close 4002). */
export const playMessage = z.object({ points: z.number().int().min(1).max(6) });
`;
  const rules = `import type { ${pascal}Player, ${pascal}State } from "../../schema/${pascal}State.ts";
import { accepted, ErrorCode, type RuleResult, refused } from "../../shared/errors.ts";

/**
 * Pure rules of ${type}: functions of the state and an action, no I/O, no clock, no
 * Client. Rooms call them; tests call them directly.
 */

export function seatPlayer(state: ${pascal}State, sessionId: string, player: ${pascal}Player): void {
  state.players.set(sessionId, player);
  if (state.players.size === 2 && state.status === "waiting") {
    state.status = "playing";
    state.turn = state.players.keys().next().value ?? "";
  }
}

export function play(state: ${pascal}State, sessionId: string, points: number): RuleResult {
  if (state.status === "waiting") return refused(ErrorCode.GAME_NOT_STARTED, "waiting for a second player");
  if (state.status === "finished") return refused(ErrorCode.GAME_OVER, "the game is over");
  if (state.turn !== sessionId) return refused(ErrorCode.NOT_YOUR_TURN, "wait for your turn");
  const player = state.players.get(sessionId);
  if (player === undefined) return refused(ErrorCode.NOT_YOUR_TURN, "you are not playing");
  player.score += points;
  if (player.score >= state.target) {
    state.status = "finished";
    state.winner = sessionId;
    state.turn = "";
  } else {
    state.turn = [...state.players.keys()].find((id) => id !== sessionId) ?? sessionId;
  }
  return accepted;
}

/** A player left for good: mid-game, the other wins. */
export function removePlayer(state: ${pascal}State, sessionId: string): void {
  state.players.delete(sessionId);
  if (state.status !== "playing") return;
  state.status = "finished";
  state.winner = state.players.keys().next().value ?? "";
  state.turn = "";
}
`;
  const room = `import type { Client } from "@colyseus/core";
import { ${pascal}Player, ${pascal}State } from "../schema/${pascal}State.ts";
import type { CreateOptions, JoinOptions } from "./base/joinOptions.ts";
import { roomType } from "./base/TickroomRoom.ts";
import { play, removePlayer, seatPlayer } from "./${type}/rules.ts";
import { ${type.toUpperCase()}, ${type}JoinOptions, playMessage } from "./${type}/shapes.ts";

/** ${pascal}: two players take turns scoring; the first to the target wins; leaving forfeits. */
export class ${pascal}Room extends roomType({
  state: ${pascal}State,
  joinOptions: ${type}JoinOptions,
  maxPlayers: ${type.toUpperCase()}.players,
  maxSpectators: ${type.toUpperCase()}.spectators,
  entities: "players",
  phase: "status",
  // Everything it keeps is in its state: a live room moves to another process on a deploy.
  movable: true,
}) {
  override messages = {
    play: this.accept(playMessage, (client, message) => play(this.state, client.sessionId, message.points)),
  };

  override onCreate(options: CreateOptions<typeof ${type}JoinOptions>): void {
    this.state.target = options.target;
  }

  protected onPlayerJoin(client: Client, options: JoinOptions<typeof ${type}JoinOptions>): void {
    seatPlayer(this.state, client.sessionId, new ${pascal}Player().assign({ name: options.name }));
  }

  protected onPlayerLeave(client: Client): void {
    removePlayer(this.state, client.sessionId);
  }
}
`;
  const pureTest = `import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { play, removePlayer, seatPlayer } from "../../rooms/${type}/rules.ts";
import { ${pascal}Player, ${pascal}State } from "../../schema/${pascal}State.ts";
import { ErrorCode } from "../../shared/errors.ts";

function game(target = 10): ${pascal}State {
  const state = new ${pascal}State().assign({ target });
  seatPlayer(state, "a", new ${pascal}Player().assign({ name: "ann" }));
  seatPlayer(state, "b", new ${pascal}Player().assign({ name: "bob" }));
  return state;
}

describe("${type} rules", () => {
  it("starts when the second player sits, with the first to move", () => {
    const state = new ${pascal}State();
    seatPlayer(state, "a", new ${pascal}Player());
    assert.equal(state.status, "waiting");
    seatPlayer(state, "b", new ${pascal}Player());
    assert.equal(state.status, "playing");
    assert.equal(state.turn, "a");
  });

  it("takes turns and refuses out of turn, leaving the state as it was", () => {
    const state = game();
    assert.equal(play(state, "b", 3).ok, false);
    assert.equal(state.players.get("b")?.score, 0);
    assert.ok(play(state, "a", 3).ok);
    assert.equal(state.turn, "b");
  });

  it("ends when a score reaches the target; a finished game refuses moves", () => {
    const state = game(5);
    play(state, "a", 4);
    play(state, "b", 1);
    play(state, "a", 1);
    assert.equal(state.status, "finished");
    assert.equal(state.winner, "a");
    const over = play(state, "b", 1);
    assert.equal(over.ok ? undefined : over.error.code, ErrorCode.GAME_OVER);
  });

  it("gives the game to the one who stays when the other leaves mid-game", () => {
    const state = game();
    removePlayer(state, "a");
    assert.equal(state.status, "finished");
    assert.equal(state.winner, "b");
  });
});
`;
  const roomTest = `import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ${pascal}State } from "../../schema/${pascal}State.ts";
import { CloseCode, ErrorCode, type RoomError } from "../../shared/errors.ts";
import { closed, nextMessage, startTestServer, type TestServer, untilState } from "../support/harness.ts";

describe("${type} room", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  async function pair() {
    const first = await server.client().create("${type}", { target: 3, name: "ann" });
    const second = await server.client().joinById(first.roomId, { name: "bob" });
    for (const room of [first, second]) await untilState<${pascal}State>(room, (s) => s.status === "playing", "the game starts");
    return [first, second] as const;
  }

  it("plays a game to the target that both players see", async () => {
    const [ann, bob] = await pair();
    assert.equal(ann.state.players.get(ann.sessionId)?.name, "ann");
    ann.send("play", { points: 2 });
    await untilState<${pascal}State>(bob, (s) => s.turn === bob.sessionId, "bob's turn");
    bob.send("play", { points: 1 });
    await untilState<${pascal}State>(ann, (s) => s.turn === ann.sessionId, "ann's turn");
    ann.send("play", { points: 1 });
    for (const room of [ann, bob]) {
      const state = await untilState<${pascal}State>(room, (s) => s.status === "finished", "the game ends");
      assert.equal(state.winner, ann.sessionId);
    }
    await Promise.all([ann.leave(), bob.leave()]);
  });

  it("refuses a move out of turn with an error, and closes a malformed one (4002)", async () => {
    const [ann, bob] = await pair();
    const refusal = nextMessage<RoomError>(bob, "error");
    bob.send("play", { points: 1 });
    assert.equal((await refusal).code, ErrorCode.NOT_YOUR_TURN);
    const gone = closed(ann);
    ann.send("play", { points: 7 });
    assert.equal(await gone, CloseCode.WITH_ERROR);
    await bob.leave();
  });

  it("refuses join options it does not declare in range with 400", async () => {
    await assert.rejects(server.client().create("${type}", { target: 0 }), (error: { code?: number }) => error.code === 400);
  });
});
`;
  const bot = `/**
 * ${pascal} bots: pair up, play a turn after a human-ish pause, and start a new game when one ends.
 * Run: node --import tsx loadtest/${type}.ts --room ${type} --numClients 20 --endpoint ws://localhost:2567
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";
import type { ${pascal}State } from "../schema/${pascal}State.ts";

/** Resolves once the first game is joined: the load tester starts the next bot only then. */
async function main(options: Options): Promise<void> {
  const client = new Client(options.endpoint);
  const playOn = (room: Room<unknown, ${pascal}State>): void => {
    let thinking = false;
    room.onStateChange((state) => {
      if (state.status === "finished") {
        room.onStateChange.clear();
        void room.leave().then(async () => playOn(await client.joinOrCreate<${pascal}State>("${type}", {})));
        return;
      }
      if (state.turn !== room.sessionId || thinking) return;
      thinking = true;
      setTimeout(() => {
        thinking = false;
        room.send("play", { points: 1 + Math.floor(Math.random() * 6) });
      }, 300 + Math.random() * 700);
    });
  };
  playOn(await client.joinOrCreate<${pascal}State>("${type}", { name: \`bot-\${options.clientId}\` }));
}

cli(main);
`;
  return { state, shapes, rules, room, pureTest, roomTest, bot };
}

function realtimeFiles({ type, pascal }: RoomNames): Files {
  const constants = type.toUpperCase();
  const state = `import { MapSchema, Schema, type } from "@colyseus/schema";

/** One player's dot. Positions are float32 on the wire; the rules keep them float32-exact. */
export class ${pascal}Player extends Schema {
  @type("string") name = "";
  @type("float32") x = 0;
  @type("float32") y = 0;
  /** False while the player's socket is down and its seat is held (the base keeps it). */
  @type("boolean") connected = true;
}

export class ${pascal}State extends Schema {
  @type({ map: ${pascal}Player }) players = new MapSchema<${pascal}Player>();
  /** Simulation tick. */
  @type("uint32") tick = 0;
}

/** One input frame per tick, through Colyseus's input channel: flat primitives only. */
export class ${pascal}Input extends Schema {
  /** Movement stick; longer than 1 is scaled down to 1. */
  @type("float32") x = 0;
  @type("float32") y = 0;
}
`;
  const shapes = `/** Tunables of ${type}. Rules read them; rooms never change them at run time. */
export const ${constants} = Object.freeze({
  tickRate: 60,
  players: 8,
  spectators: 4,
  width: 800,
  height: 600,
  /** World units per second at full stick. */
  speed: 200,
});
`;
  const rules = `import type { NetcodeSpec } from "../../client/netcode.ts";
import type { TickInputs } from "../base/tickInputs.ts";
import type { Random } from "../../shared/random.ts";
import { ${pascal}Input, type ${pascal}Player } from "../../schema/${pascal}State.ts";
import { ${constants} } from "./shapes.ts";

/**
 * Pure rules of ${type}. \`move\` is the one step function the server runs in its fixed
 * tick and the client runs to predict its own player: it imports nothing from the server
 * and gives bit-identical results for identical inputs.
 */

/** The part of a player the step reads and writes (a \`${pascal}Player\` or a plain object). */
export interface Body {
  x: number;
  y: number;
}

/** Make any decoded frame legal, in place: non-finite numbers become 0, the stick is at most 1 long. */
export function sanitizeInput(input: { x: number; y: number }): void {
  if (!Number.isFinite(input.x)) input.x = 0;
  if (!Number.isFinite(input.y)) input.y = 0;
  const length = Math.hypot(input.x, input.y);
  if (length > 1) {
    input.x /= length;
    input.y /= length;
  }
}

/** A late frame's stand-in (\`lateInput\`): the player keeps moving as its last frame moved it. */
export function guessLateInput(last: Readonly<{ x: number; y: number }>, into: { x: number; y: number }): void {
  into.x = last.x;
  into.y = last.y;
}

/** Move one body by one input for \`dt\` seconds, never out of the world; float32-exact. */
export function move(body: Body, input: { x: number; y: number }, dt: number): void {
  body.x = Math.fround(Math.min(Math.max(body.x + input.x * ${constants}.speed * dt, 0), ${constants}.width));
  body.y = Math.fround(Math.min(Math.max(body.y + input.y * ${constants}.speed * dt, 0), ${constants}.height));
}

export function spawn(body: Body, random: Random): void {
  body.x = Math.fround(random() * ${constants}.width);
  body.y = Math.fround(random() * ${constants}.height);
}

/** One fixed tick: every player's inputs due now, in order. */
export function step(world: { tick: number; players: { forEach(each: (body: Body, id: string) => void): void } }, inputs: TickInputs<${pascal}Input>, dt: number): void {
  world.tick++;
  world.players.forEach((body, id) => {
    inputs.forEach(id, (input) => move(body, input, dt));
  });
}

/** How a client predicts its own player and interpolates the others (\`RealtimeSession.attach(room, ${type}Netcode)\`). */
export const ${type}Netcode: NetcodeSpec<${pascal}Player, ${pascal}Input> = {
  collection: "players",
  step: move,
  predictedFields: ["x", "y"],
  positionFields: ["x", "y"],
  interpolatedFields: { x: {}, y: {} },
  input: ${pascal}Input,
  sanitize: sanitizeInput,
  inputNumberFields: ["x", "y"],
};
`;
  const room = `import type { Client, StepContext } from "@colyseus/core";
import { ${pascal}Input, ${pascal}Player, ${pascal}State } from "../schema/${pascal}State.ts";
import type { JoinOptions } from "./base/joinOptions.ts";
import { realtimeRoomType } from "./base/RealtimeRoom.ts";
import type { TickInputs } from "./base/tickInputs.ts";
import { guessLateInput, sanitizeInput, spawn, step } from "./${type}/rules.ts";
import { ${constants} } from "./${type}/shapes.ts";

/** ${pascal}: each player moves a dot; the server steps the world at 60 Hz, clients predict their own. */
export class ${pascal}Room extends realtimeRoomType({
  state: ${pascal}State,
  maxPlayers: ${constants}.players,
  maxSpectators: ${constants}.spectators,
  entities: "players",
  input: ${pascal}Input,
  sanitize: sanitizeInput,
  tickRate: ${constants}.tickRate,
  lateInput: { guess: guessLateInput },
  // Everything it keeps is in its state: a live room moves to another process on a deploy.
  movable: true,
}) {
  protected step(inputs: TickInputs<${pascal}Input>, context: StepContext): void {
    step(this.state, inputs, context.dt);
  }

  protected onPlayerJoin(client: Client, options: JoinOptions): void {
    const player = new ${pascal}Player().assign({ name: options.name });
    spawn(player, this.random);
    this.state.players.set(client.sessionId, player);
  }

  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
  }
}
`;
  const pureTest = `import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TickInputs } from "../../rooms/base/tickInputs.ts";
import { type Body, move, sanitizeInput, step } from "../../rooms/${type}/rules.ts";
import { ${constants} } from "../../rooms/${type}/shapes.ts";
import type { ${pascal}Input } from "../../schema/${pascal}State.ts";
import { seededRandom } from "../../shared/random.ts";

const DT = 1 / ${constants}.tickRate;

/** Random inputs, hostile ones included, from a seed: the same seed replays the same run. */
function run(seed: number, ticks: number): Map<string, Body> {
  const random = seededRandom(seed);
  const players = new Map<string, Body>([
    ["a", { x: 400, y: 300 }],
    ["b", { x: 0, y: 600 }],
  ]);
  const world = { tick: 0, players };
  const frame = { x: 0, y: 0 };
  const inputs: TickInputs<${pascal}Input> = {
    forEach: (_id, apply) => {
      const wild = random() < 0.05;
      frame.x = wild ? [Number.NaN, Infinity, 1e9][Math.floor(random() * 3)]! : random() * 4 - 2;
      frame.y = random() * 4 - 2;
      sanitizeInput(frame);
      apply(frame as ${pascal}Input);
    },
    seen: (_viewer, target, field) => target[field] as number,
  };
  for (let tick = 0; tick < ticks; tick++) step(world, inputs, DT);
  return players;
}

describe("${type} rules", () => {
  it("never moves a body out of the world, whatever the inputs (seeded)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      for (const body of run(seed, 600).values()) {
        assert.ok(body.x >= 0 && body.x <= ${constants}.width && body.y >= 0 && body.y <= ${constants}.height, \`seed \${seed}: \${JSON.stringify(body)}\`);
      }
    }
  });

  it("replays exactly from the same seed", () => {
    assert.deepEqual([...run(7, 300)], [...run(7, 300)]);
  });

  it("moves at most speed x dt per tick, float32-exact", () => {
    const body = { x: 100, y: 100 };
    move(body, { x: 1, y: 0 }, DT);
    assert.equal(body.x, Math.fround(100 + ${constants}.speed * DT));
    assert.equal(body.y, 100);
  });
});
`;
  const roomTest = `import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RealtimeSession } from "../../client/netcode.ts";
import { ${type}Netcode } from "../../rooms/${type}/rules.ts";
import type { ${pascal}State } from "../../schema/${pascal}State.ts";
import { eventually, startTestServer, type TestServer, untilState } from "../support/harness.ts";

describe("${type} room", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("syncs every player to everyone, with its name", async () => {
    const ann = await server.client().create("${type}", { name: "ann" });
    const bob = await server.client().joinById(ann.roomId, { name: "bob" });
    const state = await untilState<${pascal}State>(ann, (s) => s.players.size === 2, "two players");
    assert.equal(state.players.get(bob.sessionId)?.name, "bob");
    await Promise.all([ann.leave(), bob.leave()]);
  });

  it("predicts the local player exactly: the server agrees with every acknowledged input", async () => {
    const room = await server.client().create("${type}", {});
    const session = await RealtimeSession.attach(room, ${type}Netcode);
    let step = 0;
    const frames = setInterval(() => {
      session.frame(performance.now(), (input) => {
        input.x = Math.cos(step / 20);
        input.y = Math.sin(step++ / 30);
      });
    }, 1000 / 60);
    await eventually(() => session.stats().inputsAcknowledged >= 60, "a second of inputs acknowledged", 5000);
    clearInterval(frames);
    await eventually(() => session.stats().inputsPending === 0, "every input acknowledged");
    session.checkAcknowledgement();
    assert.equal(session.stats().corrections, 0);
    assert.equal(session.predicted("x"), session.local.x);
    assert.equal(session.predicted("y"), session.local.y);
    await room.leave();
  });
});
`;
  const bot = `/**
 * ${pascal} bots: real clients of the netcode module (prediction, one input per 60 Hz step),
 * wandering with a smoothly turning stick.
 * Run: node --import tsx loadtest/${type}.ts --room ${type} --numClients 32 --endpoint ws://localhost:2567
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client } from "@colyseus/sdk";
import { RealtimeSession } from "../client/netcode.ts";
import { ${type}Netcode } from "../rooms/${type}/rules.ts";

async function main(options: Options): Promise<void> {
  const room = await new Client(options.endpoint).joinOrCreate("${type}", { name: \`bot-\${options.clientId}\` });
  const session = await RealtimeSession.attach(room, ${type}Netcode);
  let heading = Math.random() * Math.PI * 2;
  const timer = setInterval(() => {
    session.frame(performance.now(), (input) => {
      heading += (Math.random() - 0.5) * 0.2;
      input.x = Math.cos(heading);
      input.y = Math.sin(heading);
    });
  }, 1000 / 60);
  room.onLeave(() => clearInterval(timer));
}

cli(main);
`;
  return { state, shapes, rules, room, pureTest, roomTest, bot };
}

/** Write the skeleton and register it; refuses to overwrite anything. Returns the paths written. */
export function generate(root: string, type: string, realtime: boolean): string[] {
  const names = namesOf(type);
  const files = skeleton(names, realtime);
  for (const path of Object.keys(files)) {
    if (existsSync(join(root, path))) throw new Error(`${path} exists already: pick another name`);
  }
  const appConfigPath = join(root, "server/app.config.ts");
  const appConfig = register(readFileSync(appConfigPath, "utf8"), names);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(appConfigPath, appConfig);
  const written = [...Object.keys(files), "server/app.config.ts"];
  // In the house style (imports sorted, lines wrapped), so the new files pass \`npm run lint\` as they are.
  const biome = join(root, "node_modules/.bin/biome");
  if (existsSync(biome)) spawnSync(biome, ["check", "--write", ...written], { cwd: root, stdio: "ignore" });
  return written;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { realtime: { type: "boolean", default: false }, root: { type: "string", default: fileURLToPath(new URL("..", import.meta.url)) } },
  });
  const [type] = positionals;
  if (type === undefined || positionals.length !== 1) {
    console.error("usage: npm run new:room -- <name> [--realtime]");
    process.exit(2);
  }
  try {
    const written = generate(values.root, type, values.realtime);
    console.log(`${values.realtime ? "real-time" : "turn-based"} room type "${type}":\n${written.map((path) => `  ${path}`).join("\n")}`);
    console.log("next: npm test; docs/rooms.md explains each part.");
  } catch (error) {
    console.error(`new:room: ${(error as Error).message}`);
    process.exit(1);
  }
}
