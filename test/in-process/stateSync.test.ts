import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { matchMaker, type Room as ServerRoom } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import type { InputHandle, Room } from "@colyseus/sdk";
import fc from "fast-check";
import type { ArenaRoom } from "../../rooms/ArenaRoom.ts";
import type { PlayerTimers } from "../../rooms/arena/rules.ts";
import type { ChatRoom } from "../../rooms/ChatRoom.ts";
import { say } from "../../rooms/chat/rules.ts";
import type { PongRoom } from "../../rooms/PongRoom.ts";
import { PONG } from "../../rooms/pong/shapes.ts";
import type { TicTacToeRoom } from "../../rooms/TicTacToeRoom.ts";
import { ArenaInput } from "../../schema/ArenaState.ts";
import { PongInput } from "../../schema/PongState.ts";
import { HttpStatus } from "../../shared/errors.ts";
import { allowQuickReconnect, eventually, killSocket, serverRoom, startTestServer, type TestServer } from "../support/harness.ts";
import { captureConsole, deadline, type SyncStats, SyncWatch, type Watched } from "../support/stateSync.ts";

/**
 * State sync, proven by properties: random sequences of operations on every room type
 * (joins, consented leaves, dropped sockets with and without reconnection, spectators
 * joining late, chat lines, moves legal and not, rematches, input frames with shots,
 * goals, StateView add/remove of the arena's private `reload`), run against a real server
 * with real SDK clients. After every state frame a client decodes, its `state.toJSON()`
 * must be the server state that frame encoded, as that client may see it (a `@view()`
 * field only where its view holds the entity); after every patch no joined client may be
 * left behind the live state; and nothing may report a decoding problem ("refId" not
 * found and the like go to the console, which the run captures).
 *
 * Seeded and reproducible: `npm test` runs a few cases per room type with seed 42; a
 * longer run is `npm run test:sync -- --runs 200 --seed 123` (tools/stateSyncLong.ts, which
 * sets `SYNC_SEED`, `SYNC_RUNS`, `SYNC_STEPS`, `SYNC_PATH`, `SYNC_KNOWN_DEFECTS` for this
 * file). A failure prints the seed, the shrunk steps and the command that replays exactly
 * that case (a fast-check path replays only with the settings that generated it). The
 * operations replay exactly; the server's timing does not, so a failure that hangs on a
 * race may need a few replays.
 *
 * Two defects of Colyseus 0.18 / @colyseus/schema 5.0.34 that this property found:
 * - A client whose full state (on joining, or on reconnecting) is encoded while an
 *   ArraySchema push and a removal are pending gets both again in the next patch and holds
 *   one element twice: a chat member joining or reconnecting in the patch interval of a
 *   line that overflows the 100-line history held 101 lines. tickroom works around it
 *   (TickroomRoom flushes pending changes before every full state), so the chat history
 *   overflows in every run and this property guards the workaround.
 * - Steered around unless `SYNC_KNOWN_DEFECTS=1` (`--known-defects`), with which runs find
 *   it again within a few dozen cases: a `@view()` field withdrawn from a client's view (`view.remove`) while its connection
 *   is dead stays on that client after it reconnects: the SDK's resync (`decodeResync`)
 *   prunes collection entries the full state lacks, never a field. Avoided: a step that
 *   hides never cuts a socket, and only reachable clients have something hidden.
 */

const SEED = Number(process.env.SYNC_SEED ?? 42);
const RUNS = Number(process.env.SYNC_RUNS ?? 5);
/** fast-check's path of one counterexample (printed with a failure): replays only that case. */
const PATH = process.env.SYNC_PATH;
const MAX_STEPS = Number(process.env.SYNC_STEPS ?? 8);
/** A dropped player's seat is held this long: short, so abandoned seats expire within a run. */
const WINDOW_SECONDS = 1.5;
/** Also generate what triggers the known Colyseus defects (see above). */
const KNOWN_DEFECTS = process.env.SYNC_KNOWN_DEFECTS === "1";

interface ArenaFrame {
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  readonly fire: boolean;
}

type Op =
  | { readonly op: "join" | "spectate" | "expire" }
  | { readonly op: "leave" | "drop" | "vanish" | "rematch"; readonly who: number }
  | { readonly op: "say"; readonly who: number; readonly text: string }
  | { readonly op: "history"; readonly count: number }
  | { readonly op: "move"; readonly who: number; readonly index: number }
  | { readonly op: "play"; readonly cell: number }
  | { readonly op: "aim"; readonly who: number; readonly frames: readonly ArenaFrame[] }
  | { readonly op: "arm"; readonly ticks: number }
  | { readonly op: "reveal" | "hide"; readonly viewer: number; readonly target: number }
  | { readonly op: "paddle"; readonly who: number; readonly moves: readonly number[] }
  | { readonly op: "goal"; readonly side: 1 | 2 };

/** Operations that run together (concurrently), then the room settles and is compared. */
type Step = readonly Op[];

type RoomTypeName = "chat" | "tictactoe" | "arena" | "pong";

interface Driver {
  readonly type: RoomTypeName;
  readonly createOptions: Record<string, unknown>;
  /** The room type's own operations, with their weights among the common ones. */
  readonly ops: ReadonlyArray<fc.WeightedArbitrary<Op>>;
  /** Whether the server still holds a seat (an entity) for `sessionId`. */
  seated(room: ServerRoom, sessionId: string): boolean;
  /** Steps that would trigger a known defect (generated only with `SYNC_KNOWN_DEFECTS=1`). */
  readonly triggersKnownDefect?: (step: Step) => boolean;
}

const has = (step: Step, ...ops: ReadonlyArray<Op["op"]>): boolean => step.some((op) => ops.includes(op.op));

const who = fc.nat({ max: 7 });
const anyNumber = fc.oneof(
  { arbitrary: fc.double({ min: -2, max: 2, noNaN: true }), weight: 8 },
  { arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1e30, 1e30), weight: 1 },
);

const commonOps: ReadonlyArray<fc.WeightedArbitrary<Op>> = [
  { arbitrary: fc.constant({ op: "join" } as const), weight: 3 },
  { arbitrary: fc.constant({ op: "spectate" } as const), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("leave" as const), who }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("drop" as const), who }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("vanish" as const), who }), weight: 1 },
  { arbitrary: fc.constant({ op: "expire" } as const), weight: 1 },
];

const chat: Driver = {
  type: "chat",
  createOptions: { channel: "sync" },
  ops: [
    {
      arbitrary: fc.record({
        op: fc.constant("say" as const),
        who,
        text: fc.oneof(
          fc.string({ maxLength: 24 }),
          fc.string({ unit: "grapheme", maxLength: 12 }),
          fc.string({ unit: "binary", maxLength: 8 }),
          fc.constantFrom("", "   ", "x".repeat(500), "y".repeat(501), "😀".repeat(500)),
        ),
      }),
      weight: 8,
    },
    // Lines added server-side, past the rate limit: fills the 100-line history, whose
    // overflow is spliced off (what the full-state defect needed; now worked around).
    { arbitrary: fc.record({ op: fc.constant("history" as const), count: fc.integer({ min: 1, max: 120 }) }), weight: 2 },
  ],
  seated: (room, sessionId) => (room as ChatRoom).state.members.has(sessionId),
};

const tictactoe: Driver = {
  type: "tictactoe",
  createOptions: {},
  ops: [
    { arbitrary: fc.record({ op: fc.constant("move" as const), who, index: fc.integer({ min: 0, max: 8 }) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant("play" as const), cell: fc.nat({ max: 8 }) }), weight: 8 },
    { arbitrary: fc.record({ op: fc.constant("rematch" as const), who }), weight: 3 },
  ],
  seated: (room, sessionId) => (room as TicTacToeRoom).state.players.has(sessionId),
};

const arena: Driver = {
  type: "arena",
  createOptions: {},
  ops: [
    {
      arbitrary: fc.record({
        op: fc.constant("aim" as const),
        who,
        frames: fc.array(fc.record({ x: anyNumber, y: anyNumber, angle: fc.double({ min: -10, max: 10, noNaN: true }), fire: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
        }),
      }),
      weight: 8,
    },
    { arbitrary: fc.record({ op: fc.constant("arm" as const), ticks: fc.integer({ min: 1, max: 120 }) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("reveal" as const), viewer: who, target: who }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant("hide" as const), viewer: who, target: who }), weight: 3 },
  ],
  seated: (room, sessionId) => (room as ArenaRoom).state.players.has(sessionId),
  triggersKnownDefect: (step) => has(step, "hide") && has(step, "drop", "vanish"),
};

const pong: Driver = {
  type: "pong",
  createOptions: { scoreLimit: 2 },
  ops: [
    { arbitrary: fc.record({ op: fc.constant("paddle" as const), who, moves: fc.array(anyNumber, { minLength: 1, maxLength: 6 }) }), weight: 8 },
    { arbitrary: fc.record({ op: fc.constant("goal" as const), side: fc.constantFrom(1 as const, 2 as const) }), weight: 3 },
  ],
  seated: (room, sessionId) => (room as PongRoom).state.players.has(sessionId),
};

function stepsOf(driver: Driver): fc.Arbitrary<Step[]> {
  const op = fc.oneof(...commonOps, ...driver.ops);
  const known = driver.triggersKnownDefect;
  const step = fc.array(op, { minLength: 1, maxLength: 3 });
  return fc.array(KNOWN_DEFECTS || known === undefined ? step : step.filter((ops) => !known(ops)), { minLength: 1, maxLength: MAX_STEPS });
}

describe("state sync, proven by properties", () => {
  let server: TestServer;
  let current: SyncWatch | undefined;
  let restoreConsole: () => void;
  let reported = false;

  before(async () => {
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: String(WINDOW_SECONDS) });
    restoreConsole = captureConsole(() => current);
  });
  after(async () => {
    restoreConsole();
    await server.close();
  });

  /** One run: a fresh room, two players, the steps, each followed by a settle and a check. */
  class Scenario {
    readonly clients: Watched[] = [];
    readonly #room: ServerRoom;
    readonly #watch: SyncWatch;
    readonly #driver: Driver;
    /** Whose `reload` each client's view holds besides its own entity (the arena's StateView, as the test changed it). */
    readonly #revealed = new Map<string, Set<string>>();
    /** Players whose own entity the test removed from their view. */
    readonly #ownHidden = new Set<string>();
    readonly #abandoned = new Set<Watched>();
    readonly #inputs = new Map<Watched, InputHandle<ArenaInput> | InputHandle<PongInput>>();
    readonly #sentAt = new Map<Watched, number[]>();
    #senders: Watched[] = [];
    #labels = 0;

    constructor(driver: Driver, room: ServerRoom) {
      this.#driver = driver;
      this.#room = room;
      // Kept until the run disposes of it, even when every client has gone meanwhile.
      room.autoDispose = false;
      this.#watch = new SyncWatch(room, (viewer, path) => {
        // The arena's one secret: players.<id>.reload, seen by the client whose view holds <id>.
        const owner = path[0] === "players" ? path[1] : undefined;
        if (owner === undefined) return false;
        return (owner === viewer && !this.#ownHidden.has(viewer)) || (this.#revealed.get(viewer)?.has(owner) ?? false);
      });
      current = this.#watch;
    }

    get stats(): SyncStats {
      return this.#watch.stats;
    }

    async run(steps: readonly Step[]): Promise<void> {
      await this.#join(false);
      await this.#join(false);
      if (this.#driver.type === "arena") this.#arm(60);
      await this.#settle("after the two players joined");
      for (const [index, step] of steps.entries()) {
        await Promise.all(step.map((op) => this.#apply(op)));
        await this.#settle(`after step ${index + 1} ${JSON.stringify(step)}`);
      }
      // Every dropped client back (or gone for good), then one last full comparison.
      await eventually(() => this.clients.every((c) => c.status === "gone" || this.#watch.reachable(c)), "dropped clients reconnected or gone", 15_000);
      this.#senders = this.clients.filter((c) => this.#watch.reachable(c));
      await this.#settle("at the end");
    }

    async close(): Promise<void> {
      const leaving = this.clients.filter((c) => c.status === "connected").map((c) => deadline(c.room.leave(), 10_000, `${c.label} leaving`));
      await Promise.allSettled(leaving);
      if (matchMaker.getLocalRoomById(this.#room.roomId) !== undefined)
        await deadline(this.#room.disconnect(), 10_000, "the room's disposal").catch(() => undefined);
      if (current === this.#watch) current = undefined;
    }

    async #settle(when: string): Promise<void> {
      const senders = this.#senders;
      this.#senders = [];
      for (const sender of senders) await this.#spend(sender, 1);
      await this.#watch.settle(senders);
      this.#watch.assertInSync(when);
    }

    /**
     * Stay under the room's per-client message limit (over it the client is closed with
     * 4002 and loses its seat, a path other tests cover): pace a client's sends, the pings
     * of `settle` included, to 60% of the limit over any 1.1 s. This waits on the clock,
     * but only to pace; no outcome is judged by time.
     */
    async #spend(client: Watched, messages: number): Promise<void> {
      const budget = Math.floor(this.#room.maxMessagesPerSecond * 0.6);
      const times = this.#sentAt.get(client) ?? [];
      this.#sentAt.set(client, times);
      for (;;) {
        const now = performance.now();
        while (times.length > 0 && now - times[0]! > 1100) times.shift();
        if (times.length + messages <= budget) break;
        await new Promise((resolve) => setTimeout(resolve, 1100 - (now - times[0]!) + 1));
      }
      for (let i = 0; i < messages; i++) times.push(performance.now());
    }

    /** A client by index among those the operation can use. */
    #pick(index: number, usable: (client: Watched) => boolean): Watched | undefined {
      const candidates = this.clients.filter(usable);
      return candidates.length === 0 ? undefined : candidates[index % candidates.length];
    }

    /** Connected, with a live server connection: may leave or be cut. */
    #connected = (client: Watched): boolean => this.#watch.reachable(client);
    /** Still in the room, perhaps reconnecting: may send (the SDK queues what it sends while offline). */
    #present = (client: Watched): boolean => client.status === "connected" || client.status === "reconnecting";

    async #join(spectator: boolean): Promise<void> {
      const label = `c${++this.#labels}`;
      let room: Room;
      try {
        const options = spectator ? { name: label, spectator: true } : { name: label };
        room = await deadline(server.client().joinById(this.#room.roomId, options), 10_000, `${label} joining`);
      } catch (error) {
        // No slot left, or a started match: refused, nothing joined.
        if ((error as { code?: number }).code === HttpStatus.ROOM_FULL) return;
        throw error;
      }
      // Synchronously after the join resolves: its full state is a later frame.
      const client = this.#watch.watch(label, room);
      allowQuickReconnect(room);
      room.onMessage("*", () => undefined);
      this.clients.push(client);
      await this.#spend(client, 1); // its JOIN_ROOM acknowledgement
    }

    /** Send once the pace allows, if `client` is still `usable` then (a step may have cut it meanwhile). */
    async #send(client: Watched, usable: (client: Watched) => boolean, type: string, payload?: unknown): Promise<void> {
      await this.#spend(client, 1);
      if (!usable(client)) return;
      (client.room.send as (type: string, payload?: unknown) => void)(type, payload);
      this.#senders.push(client);
    }

    /** A message from the `who`-th present client, if any is present. */
    async #sendFromPresent(who: number, type: string, payload?: unknown): Promise<void> {
      const client = this.#pick(who, this.#present);
      if (client !== undefined) await this.#send(client, this.#present, type, payload);
    }

    #arm(ticks: number): void {
      // Reload is derived from each player's next-fire tick: make it non-zero for everyone,
      // so a secret leaking to another client could not pass for the decoder's default.
      const room = this.#room as ArenaRoom;
      const timers = (room as unknown as { timers: Map<string, PlayerTimers> }).timers;
      for (const timer of timers.values()) timer.nextFireTick = Math.max(timer.nextFireTick, room.state.tick + ticks);
    }

    #input<I>(client: Watched, type: new () => I): InputHandle<I> {
      let handle = this.#inputs.get(client) as InputHandle<I> | undefined;
      if (handle === undefined) {
        // colyseus-internal: input-type-explicit
        handle = client.room.input<I>({ type } as never);
        this.#inputs.set(client, handle as never);
      }
      return handle;
    }

    async #apply(op: Op): Promise<void> {
      switch (op.op) {
        case "join":
        case "spectate":
          return this.#join(op.op === "spectate");
        case "leave": {
          const client = this.#pick(op.who, this.#connected);
          if (client === undefined) return;
          client.status = "leaving";
          await deadline(client.room.leave(), 10_000, `${client.label} leaving`);
          return;
        }
        case "vanish":
        case "drop": {
          const client = this.#pick(op.who, this.#connected);
          if (client === undefined) return;
          if (op.op === "vanish") {
            // The SDK will not reconnect: the seat is held for the window, then freed.
            client.room.reconnection.enabled = false;
            this.#abandoned.add(client);
          }
          this.#watch.killed(client.sessionId);
          killSocket(this.#room.roomId, client.sessionId);
          return;
        }
        case "expire": {
          const abandoned = [...this.#abandoned];
          await eventually(
            () => abandoned.every((client) => !this.#driver.seated(this.#room, client.sessionId)),
            "abandoned seats freed after the window",
            WINDOW_SECONDS * 1000 + 10_000,
          );
          return;
        }
        case "say":
          return this.#sendFromPresent(op.who, "say", { text: op.text });
        case "history": {
          const state = (this.#room as ChatRoom).state;
          const speaker = [...state.members.keys()][0];
          if (speaker === undefined) return;
          for (let i = 0; i < op.count; i++) say(state, speaker, `line ${i}`, Date.now());
          return;
        }
        case "move":
          return this.#sendFromPresent(op.who, "move", { index: op.index });
        case "play": {
          // The player to move, on a free cell: games get played to their end.
          const state = (this.#room as TicTacToeRoom).state;
          const mover = this.clients.find((c) => c.sessionId === state.currentTurn && this.#present(c));
          const free = [...state.board.keys()].filter((i) => state.board[i] === 0);
          if (mover !== undefined && free.length > 0) await this.#send(mover, this.#present, "move", { index: free[op.cell % free.length] });
          return;
        }
        case "rematch":
          return this.#sendFromPresent(op.who, "rematch");
        case "aim": {
          const client = this.#pick(op.who, this.#present);
          if (client === undefined) return;
          await this.#spend(client, op.frames.length);
          const input = this.#input(client, ArenaInput);
          for (const frame of op.frames) {
            Object.assign(input.data, frame);
            input.send();
          }
          return;
        }
        case "arm":
          return this.#arm(op.ticks);
        case "reveal":
        case "hide": {
          const viewer = this.#pick(op.viewer, KNOWN_DEFECTS || op.op === "reveal" ? this.#present : this.#connected);
          const state = (this.#room as ArenaRoom).state;
          const target = [...state.players.keys()][op.target % Math.max(1, state.players.size)];
          const client = viewer === undefined ? undefined : this.#room.clients.get(viewer.sessionId);
          const entity = target === undefined ? undefined : state.players.get(target);
          if (viewer === undefined || target === undefined || client === undefined || entity === undefined) return;
          if (op.op === "reveal") {
            // A spectator has no view until it is shown something.
            client.view ??= new StateView();
            client.view.add(entity);
            if (target === viewer.sessionId) this.#ownHidden.delete(target);
            else this.#revealedTo(viewer.sessionId).add(target);
          } else {
            client.view?.remove(entity);
            if (target === viewer.sessionId) this.#ownHidden.add(target);
            else this.#revealedTo(viewer.sessionId).delete(target);
          }
          return;
        }
        case "paddle": {
          const client = this.#pick(op.who, this.#present);
          if (client === undefined) return;
          await this.#spend(client, op.moves.length);
          const input = this.#input(client, PongInput);
          for (const move of op.moves) {
            input.data.move = move;
            input.send();
          }
          return;
        }
        case "goal": {
          // Send the ball past a side's paddle: a point, and at the score limit the end of the match.
          const state = (this.#room as PongRoom).state;
          if (state.status !== "playing") return;
          const toward = op.side === 1 ? -1 : 1;
          for (const paddle of state.players.values()) if (paddle.side === op.side) paddle.y = PONG.paddleHeight / 2;
          Object.assign(state.ball, { x: PONG.width / 2, y: PONG.height - 40, vx: toward * 700, vy: 0 });
          state.serveIn = 0;
          return;
        }
      }
    }

    #revealedTo(viewer: string): Set<string> {
      let revealed = this.#revealed.get(viewer);
      if (revealed === undefined) {
        revealed = new Set();
        this.#revealed.set(viewer, revealed);
      }
      return revealed;
    }
  }

  async function runScenario(driver: Driver, steps: readonly Step[], totals: SyncStats): Promise<void> {
    const created = await deadline(server.colyseus.createRoom(driver.type, driver.createOptions), 10_000, `a ${driver.type} room`);
    const scenario = new Scenario(driver, serverRoom(created.roomId));
    try {
      await scenario.run(steps);
    } catch (error) {
      // fast-check reports the shrunk case at the end; print the first one at once, in
      // case shrinking is cut short by a timeout.
      if (!reported) {
        reported = true;
        process.stderr.write(
          `\nstate sync failed on ${driver.type} (SYNC_SEED=${SEED} SYNC_STEPS=${MAX_STEPS}), shrinking; steps: ${JSON.stringify(steps)}\n${(error as Error).message}\n`,
        );
      }
      throw error;
    } finally {
      for (const key of Object.keys(totals) as Array<keyof SyncStats>) totals[key] += scenario.stats[key];
      await scenario.close();
    }
  }

  async function property(t: TestContext, driver: Driver): Promise<SyncStats> {
    const totals: SyncStats = { frames: 0, resyncs: 0, secretsShown: 0, secretsHiddenNonZero: 0 };
    const details = await fc.check(
      fc.asyncProperty(stepsOf(driver), (steps) => runScenario(driver, steps, totals)),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true, ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }) },
    );
    if (details.failed) {
      // A path replays only with the same generation settings: say them all.
      const known = KNOWN_DEFECTS ? " --known-defects" : "";
      const replay = `npm run test:sync -- --room ${driver.type} --seed ${details.seed} --steps ${MAX_STEPS} --path ${details.counterexamplePath}${known}`;
      const shrunk = details.counterexample === null ? "" : `\nshrunk steps: ${JSON.stringify(details.counterexample[0])}`;
      assert.fail(`${fc.defaultReportMessage(details)}${shrunk}\nreplay it: ${replay}`);
    }
    t.diagnostic(`${driver.type}: seed ${SEED}, ${RUNS} runs; ${JSON.stringify(totals)}`);
    assert.ok(totals.frames > 0, "state frames were compared");
    return totals;
  }

  it("chat: members and history stay in sync through joins, leaves, drops and bursts", async (t) => {
    await property(t, chat);
  });

  it("tictactoe: board, turns and rematches stay in sync, spectators included", async (t) => {
    await property(t, tictactoe);
  });

  it("arena: every patch decodes to the server state; reload reaches only the views that hold it", async (t) => {
    const totals = await property(t, arena);
    assert.ok(totals.secretsShown > 0, "an own reload was compared");
    assert.ok(totals.secretsHiddenNonZero > 0, "another player's non-zero reload was withheld");
  });

  it("pong: paddles, ball and score stay in sync, spectators included", async (t) => {
    await property(t, pong);
  });
});
