import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { type IRoomCache, matchMaker } from "@colyseus/core";
import { Redis } from "ioredis";
import { RedisHealth, ResilientRedisDriver } from "../../server/redis.ts";
import { startRedis, stopProcess } from "../support/privateRedis.ts";

/** A listing as RedisDriver stores it (JSON in the `roomcaches` hash). */
function listing(roomId: string, metadata: Record<string, unknown> = {}): Partial<IRoomCache> {
  return { roomId, name: "chat", processId: "elsewhere", clients: 0, maxClients: 8, locked: false, private: false, unlisted: false, metadata };
}

describe("room listings in Redis", () => {
  let redis: ChildProcess;
  let reader: Redis;
  let writer: Redis;
  let health: RedisHealth;
  let driver: ResilientRedisDriver;

  before(async () => {
    const started = await startRedis();
    redis = started.process;
    reader = new Redis(started.url, { connectionName: "listings-reader" });
    writer = new Redis(started.url);
    health = new RedisHealth([reader]);
    driver = new ResilientRedisDriver(reader, health);
    await Promise.all([reader.ping(), writer.ping()]);
  });

  after(async () => {
    health?.stop();
    reader?.disconnect();
    writer?.disconnect();
    if (redis !== undefined) await stopProcess(redis, "SIGKILL");
  });

  it("answers a question about one room with that room's listing as it is now, not from a read sent before it was written", async () => {
    // A lobby is told "room late changed" (a publish that follows the write) while a read
    // of every listing, sent before the write, is still on its way back: RedisDriver
    // handed that older read to the new question, and the lobby dropped the room.
    reader.stream.pause();
    const everything = driver.query({});
    // Wait until Redis has run that read, so the write below lands after it.
    while (!/name=listings-reader .*cmd=hgetall/.test(String(await writer.client("LIST")))) await new Promise((resolve) => setTimeout(resolve, 5));
    await writer.hset("roomcaches", "late", JSON.stringify(listing("late", { mode: "duel" })));
    const one = driver.query({ roomId: "late" });
    const filtered = driver.query({ roomId: "late", mode: "ffa" } as Partial<IRoomCache>);
    const byMetadata = driver.query({ roomId: "late", mode: "duel" } as Partial<IRoomCache>);
    reader.stream.resume();
    assert.deepEqual(
      (await everything).map((room) => room.roomId),
      [],
      "the read sent before the write does not see it (else this test shows nothing)",
    );
    assert.deepEqual(
      (await one).map((room) => room.roomId),
      ["late"],
    );
    assert.deepEqual(await filtered, [], "the other conditions still filter, metadata included");
    assert.deepEqual(
      (await byMetadata).map((room) => room.roomId),
      ["late"],
    );
    assert.deepEqual(await driver.query({ roomId: "missing" }), []);
  });

  it("after an outage, leaves the listing of a room another process adopted meanwhile to it, and says which", async () => {
    // This process's own listing (processId: this process's, unset here without a matchmaker).
    const mine = { ...listing("mine"), processId: matchMaker.processId } as IRoomCache;
    const kept = { ...listing("kept"), processId: matchMaker.processId } as IRoomCache;
    await driver.persist(mine, true);
    await driver.persist(kept, true);
    // While this process was cut off, a survivor adopted "mine" from its checkpoint.
    await writer.hset("roomcaches", "mine", JSON.stringify({ ...listing("mine"), processId: "survivor" }));
    await writer.hdel("roomcaches", "kept");
    // And one being restored here (a move, an adoption): Redis still shows its old process's listing.
    driver.holdBack("arriving");
    await driver.persist({ ...listing("arriving"), processId: matchMaker.processId } as IRoomCache, true);
    await writer.hset("roomcaches", "arriving", JSON.stringify({ ...listing("arriving"), processId: "its-old-process" }));
    const adopted: string[] = [];
    driver.onAdoptedElsewhere = (roomIds) => adopted.push(...roomIds);
    await driver.republish();
    assert.deepEqual(adopted, ["mine"], "not the room arriving here");
    assert.equal(
      (JSON.parse((await writer.hget("roomcaches", "arriving")) ?? "{}") as IRoomCache).processId,
      "its-old-process",
      "nor is it listed here before its seats wait",
    );
    assert.equal((JSON.parse((await writer.hget("roomcaches", "mine")) ?? "{}") as IRoomCache).processId, "survivor", "the adopter's listing stands");
    assert.ok(await writer.hexists("roomcaches", "kept"), "a listing merely lost is written again");
    await driver.remove("mine");
    assert.ok(await writer.hexists("roomcaches", "mine"), "nor does this copy's end remove it");
  });

  it("drops a dead process's listings but not one a survivor took over in between", async () => {
    await writer.hset("roomcaches", "dead-a", JSON.stringify({ ...listing("dead-a"), processId: "dead" }));
    await writer.hset("roomcaches", "dead-b", JSON.stringify({ ...listing("dead-b"), processId: "dead" }));
    const query = driver.query.bind(driver);
    // Colyseus reads the dead process's listings, then a survivor adopts one, then the delete.
    driver.query = async (conditions) => {
      const found = await query(conditions);
      await writer.hset("roomcaches", "dead-b", JSON.stringify({ ...listing("dead-b"), processId: "survivor" }));
      return found;
    };
    await driver.cleanup("dead");
    driver.query = query;
    assert.equal(await writer.hexists("roomcaches", "dead-a"), 0);
    assert.equal((JSON.parse((await writer.hget("roomcaches", "dead-b")) ?? "{}") as IRoomCache).processId, "survivor");
  });
});
