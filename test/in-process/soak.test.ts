import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { enterQueue } from "../../client/queue.ts";
import { parsePrometheusText, type Sample, sumOf } from "../../loadtest/bench/prometheusText.ts";
import { ArenaInput } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { eventually, nextMessage, startTestServer, type TestServer, untilState } from "../support/harness.ts";

// A flag set at run time, not on the command line: `npm test` runs every file with the same
// flags, and only this file needs a collector it can call.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Under load a patch can take a while to arrive: generous, so only a real hang fails. */
const WAIT_MS = 10_000;

/** Per room type, before the baseline; see OBJECT_HEAP_GROWTH_BOUND for why this many. */
const WARM_UP_CYCLES = 60;

const MB = 1024 * 1024;

/**
 * How much the object heap (see CODE_SPACES) may grow over the soak. Measured on a 2-core
 * machine, 18 runs: +0.2 to +0.6 MB, V8's own metadata still settling (with 10 warm-up
 * cycles per type instead of 60 it was up to +1.4 MB, hence the longer warm-up). 2 MB is
 * over three times the worst of that, and what a leak of 1 KB per cycle adds up to over
 * the ~2000 cycles: a simulated leak of 1 KB per cycle failed at +2.7 MB, 2 KB at +4.3 MB.
 */
const OBJECT_HEAP_GROWTH_BOUND = 2 * MB;

type TicTacToe = Room<unknown, TicTacToeState>;

/** X's moves at even indexes, O's at odd: one game ends in a win, the other fills the board. */
const X_WINS = [0, 3, 1, 4, 2];
const DRAW = [0, 1, 2, 4, 3, 5, 7, 6, 8];

/** Play `moves` alternately (x first) until the game is over on both clients. */
async function playToEnd(x: TicTacToe, o: TicTacToe, moves: readonly number[]): Promise<void> {
  for (const [played, index] of moves.entries()) {
    const mover = played % 2 === 0 ? x : o;
    // The mover's view must hold every earlier move, not only "my turn": a view one patch
    // behind still shows the turn from before its own last move.
    await untilState(mover, (s) => s.currentTurn === mover.sessionId && s.board.filter((c) => c !== 0).length === played, `move ${played}`, WAIT_MS);
    mover.send("move", { index });
  }
  await Promise.all([x, o].map((room) => untilState(room, (s) => s.status === "finished", "game over", WAIT_MS)));
}

/** Queue matches whose two players were paired together and played the game out. */
let queueGamesPlayed = 0;

/** Run `cycle(0..count-1)` with at most `concurrency` in flight. */
async function inParallel(count: number, concurrency: number, cycle: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await cycle(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

interface Workload {
  /** Cycles in the soak proper (warm-up runs WARM_UP_CYCLES more). */
  readonly cycles: number;
  readonly concurrency: number;
  readonly cycle: (server: TestServer, index: number) => Promise<void>;
}

/**
 * One join/play/leave cycle per room type. Every leave is consented, so no seat waits out
 * a reconnection window and every room should be empty, and disposed, when its cycles end.
 */
const workloads: Record<string, Workload> = {
  chat: {
    cycles: 600,
    concurrency: 16,
    async cycle(server, index) {
      // Several channels: rooms are shared by some cycles and created and disposed by others.
      const room = await server.client().joinOrCreate("chat", { channel: `soak-${index % 6}`, name: `c${index}` });
      const text = `hello ${index}`;
      room.send("say", { text });
      await untilState(room, (s) => s.messages.some((m) => m.text === text), "own message", WAIT_MS);
      await room.leave();
    },
  },
  tictactoe: {
    cycles: 300,
    concurrency: 12,
    async cycle(server, index) {
      // create + joinById: joinOrCreate would pair players of concurrent cycles at random.
      const x: TicTacToe = await server.client().create("tictactoe", {});
      const o: TicTacToe = await server.client().joinById(x.roomId, {});
      await playToEnd(x, o, index % 2 === 0 ? X_WINS : DRAW);
      await Promise.all([x.leave(), o.leave()]);
    },
  },
  arena: {
    cycles: 300,
    concurrency: 12,
    async cycle(server, index) {
      const room = await server.client().joinOrCreate("arena", { name: `a${index}` });
      // The explicit type matters: without it the SDK builds a fresh input class per room
      // from the server's reflection, and @colyseus/schema caches a TypeContext per class in
      // a static Map forever (Encoder -> TypeContext.cache): ~11 KB per join, in the client.
      // colyseus-internal: input-type-explicit
      const input = room.input({ type: ArenaInput });
      for (let frame = 0; frame < 5; frame++) {
        Object.assign(input.data, { x: Math.cos(frame), y: Math.sin(frame), angle: frame, fire: frame % 2 === 0 });
        input.send();
      }
      await eventually(() => input.lastProcessed === 5, "inputs acknowledged", WAIT_MS);
      await room.leave();
    },
  },
  lobby: {
    cycles: 400,
    concurrency: 8,
    async cycle(server) {
      const room = await server.client().joinOrCreate("lobby");
      // Rooms of the other workloads come and go meanwhile: the live list updates.
      room.onMessage("+", () => undefined);
      room.onMessage("-", () => undefined);
      await nextMessage(room, "rooms", WAIT_MS);
      await room.leave();
    },
  },
  queueCancel: {
    cycles: 250,
    concurrency: 8,
    async cycle(server, index) {
      // A party of two with one member never completes, so the ticket can never be matched
      // before it is cancelled (a matched ticket would seat a player nobody leaves with).
      const ticket = await enterQueue(server.client(), { game: "arena", party: `solo-${index}`, partySize: 2 });
      const cancelled = ticket.match.then(
        () => {
          throw new Error("an incomplete party was matched");
        },
        () => undefined,
      );
      await ticket.cancel();
      await cancelled;
    },
  },
  queueMatch: {
    cycles: 150,
    concurrency: 20,
    async cycle(server) {
      const tickets = await Promise.all([enterQueue(server.client(), { game: "tictactoe" }), enterQueue(server.client(), { game: "tictactoe" })]);
      const [a, b] = (await Promise.all(tickets.map((ticket) => ticket.match))).map((match) => match.room as TicTacToe) as [TicTacToe, TicTacToe];
      // Concurrent cycles share the queue, so the two may have been paired with players of
      // other cycles: only a pair that met plays the game out; the others leave (a forfeit).
      if (a.roomId === b.roomId) {
        await untilState(a, (s) => s.status === "playing", "match started", WAIT_MS);
        const aIsX = a.state.players.get(a.sessionId) === 1;
        await playToEnd(aIsX ? a : b, aIsX ? b : a, X_WINS);
        queueGamesPlayed++;
      }
      await Promise.all([a.leave(), b.leave()]);
    },
  },
};

/** Every workload at once, each with its own concurrency; returns cycles run per room type. */
async function runAll(server: TestServer, cyclesOf: (workload: Workload) => number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await Promise.all(
    Object.entries(workloads).map(async ([name, workload]) => {
      const cycles = cyclesOf(workload);
      await inParallel(cycles, workload.concurrency, (index) => workload.cycle(server, index));
      counts[name] = cycles;
    }),
  );
  return counts;
}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
}

/**
 * V8 spaces holding compiled code and its metadata. They keep growing for thousands of
 * cycles after any warm-up as V8 optimizes hot functions (+0.4 to +0.9 MB over this soak,
 * varying from run to run), and stop once the code is hot, however many rooms come and
 * go: not a leak, and the largest part of the noise in heapUsed.
 */
const CODE_SPACES = new Set(["code_space", "code_large_object_space", "trusted_space", "trusted_large_object_space"]);

interface HeapReading {
  /** `process.memoryUsage().heapUsed`: everything, for the log. */
  readonly used: number;
  /** The spaces JavaScript objects live in (the rest of `used`): what a leak would grow. */
  readonly objects: number;
}

/**
 * The heap after full collections. Several rounds with a turn of the event loop between
 * them: what one collection frees (weak callbacks, closed sockets' buffers) is often
 * reclaimed only by a later one. The lowest readings are the least disturbed by
 * allocation in between.
 */
async function collectedHeap(): Promise<HeapReading> {
  // fetch() keeps a timing entry per request, up to a fixed 250: bounded, but noise here.
  performance.clearResourceTimings();
  let used = Infinity;
  let objects = Infinity;
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    used = Math.min(used, process.memoryUsage().heapUsed);
    let inObjectSpaces = 0;
    for (const space of v8.getHeapSpaceStatistics()) if (!CODE_SPACES.has(space.space_name)) inObjectSpaces += space.space_used_size;
    objects = Math.min(objects, inObjectSpaces);
  }
  return { used, objects };
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(2)} MB`;
const signedMb = (bytes: number): string => `${bytes >= 0 ? "+" : ""}${mb(bytes)}`;

describe("soak: thousands of join/play/leave cycles leave nothing behind", () => {
  let server: TestServer;
  let baselineHeap: HeapReading = { used: 0, objects: 0 };
  /** Timers of a server with nothing to do (its own intervals). */
  let idleTimeouts = 0;
  let totalCycles = 0;
  // colyseus-internal: sdk-warning-text
  const warn = console.warn;

  before(async () => {
    // A message read from the socket together with the join confirmation ("queued", a
    // match's "joinCode") reaches the client before any handler can be
    // registered, and the SDK warns for each: hundreds of lines that would bury the numbers.
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).startsWith("@colyseus/sdk: onMessage() not registered")) warn(...args);
    };
    server = await startTestServer();
    idleTimeouts = activeTimeouts();
    // First-use costs are not leaks and belong in the baseline: compiled and optimized code,
    // the HTTP connection pool, prom-client label sets.
    await runAll(server, () => WARM_UP_CYCLES);
    await eventually(() => matchMaker.stats.local.roomCount === 0, "warm-up rooms disposed", WAIT_MS);
    baselineHeap = await collectedHeap();

    queueGamesPlayed = 0;
    const started = performance.now();
    const counts = await runAll(server, (workload) => workload.cycles);
    totalCycles = Object.values(counts).reduce((sum, n) => sum + n, 0);
    console.log(
      `soak: ${totalCycles} cycles in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}, ` +
        `${queueGamesPlayed} queue matches played out by a pair that met`,
    );
  });
  after(async () => {
    console.warn = warn;
    await server.close();
  });

  it("disposes every room and forgets every client", async () => {
    await eventually(() => matchMaker.stats.local.roomCount === 0 && matchMaker.stats.local.ccu === 0, "every room disposed", WAIT_MS).catch(() => undefined);
    assert.deepEqual({ ...matchMaker.stats.local }, { roomCount: 0, ccu: 0 });
  });

  // colyseus-internal: stats-persist-debounce
  it("clears the timers it started", async () => {
    // Only timers that keep the process alive are counted (unref'd ones are not listed).
    // Right after the last leave a few are still due: a closing socket's (ws clears it once
    // the peer has closed too) and Colyseus's 1 s debounce of its stats. The wait allows for
    // those and no more: a timer left by a room, seat or client that nobody cleared (a
    // reconnection window of 3 s, a seat reservation's expiry) would still be counted.
    const onceDisposed = activeTimeouts();
    const since = performance.now();
    await eventually(() => activeTimeouts() <= idleTimeouts, "timers cleared", 2500).catch(() => undefined);
    console.log(
      `soak: active Timeouts ${idleTimeouts} on an idle server, ${onceDisposed} once rooms were disposed, ` +
        `${activeTimeouts()} ${Math.round(performance.now() - since)} ms later`,
    );
    assert.ok(
      activeTimeouts() <= idleTimeouts,
      `${activeTimeouts()} Timeouts left, ${idleTimeouts} on an idle server: ${process.getActiveResourcesInfo().join(", ")}`,
    );
  });

  it("returns the heap to its baseline", async () => {
    const heap = await collectedHeap();
    const growth = heap.objects - baselineHeap.objects;
    console.log(
      `soak: heapUsed after gc ${mb(baselineHeap.used)} -> ${mb(heap.used)} (${signedMb(heap.used - baselineHeap.used)}); ` +
        `objects ${mb(baselineHeap.objects)} -> ${mb(heap.objects)} (${signedMb(growth)}, ${Math.round(growth / totalCycles)} B/cycle)`,
    );
    assert.ok(growth < OBJECT_HEAP_GROWTH_BOUND, `the object heap grew ${mb(growth)} over ${totalCycles} cycles`);
  });

  it("reports no room or client on /metrics, and as many leaves as joins", async () => {
    const response = await fetch(`${server.httpUrl}/metrics`);
    assert.equal(response.status, 200);
    const samples: Sample[] = parsePrometheusText(await response.text());
    const joins = sumOf(samples, "tickroom_joins_total");
    const leaves = sumOf(samples, "tickroom_leaves_total");
    console.log(`soak: /metrics joins ${joins}, leaves ${leaves}`);
    assert.equal(sumOf(samples, "tickroom_rooms"), 0);
    assert.equal(sumOf(samples, "tickroom_clients"), 0);
    assert.ok(joins > totalCycles, `only ${joins} joins counted`);
    assert.equal(joins, leaves);
  });
});
