import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { IRoomCache } from "@colyseus/core";
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
});
