import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { playerTimersOf } from "../../rooms/arena/rules.ts";
import { parseSnapshot, type RoomSnapshot, restoreSchema, SNAPSHOT_VERSION, SnapshotError } from "../../rooms/base/migration.ts";
import { ArenaPlayer, ArenaShot, ArenaState } from "../../schema/ArenaState.ts";
import { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { seededRandom } from "../../shared/random.ts";

function snapshot(overrides: Partial<RoomSnapshot> = {}): RoomSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    roomType: "tictactoe",
    roomId: "r1",
    takenAt: 1,
    schema: "fingerprint",
    createOptions: { private: true },
    state: {},
    base: { private: true, joinCode: "ABCD", random: 42, round: 1, matchStartedAt: 1, reported: false, elapsedMs: 12_345, matchPlayers: [] },
    seats: [{ sessionId: "s1", spectator: false, token: "t1" }],
    ...overrides,
  };
}

describe("restoring a room's schema state from its snapshot", () => {
  it("gives back the same state, collections emptied first (a board that starts with nine cells is not doubled)", () => {
    const live = new TicTacToeState();
    live.board[4] = 1;
    live.players.set("a", 1).set("b", 2);
    live.names.set("a", "Ada").set("b", "Bob");
    live.currentTurn = "b";
    live.status = "playing";
    const restored = new TicTacToeState();
    restoreSchema(restored, JSON.parse(JSON.stringify(live.toJSON())));
    assert.deepEqual(restored.toJSON(), live.toJSON());
    assert.equal(restored.board.length, 9);
  });

  it("restores nested schemas in maps and lists, secret fields included", () => {
    const live = new ArenaState();
    live.tick = 1234;
    const player = new ArenaPlayer().assign({ name: "Ada", x: 10.5, y: -3.25, score: 7, slot: 2, reload: 9, team: 1 });
    live.players.set("a", player);
    live.shots.push(new ArenaShot().assign({ shooter: 2, target: 0, x: 1, y: 2, milliradians: 100 }));
    const restored = new ArenaState();
    restoreSchema(restored, JSON.parse(JSON.stringify(live.toJSON())));
    assert.deepEqual(restored.toJSON(), live.toJSON());
    assert.ok(restored.players.get("a") instanceof ArenaPlayer);
    assert.equal(restored.players.get("a")?.reload, 9);
  });

  it("refuses a value of the wrong type, out of its integer range, or not finite, naming where", () => {
    const cases: [unknown, RegExp][] = [
      [{ board: ["x", 0, 0, 0, 0, 0, 0, 0, 0] }, /state\.board\[0\].*uint8/],
      [{ board: [256, 0, 0, 0, 0, 0, 0, 0, 0] }, /uint8/],
      [{ currentTurn: 5 }, /state\.currentTurn.*string/],
      [{ draw: "yes" }, /boolean/],
      [{ players: [1, 2] }, /state\.players: not a map/],
      ["not an object", /state: not an object/],
    ];
    for (const [json, message] of cases)
      assert.throws(
        () => restoreSchema(new TicTacToeState(), json),
        (error: unknown) => error instanceof SnapshotError && message.test(error.message),
      );
    assert.throws(() => restoreSchema(new ArenaState(), { players: { a: { x: Number.NaN } } }), /players\.a\.x/);
    assert.throws(() => restoreSchema(new ArenaState(), { players: { a: { x: "far" } } }), SnapshotError);
  });
});

describe("reading a snapshot", () => {
  it("reads one whole, from JSON text or an object", () => {
    const whole = snapshot();
    assert.deepEqual(parseSnapshot(JSON.stringify(whole)), whole);
    assert.deepEqual(parseSnapshot(whole), whole);
  });

  it("refuses one cut short, of another version, or missing what a room needs", () => {
    const text = JSON.stringify(snapshot());
    assert.throws(() => parseSnapshot(text.slice(0, text.length - 10)), /not JSON/);
    assert.throws(() => parseSnapshot({ ...snapshot(), version: 2 }), SnapshotError);
    assert.throws(() => parseSnapshot({ ...snapshot(), base: { ...snapshot().base, round: 0 } }), /base\.round/);
    assert.throws(() => parseSnapshot({ ...snapshot(), seats: [{ sessionId: "", spectator: false }] }), /seats\.0\.sessionId/);
    const { roomId: _dropped, ...withoutId } = snapshot();
    assert.throws(() => parseSnapshot(withoutId), /roomId/);
  });
});

describe("a room's random source across a move", () => {
  it("continues its sequence from where it was", () => {
    const original = seededRandom(7);
    for (let i = 0; i < 100; i++) original();
    const moved = seededRandom(original.position);
    for (let i = 0; i < 100; i++) assert.equal(moved(), original());
  });
});

describe("the arena's private timers in a snapshot", () => {
  it("come back as they went, and anything else is refused", () => {
    assert.deepEqual(playerTimersOf({ a: { nextFireTick: 10, respawnTick: 0 } }), { a: { nextFireTick: 10, respawnTick: 0 } });
    assert.deepEqual(playerTimersOf(undefined), {});
    assert.throws(() => playerTimersOf({ a: { nextFireTick: "soon", respawnTick: 0 } }), /two tick numbers/);
    assert.throws(() => playerTimersOf("timers"), /not an object/);
  });
});
