import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import WebSocket from "ws";
import type { RoomSnapshot } from "../../rooms/base/migration.ts";
import { TicTacToeRoom } from "../../rooms/TicTacToeRoom.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { MIGRATION_KEYS } from "../../server/migration.ts";
import { CloseCode, ErrorCode, type RoomError } from "../../shared/errors.ts";
import { redisAnswers } from "../../tools/redisCommand.ts";
import { freePort } from "../../tools/serverProcess.ts";
import {
  allowQuickReconnect,
  closed,
  eventually,
  killSocket,
  nextMessage,
  quietPeriod,
  reconnected,
  serverRoom,
  startTestServer,
  type TestServer,
  untilState,
} from "../support/harness.ts";

/**
 * One server on a real Redis adopting rooms from checkpoints a "dead" process left there
 * (written by the test: a process id with no heartbeat), and draining a room type that cannot
 * move. The moves between live processes are in test/processes/migration.test.ts.
 */
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const DATABASE = 10;
const redisUrl = `redis://${REDIS.host}/${DATABASE}`;
const DEAD = "dead-process";

/** Tic-tac-toe that declares no way to move: drained the old way. */
class UnmovableTicTacToe extends TicTacToeRoom {
  override get movable(): boolean {
    return false;
  }
}

const available = await redisAnswers(REDIS.href);
if (!available && process.env.CI === "true") throw new Error(`Redis does not answer at ${REDIS.host}: under CI=true this is a failure.`);

describe("rooms adopted from checkpoints, and rooms that cannot move", { skip: !available && "no Redis" }, () => {
  let server: TestServer;
  let redis: Redis;

  before(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    const port = await freePort();
    server = await startTestServer(
      {
        REDIS_URL: redisUrl,
        PORT: String(port),
        PUBLIC_ADDRESS: `127.0.0.1:${port}`,
        FAILOVER_DETECT_SECONDS: "1",
        // No full round within a test: an adopted room's first checkpoint is the adoption's,
        // the next ones those of a seat's change.
        CHECKPOINT_SECONDS: "3600",
        // A finished game is closed within the grace, a playing one at its end (1 s).
        SHUTDOWN_TIMEOUT_SECONDS: "2",
      },
      { rooms: (define) => ({ unmovable: define(UnmovableTicTacToe) }) },
    );
    await server.server.migration?.start(`127.0.0.1:${port}`);
  });

  after(async () => {
    await server?.close();
    await redis?.flushdb();
    redis?.disconnect();
  });

  /** Two players in a game of `type`, X has played the centre. */
  async function game(type: "tictactoe" | "unmovable"): Promise<[Room<unknown, TicTacToeState>, Room<unknown, TicTacToeState>]> {
    const a = await server.client().create<TicTacToeState>(type, {});
    const b = await server.client().joinById<TicTacToeState>(a.roomId, {});
    await untilState(a, (state) => state.status === "playing");
    const x = a.state.currentTurn === a.sessionId ? a : b;
    x.send("move", { index: 4 });
    await untilState(a, (state) => state.board[4] !== 0);
    return [a, b];
  }

  /** The snapshot of a live room, as a dead process would have left it under another room id. */
  function checkpointOf(roomId: string, asRoomId: string, change: (snapshot: Record<string, unknown>) => void = () => undefined): string {
    const snapshot = JSON.parse(JSON.stringify(serverRoom<TicTacToeRoom>(roomId).snapshot())) as Record<string, unknown>;
    snapshot.roomId = asRoomId;
    change(snapshot);
    return JSON.stringify(snapshot);
  }

  async function leaveCheckpoint(roomId: string, text: string): Promise<void> {
    await redis.multi().hset(MIGRATION_KEYS.checkpoints(DEAD), roomId, text).sadd(MIGRATION_KEYS.checkpointed, DEAD).exec();
  }

  /** Raw sockets opened by `returnTo`, closed after each test. */
  const sockets: WebSocket[] = [];
  /** The reconnection token each raw socket got in its JOIN_ROOM. */
  const tokens = new Map<WebSocket, string>();

  /** Resolve once a survivor has dealt with a checkpoint (adopted or refused, it is gone from Redis). */
  async function untilTakenUp(roomId: string): Promise<void> {
    const deadline = performance.now() + 5000;
    while ((await redis.hexists(MIGRATION_KEYS.checkpoints(DEAD), roomId)) === 1) {
      assert.ok(performance.now() < deadline, `${roomId}: the checkpoint was never taken up`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Open a raw socket to a room as a returning client; resolves with its close code, or "joined" on Colyseus's JOIN_ROOM (the socket stays open). */
  function returnTo(roomId: string, sessionId: string, token: string): Promise<number | "joined"> {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/${matchMaker.processId}/${roomId}?sessionId=${sessionId}&reconnectionToken=${token}`);
    sockets.push(socket);
    return new Promise((resolve) => {
      socket.on("message", (data: Buffer) => {
        // colyseus-internal: protocol-framing (10: JOIN_ROOM)
        if (data[0] === 10) {
          // JOIN_ROOM: the reconnection token, u8 length first.
          tokens.set(socket, data.subarray(2, 2 + (data[1] ?? 0)).toString());
          // The acknowledgement the SDK sends: the join is complete.
          socket.send(Buffer.from([10]));
          resolve("joined");
        }
      });
      socket.on("close", (code) => resolve(code));
    });
  }

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close(CloseCode.CONSENTED);
  });

  it("adopts a dead process's room from its checkpoint: same board, seats kept for the tokens it carried, a wrong token refused, an unclaimed seat a clean leave", async () => {
    const [a, b] = await game("tictactoe");
    const text = checkpointOf(a.roomId, "adopted1");
    const seats = (JSON.parse(text) as RoomSnapshot).seats;
    const tokenOf = (sessionId: string): string => seats.find((seat) => seat.sessionId === sessionId)?.token ?? "";
    // The listing must not name this process before the seats wait there: the router would
    // send a reconnection in that gap, to be refused.
    const seatCarried = TicTacToeRoom.prototype.seatCarried;
    let listedBeforeSeats: string | null = "not called";
    TicTacToeRoom.prototype.seatCarried = async function (this: TicTacToeRoom) {
      listedBeforeSeats = await redis.hget("roomcaches", this.roomId);
      return seatCarried.call(this);
    };
    await leaveCheckpoint("adopted1", text);

    await untilTakenUp("adopted1");
    TicTacToeRoom.prototype.seatCarried = seatCarried;
    assert.equal(listedBeforeSeats, null, "listed only once its seats are reserved");
    // No full round here: the adoption writes one.
    const deadline = performance.now() + 2000;
    while ((await redis.hexists(MIGRATION_KEYS.checkpoints(matchMaker.processId), "adopted1")) === 0) {
      assert.ok(performance.now() < deadline, "checkpointed here on adoption");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const adopted = serverRoom<TicTacToeRoom>("adopted1");
    assert.deepEqual(adopted.state.toJSON(), a.state.toJSON(), "the board, the players, whose turn");
    const carriedClock = (JSON.parse(text) as RoomSnapshot).base.elapsedMs;
    assert.ok(carriedClock > 0 && adopted.clock.elapsedTime >= carriedClock, "the room clock goes on from where it was, not from zero");
    assert.equal((await matchMaker.query({ roomId: "adopted1" }))[0]?.processId, matchMaker.processId, "listed on this process");

    assert.equal(await returnTo("adopted1", a.sessionId, "not-the-token"), CloseCode.FAILED_TO_RECONNECT, "a session id alone does not take a carried seat");
    assert.equal(await returnTo("adopted1", a.sessionId, tokenOf(a.sessionId)), "joined", "the carried token does");
    // Back, a has a new token; then its connection drops. The checkpoint follows at once,
    // with the new token (not the carried one, which Colyseus would otherwise still hold):
    // a failover now must expect the token a's SDK will present.
    const returned = sockets.at(-1)!;
    const newToken = tokens.get(returned);
    assert.ok(newToken !== undefined && newToken !== tokenOf(a.sessionId));
    returned.terminate();
    const ours = MIGRATION_KEYS.checkpoints(matchMaker.processId);
    const tokenDeadline = performance.now() + 2000;
    for (;;) {
      const checkpoint = JSON.parse((await redis.hget(ours, "adopted1")) ?? "{}") as Partial<RoomSnapshot>;
      const seat = checkpoint.seats?.find((carried) => carried.sessionId === a.sessionId);
      if (seat?.token === newToken && !adopted.clients.some((client) => client.sessionId === a.sessionId)) break;
      assert.ok(performance.now() < tokenDeadline, `the checkpoint carries a's new token once it dropped: ${JSON.stringify(seat)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // b never comes back: when its window passes it leaves for good (and forfeits).
    await eventually(() => adopted.state.players.size === 1 && !adopted.state.players.has(b.sessionId), "the unclaimed seat's leave", 8000);
    await a.leave();
    await b.leave();
  });

  it("refuses a damaged checkpoint whole, and one of another version of the state, logged and counted", async () => {
    const [a, b] = await game("tictactoe");
    await leaveCheckpoint(
      "damaged1",
      checkpointOf(a.roomId, "damaged1", (snapshot) => {
        (snapshot.state as { board: unknown[] }).board[0] = "x";
      }),
    );
    await leaveCheckpoint(
      "otherschema1",
      checkpointOf(a.roomId, "otherschema1", (snapshot) => {
        snapshot.schema = "another-version";
      }),
    );
    await leaveCheckpoint("cutshort1", checkpointOf(a.roomId, "cutshort1").slice(0, 80));
    for (const roomId of ["damaged1", "otherschema1", "cutshort1"]) {
      await untilTakenUp(roomId);
      assert.equal(matchMaker.getLocalRoomById(roomId), undefined, `${roomId}: no room, not half of one`);
      assert.equal((await matchMaker.query({ roomId })).length, 0, `${roomId}: no listing`);
    }
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /tickroom_room_moves_total\{type="tictactoe",outcome="refused"\} 2/);
    assert.match(metrics, /tickroom_room_moves_total\{type="unknown",outcome="refused"\} 1/);
    await a.leave();
    await b.leave();
  });

  it("leaves a room whose lock another survivor holds to that survivor", async () => {
    const [a, b] = await game("tictactoe");
    await redis.set(MIGRATION_KEYS.adopting("locked1"), "another-survivor", "PX", 30_000);
    await leaveCheckpoint("locked1", checkpointOf(a.roomId, "locked1"));
    // Nothing to wait for but the absence of an adoption: several scans (every 333 ms here).
    await quietPeriod(1500);
    assert.equal(matchMaker.getLocalRoomById("locked1"), undefined);
    await redis.del(MIGRATION_KEYS.adopting("locked1"));
    await eventually(() => matchMaker.getLocalRoomById("locked1") !== undefined, "the adoption once the lock is gone", 5000);
    await a.leave();
    await b.leave();
  });

  it("refuses actions in a room frozen for a move (ROOM_MOVING, nothing applied), and turns reconnections away with 4010, which the SDK retries", async () => {
    const [a, b] = await game("tictactoe");
    allowQuickReconnect(a);
    const drops: number[] = [];
    a.onDrop((code: number) => drops.push(code));
    const room = serverRoom<TicTacToeRoom>(a.roomId);
    room.freeze();
    const mover = a.state.currentTurn === a.sessionId ? a : b;
    const refusal = nextMessage<RoomError>(mover, "error");
    mover.send("move", { index: 0 });
    assert.equal((await refusal).code, ErrorCode.ROOM_MOVING);
    assert.equal(room.state.board[0], 0, "the move was not applied");
    const back = reconnected(a, 10_000);
    killSocket(a.roomId, a.sessionId);
    await eventually(() => drops.includes(CloseCode.MAY_TRY_RECONNECT), "a reconnection turned away", 5000);
    room.thaw();
    await back;
    assert.deepEqual(drops.slice(0, 2), [CloseCode.ABNORMAL_CLOSURE, CloseCode.MAY_TRY_RECONNECT]);
    await a.leave();
    await b.leave();
  });

  it("lets a match that cannot move finish before closing it with 4001, and closes one still playing at the deadline", async () => {
    const [finishing, other] = await game("unmovable");
    const [stuck, stuckOther] = await game("unmovable");
    const finishingClosed = closed(finishing, 8000);
    const stuckClosed = closed(stuck, 8000);
    // What Colyseus calls on each room when the process shuts down.
    serverRoom<UnmovableTicTacToe>(finishing.roomId).onBeforeShutdown();
    serverRoom<UnmovableTicTacToe>(stuck.roomId).onBeforeShutdown();
    // X holds the centre; X then O then X... until X has the middle column.
    const x = finishing.state.currentTurn === finishing.sessionId ? other : finishing;
    const o = x === finishing ? other : finishing;
    for (const [player, index] of [
      [o, 0],
      [x, 1],
      [o, 2],
      [x, 7],
    ] as const) {
      const before = finishing.state.board.filter((cell) => cell !== 0).length;
      player.send("move", { index });
      await untilState(finishing, (state) => state.board.filter((cell) => cell !== 0).length > before);
    }
    assert.equal(finishing.state.status, "finished", "the match finished while the process drained");
    assert.equal(await finishingClosed, CloseCode.SERVER_SHUTDOWN);
    assert.equal(await stuckClosed, CloseCode.SERVER_SHUTDOWN);
    assert.equal(stuck.state.status, "playing", "the other was still playing when its time ran out");
    assert.equal(await closed(stuckOther), CloseCode.SERVER_SHUTDOWN);
  });
});
