import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Client, type Room } from "@colyseus/sdk";
import { joinByCode } from "../../client/joinByCode.ts";
import { enterQueue } from "../../client/queue.ts";
import type { ArenaInput, ArenaState } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { flushRedisDatabase, redisAnswers } from "../../tools/redisCommand.ts";
import { freePort, type ServerProcess, startServerProcess } from "../../tools/serverProcess.ts";
import { nextMessage, untilState } from "../support/harness.ts";

/**
 * Two real tickroom processes sharing a real Redis: matchmaking, codes, lobby, queue and
 * reconnection across them, and what happens when one dies. A dedicated database index,
 * flushed first, keeps runs from seeing each other's rooms.
 */
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const DATABASE = 13;
const redisUrl = `redis://${REDIS.host}/${DATABASE}`;
/** How often each process sweeps dead peers in this test; a sweep adds a 2 s health check. */
const SWEEP_SECONDS = 1;

/** Poll an asynchronous condition (here: a fresh lobby's list) until it holds. */
async function until(predicate: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Reservation {
  readonly roomId: string;
  readonly processId: string;
  readonly publicAddress: string;
  readonly sessionId: string;
}

const available = await redisAnswers(REDIS.href);
if (!available) {
  const message = `\n!!! Redis does not answer at ${REDIS.host}: the cross-process tests are SKIPPED. Start one (see .ci/run) to run them. !!!\n`;
  if (process.env.CI === "true") throw new Error(`${message}Under CI=true this is a failure.`);
  console.warn(message);
}

describe("two processes on Redis", { skip: !available && "no Redis" }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  const processIdOf = new Map<string, ServerProcess>();

  async function start(): Promise<ServerProcess> {
    const port = await freePort();
    const server = await startServerProcess({
      PORT: String(port),
      REDIS_URL: redisUrl,
      PROCESS_CHECK_INTERVAL_SECONDS: String(SWEEP_SECONDS),
      RECONNECTION_WINDOW_SECONDS: "15",
      // No checkpoints: a dead process's rooms are swept, not adopted (adoption is
      // test/processes/migration.test.ts's; with it the doomed chat room would live on).
      CHECKPOINT_SECONDS: "0",
    });
    // Printed right after the "listening" line that startServerProcess waits for.
    let processId: string | undefined;
    await until(
      async () => {
        processId = /process (\S+) on Redis/.exec(server.output())?.[1];
        return processId !== undefined;
      },
      "the process id",
      5000,
    );
    assert.ok(processId);
    processIdOf.set(processId, server);
    return server;
  }

  const client = (server: ServerProcess): Client => new Client(`ws://127.0.0.1:${server.port}`);

  async function reserve(server: ServerProcess, method: string, room: string, options: object = {}): Promise<Reservation> {
    const response = await fetch(`http://127.0.0.1:${server.port}/matchmake/${method}/${room}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(options),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as Reservation;
  }

  /**
   * A room created through `via` that lives on `on`. Colyseus creates on the process with
   * the fewest rooms, from loads each process publishes at most once a second: rooms that
   * land elsewhere are kept (they weigh on their process) until one lands on `on`.
   */
  // colyseus-internal: stats-persist-debounce
  /** Rooms the process hosts, as its /health says. */
  async function roomsOn(server: ServerProcess): Promise<number> {
    return ((await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as { rooms: number }).rooms;
  }

  /**
   * A room of `kind` on process `on`, created through `via`. With `settle`, the rooms that
   * landed elsewhere on the way (with the same options) are gone from their process before
   * it returns: else a joinOrCreate with those options may still find one of them.
   */
  async function roomOn(via: ServerProcess, on: ServerProcess, kind = "tictactoe", options: object = {}, settle = false): Promise<Room> {
    // Rooms that landed elsewhere stay open meanwhile: they make the wanted process the
    // least loaded one for the next creation.
    const elsewhere: Room[] = [];
    const other = on === a ? b : a;
    for (let attempt = 0; attempt < 8; attempt++) {
      const seat = await reserve(via, "create", kind, options);
      const room = await client(via).consumeSeatReservation(seat as never);
      if (processIdOf.get(seat.processId) === on) {
        if (settle) {
          const before = await roomsOn(other);
          await Promise.all(elsewhere.map((left) => left.leave()));
          // Disposing a room removes its listing before the process's count drops.
          await until(async () => (await roomsOn(other)) <= before - elsewhere.length, "the rooms left elsewhere disposed", 10_000);
          return room;
        }
        // Returned at once, the others left without waiting: what the room sends right
        // after the join (a join code) must reach handlers the caller registers now.
        for (const left of elsewhere) void left.leave().catch(() => undefined);
        return room;
      }
      elsewhere.push(room);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    await Promise.all(elsewhere.map((room) => room.leave()));
    throw new Error("room creation never reached the wanted process");
  }

  before(async () => {
    await flushRedisDatabase(REDIS.href, DATABASE);
    a = await start();
    b = await start();
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("creates rooms on the least loaded process, and a seat sent through one process reaches a room on the other", async () => {
    const first = await reserve(a, "create", "tictactoe");
    // Colyseus picks the process with the fewest rooms from the load each process
    // publishes, at most once a second: let A's new count reach Redis first.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await reserve(a, "create", "tictactoe");
    assert.notEqual(first.processId, second.processId, "two creations through A land on both processes");
    for (const seat of [first, second]) assert.equal(seat.publicAddress, `127.0.0.1:${processIdOf.get(seat.processId)!.port}`);

    const x = await roomOn(a, b);
    // The second player asks process A for the room that lives on B.
    const o = await client(a).joinById(x.roomId, {});
    const state = await untilState(o as Room<unknown, TicTacToeState>, (s) => s.status === "playing", "a game across processes");
    assert.equal(state.players.size, 2);
    await Promise.all([x.leave(), o.leave()]);
  });

  it("lands joinOrCreate through either process in the matching room, wherever it lives", async () => {
    // Settled: a chat room that landed on A on the way has the same channel.
    const host = await roomOn(a, b, "chat", { channel: "only-on-b", name: "host" }, true);
    for (const via of [a, b]) {
      const guest = await client(via).joinOrCreate("chat", { channel: "only-on-b", name: "guest" });
      assert.equal(guest.roomId, host.roomId, `joinOrCreate through ${via === a ? "A" : "B"}`);
      await guest.leave();
    }
    await host.leave();
  });

  it("resolves a private join code from either process", async () => {
    const host = await roomOn(a, b, "tictactoe", { private: true });
    const { code } = await nextMessage<{ code: string }>(host, "joinCode");
    const friend = await joinByCode(client(a), code);
    assert.equal(friend.roomId, host.roomId);
    await Promise.all([host.leave(), friend.leave()]);
  });

  it("lists the rooms of every process in the lobby", async () => {
    const onA = await roomOn(b, a, "chat", { channel: "lobby-a" });
    const onB = await roomOn(a, b, "chat", { channel: "lobby-b" });
    const lobby = await client(a).joinOrCreate("lobby", {});
    const rooms = await nextMessage<Array<{ roomId: string }>>(lobby, "rooms");
    const listed = rooms.map((r) => r.roomId);
    assert.ok(listed.includes(onA.roomId) && listed.includes(onB.roomId), `lobby on A lists ${listed.join(", ")}`);
    await Promise.all([onA.leave(), onB.leave(), lobby.leave()]);
  });

  it("forms a queue match from players who entered through different processes", async () => {
    const [one, two] = await Promise.all([enterQueue(client(a), { game: "tictactoe" }), enterQueue(client(b), { game: "tictactoe" })]);
    const [m1, m2] = await Promise.all([one.match, two.match]);
    assert.equal(m1.room.roomId, m2.room.roomId, "one match for both");
    await untilState(m1.room as Room<unknown, TicTacToeState>, (s) => s.status === "playing");
    await Promise.all([m1.room.leave(), m2.room.leave()]);
  });

  // colyseus-internal: sdk-reconnection-rules
  it("reconnects through a process other than the one hosting the room", async () => {
    const player = await roomOn(b, a, "chat", { channel: "reconnect", name: "roamer" });
    await untilState(player as Room<unknown, { members: Map<string, unknown> }>, (s) => s.members.has(player.sessionId));
    player.reconnection.enabled = false;
    const token = player.reconnectionToken;
    // An abnormal close (not a consented leave): the room holds the seat.
    (player.connection as unknown as { close(code: number, reason: string): void }).close(3001, "network lost");
    const back = await client(b).reconnect(token);
    assert.equal(back.sessionId, player.sessionId, "same session, resumed through B for a room on A");
    const state = await untilState(back as Room<unknown, { members: Map<string, unknown> }>, (s) => s.members.has(back.sessionId));
    assert.equal(state.members.size, 1);
    await back.leave();
  });

  it("feeds a late spectator who asked through the other process, from the recording room's own buffer", async () => {
    const player = (await roomOn(b, a, "arena", { name: "runner" })) as Room<unknown, ArenaState>;
    const input = player.input<ArenaInput>();
    const moving = setInterval(() => {
      Object.assign(input.data, { x: 1, y: 0.5, angle: 0, fire: false });
      input.send();
    }, 1000 / 60);
    try {
      // Asked through B for the room on A: the seat, and the socket, go to A, where the buffer is.
      const late = await client(b).joinById<ArenaState>(player.roomId, { spectator: true, delaySeconds: 1 });
      const lags: number[] = [];
      late.onStateChange((state) => lags.push(player.state.tick - state.tick));
      await until(async () => lags.length >= 20, "twenty late states", 10_000);
      // One second is 60 ticks; the player's own view trails the server by a patch or two.
      assert.ok(Math.min(...lags) >= 45, `the late spectator trailed the player by ${Math.min(...lags)} ticks at least`);
      await late.leave();
    } finally {
      clearInterval(moving);
    }
    await player.leave();
  });

  it("drops a dead process's rooms from listings and sends new players to the survivors", async () => {
    const doomed = await roomOn(a, b, "chat", { channel: "doomed" });
    doomed.reconnection.enabled = false;
    const doomedId = doomed.roomId;
    // A lobby open through the whole failure must be told too, not only a fresh one.
    // It lives on the survivor (a lobby room lives on one process like any room); a filter
    // message makes it send its list again, now that a handler is listening.
    const watcher = await roomOn(b, a, "lobby");
    const relisted = nextMessage<Array<{ roomId: string }>>(watcher, "rooms");
    watcher.send("filter", {});
    const listed = await relisted;
    assert.ok(listed.some((r) => r.roomId === doomedId));
    watcher.onMessage("+", () => undefined);
    const unlisted = new Promise<void>((resolve) =>
      watcher.onMessage("-", (roomId: string) => {
        if (roomId === doomedId) resolve();
      }),
    );
    b.child.kill("SIGKILL");
    const killedAt = performance.now();
    // Documented bound: one sweep interval plus the 2 s health check, with slack for timers.
    await until(
      async () => {
        const lobby = await client(a).joinOrCreate("lobby", {});
        const rooms = await nextMessage<Array<{ roomId: string }>>(lobby, "rooms");
        await lobby.leave();
        return !rooms.some((r) => r.roomId === doomedId);
      },
      "the dead process's room unlisted",
      (SWEEP_SECONDS + 2) * 1000 + 4000,
    );
    console.log(`dead process's rooms unlisted after ${Math.round(performance.now() - killedAt)} ms`);
    await Promise.race([unlisted, new Promise((_, reject) => setTimeout(() => reject(new Error("the open lobby was never told")), 5000))]);
    await watcher.leave();
    for (let i = 0; i < 3; i++) {
      const seat = await reserve(a, "create", "tictactoe");
      assert.equal(processIdOf.get(seat.processId), a, "new rooms only on the survivor");
    }
    const joined = await client(a).joinOrCreate("chat", { channel: "doomed" });
    assert.notEqual(joined.roomId, doomedId, "the dead room is not matched");
    await joined.leave();
  });
});

describe("npm run start:cluster", { skip: !available && "no Redis" }, () => {
  it("starts CLUSTER_PROCESSES processes on consecutive ports sharing Redis, and drains them all on SIGTERM", async () => {
    // Two consecutive free ports: try until the one after a free port is free too.
    let base = 0;
    for (let attempt = 0; attempt < 20 && base === 0; attempt++) {
      const candidate = await freePort();
      const probe = await new Promise<boolean>((resolve) => {
        const server = createServer()
          .once("error", () => resolve(false))
          .listen(candidate + 1, "127.0.0.1", () => server.close(() => resolve(true)));
      });
      if (probe) base = candidate;
    }
    assert.ok(base > 0, "two consecutive free ports");
    await flushRedisDatabase(REDIS.href, DATABASE);
    const launcher = spawn(process.execPath, ["--import", "tsx", "server/cluster.ts"], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      // No load shedding: the rest of the suite keeps this machine busy (see generousHttpLimits).
      env: { ...process.env, PORT: String(base), CLUSTER_PROCESSES: "2", REDIS_URL: redisUrl, DEV_TOOLS: "off", MAX_EVENT_LOOP_DELAY_MS: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    launcher.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    launcher.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      // A safety net for a hang, not a start-up bound (see startServerProcess's timeoutMs).
      await until(async () => (output.match(/on Redis, public address/g) ?? []).length === 2, "both processes up", 90_000);
      const seats = await Promise.all(
        [base, base + 1].map(async (port) => {
          const response = await fetch(`http://127.0.0.1:${port}/matchmake/create/tictactoe`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          });
          return (await response.json()) as Reservation;
        }),
      );
      for (const seat of seats) assert.match(seat.publicAddress, new RegExp(`^127\\.0\\.0\\.1:(${base}|${base + 1})$`));
      const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
      launcher.kill("SIGTERM");
      assert.equal(await exited, 0, output);
      assert.equal((output.match(/all rooms disposed, exiting/g) ?? []).length, 2, output);
    } finally {
      if (launcher.exitCode === null) launcher.kill("SIGKILL");
    }
  });
});
