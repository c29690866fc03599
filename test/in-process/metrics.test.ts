import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { arenaNetcode } from "../../client/arena.ts";
import { DEFAULT_INPUTS_PER_MESSAGE } from "../../client/inputBatch.ts";
import { RealtimeSession } from "../../client/netcode.ts";
import { bucketsOf, parsePrometheusText, type Sample, sumOf } from "../../loadtest/bench/prometheusText.ts";
import { ArenaInput, type ArenaState } from "../../schema/ArenaState.ts";
import { CloseCode } from "../../shared/errors.ts";
import {
  allowQuickReconnect,
  closed,
  eventually,
  killSocket,
  nextMessage,
  reconnected,
  startTestServer,
  type TestServer,
  untilState,
} from "../support/harness.ts";

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(`${server.httpUrl}/metrics`, { headers });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  return parsePrometheusText(await response.text());
}

/** Scrape until `predicate` holds: counters fed by socket events settle a moment after the client sees its answer. */
async function scrapeUntil(server: TestServer, predicate: (samples: Sample[]) => boolean, what: string): Promise<Sample[]> {
  let samples: Sample[] = [];
  const deadline = performance.now() + 4000;
  for (;;) {
    samples = await scrape(server);
    if (predicate(samples)) return samples;
    if (performance.now() > deadline) throw new Error(`metrics never showed ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("GET /metrics", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "5" });
  });
  after(async () => {
    await server.close();
  });

  it("counts rooms, connected clients, joins and leaves by room type", async () => {
    const a = await server.client().joinOrCreate("chat", { channel: "metrics-1", name: "a" });
    const b = await server.client().joinOrCreate("chat", { channel: "metrics-1", name: "b" });
    let samples = await scrapeUntil(server, (s) => sumOf(s, "tickroom_clients", { type: "chat" }) === 2, "two chat clients");
    assert.equal(sumOf(samples, "tickroom_rooms", { type: "chat" }), 1);
    assert.equal(sumOf(samples, "tickroom_joins_total", { type: "chat" }), 2);
    assert.equal(sumOf(samples, "tickroom_leaves_total", { type: "chat" }), 0);

    await b.leave();
    samples = await scrapeUntil(server, (s) => sumOf(s, "tickroom_leaves_total", { type: "chat" }) === 1, "one leave");
    assert.equal(sumOf(samples, "tickroom_clients", { type: "chat" }), 1);
    await a.leave();
    await scrapeUntil(server, (s) => sumOf(s, "tickroom_rooms", { type: "chat" }) === 0, "the empty room disposed");
  });

  it("times every arena step and counts patch, state and input traffic", async () => {
    const room = await server.client().joinOrCreate("arena", { name: "ticker" });
    await untilState(room, (s) => s.tick > 30, "half a second of ticks");
    const input = room.input({ type: ArenaInput });
    for (let i = 0; i < 10; i++) {
      input.data.x = 1;
      input.send();
    }
    const samples = await scrapeUntil(server, (s) => sumOf(s, "tickroom_received_messages_total", { type: "arena" }) >= 11, "the inputs counted");
    const steps = bucketsOf(samples, "tickroom_tick_duration_seconds", { type: "arena" }).at(-1)?.count ?? 0;
    assert.ok(steps >= 30, `${steps} steps recorded`);
    assert.ok(sumOf(samples, "tickroom_tick_duration_seconds_sum", { type: "arena" }) > 0);
    assert.ok(sumOf(samples, "tickroom_sent_bytes_total", { type: "arena", kind: "patch" }) > 0, "patch bytes");
    assert.ok(sumOf(samples, "tickroom_sent_messages_total", { type: "arena", kind: "state" }) >= 1, "the full state on join");
    assert.ok(sumOf(samples, "tickroom_received_bytes_total", { type: "arena" }) > 11);
    await room.leave();
  });

  it("receives a real-time client's steps three to a message, and applies and acknowledges every one", async () => {
    const room = await server.client().joinOrCreate<ArenaState>("arena", { name: "batcher", region: "batching" });
    const session = await RealtimeSession.attach(room, arenaNetcode);
    const messagesBefore = sumOf(await scrape(server), "tickroom_received_messages_total", { type: "arena" });
    // Frames 1/60 s apart on a clock of our own: one fixed step each.
    let now = performance.now();
    let steps = 0;
    while (steps < 30) {
      now += 1000 / 60;
      steps += session.frame(now, (input) => {
        input.x = 1;
        input.y = 0.5;
        input.angle = steps / 10;
        input.fire = false;
      });
    }
    session.flushInputs();
    await eventually(() => session.stats().inputsAcknowledged === session.stats().inputsSent, "every step acknowledged");
    assert.equal(session.stats().inputsSent, steps);
    const messages = sumOf(await scrape(server), "tickroom_received_messages_total", { type: "arena" }) - messagesBefore;
    assert.equal(messages, Math.ceil(steps / DEFAULT_INPUTS_PER_MESSAGE), `${steps} steps in ${messages} messages`);
    session.checkAcknowledgement();
    assert.equal(session.stats().corrections, 0, "the server applied each step as predicted");
    assert.equal(session.predicted("x"), session.local.x);
    await room.leave();
  });

  it("counts refused messages by reason, including those that close the sender", async () => {
    const talker = await server.client().joinOrCreate("chat", { channel: "metrics-2", name: "talker" });
    talker.send("say", { text: "   " });
    await nextMessage(talker, "error");
    const samples = await scrapeUntil(
      server,
      (s) => sumOf(s, "tickroom_rejected_messages_total", { type: "chat", reason: "TEXT_EMPTY" }) === 1,
      "the refused say",
    );
    assert.equal(sumOf(samples, "tickroom_rejected_messages_total", { type: "chat", reason: "invalid_payload" }), 0);

    const bad = await server.client().joinOrCreate("chat", { channel: "metrics-2", name: "bad" });
    (bad as unknown as { send(type: string, payload: unknown): void }).send("say", { text: 42 });
    assert.equal(await closed(bad), CloseCode.WITH_ERROR);
    const unknown = await server.client().joinOrCreate("chat", { channel: "metrics-2", name: "unknown" });
    (unknown as unknown as { send(type: string, payload: unknown): void }).send("nope", {});
    assert.equal(await closed(unknown), CloseCode.WITH_ERROR);
    await scrapeUntil(
      server,
      (s) =>
        sumOf(s, "tickroom_rejected_messages_total", { type: "chat", reason: "invalid_payload" }) === 1 &&
        sumOf(s, "tickroom_rejected_messages_total", { type: "chat", reason: "unknown_type" }) === 1,
      "one invalid payload and one unknown type",
    );
    await talker.leave();
  });

  it("counts floods and oversized frames as rejections of their room type", async () => {
    const flooder = await server.client().joinOrCreate("tictactoe", {});
    const flooded = closed(flooder);
    for (let i = 0; i < 30; i++) flooder.send("move", { index: 0 });
    assert.equal(await flooded, CloseCode.WITH_ERROR);
    const big = await server.client().joinOrCreate("chat", { channel: "metrics-3", name: "big" });
    const tooBig = closed(big);
    (big as unknown as { send(type: string, payload: unknown): void }).send("say", { text: "x".repeat(8000) });
    assert.equal(await tooBig, CloseCode.MESSAGE_TOO_BIG);
    await scrapeUntil(
      server,
      (s) =>
        sumOf(s, "tickroom_rejected_messages_total", { type: "tictactoe", reason: "flood" }) === 1 &&
        sumOf(s, "tickroom_rejected_messages_total", { type: "chat", reason: "oversized" }) === 1,
      "one flood and one oversized frame",
    );
  });

  it("records matchmaking latency by method and outcome", async () => {
    const before = await scrape(server);
    const okBefore = sumOf(before, "tickroom_matchmake_duration_seconds_count", { method: "joinOrCreate", outcome: "ok" });
    const room = await server.client().joinOrCreate("tictactoe", {});
    const refused = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/arena`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: "no-such-mode" }),
    });
    assert.equal(refused.status, 400);
    const samples = await scrapeUntil(
      server,
      (s) => sumOf(s, "tickroom_matchmake_duration_seconds_count", { method: "joinOrCreate", outcome: "refused" }) >= 1,
      "the refused join timed",
    );
    assert.equal(sumOf(samples, "tickroom_matchmake_duration_seconds_count", { method: "joinOrCreate", outcome: "ok" }), okBefore + 1);
    assert.ok(sumOf(samples, "tickroom_matchmake_duration_seconds_sum", { method: "joinOrCreate" }) > 0);
    await room.leave();
  });

  it("counts drops and the reconnections that follow", async () => {
    const room = await server.client().joinOrCreate("arena", { name: "flaky" });
    allowQuickReconnect(room);
    await untilState(room, (s) => s.players.has(room.sessionId), "own player");
    const back = reconnected(room);
    killSocket(room.roomId, room.sessionId);
    await back;
    await scrapeUntil(
      server,
      (s) => sumOf(s, "tickroom_drops_total", { type: "arena" }) === 1 && sumOf(s, "tickroom_reconnections_total", { type: "arena" }) === 1,
      "one drop, one reconnection",
    );
    await room.leave();
  });

  it("reports event-loop delay and utilization and process resources", async () => {
    const samples = await scrape(server);
    const utilization = sumOf(samples, "tickroom_event_loop_utilization");
    assert.ok(utilization > 0 && utilization <= 1, `utilization ${utilization}`);
    assert.ok(samples.some((s) => s.name === "nodejs_eventloop_lag_p99_seconds"));
    assert.ok(sumOf(samples, "process_resident_memory_bytes") > 0);
  });
});

describe("GET /metrics settings", () => {
  it("is absent when METRICS_ENABLED=false", async () => {
    const server = await startTestServer({ METRICS_ENABLED: "false" });
    try {
      assert.equal((await fetch(`${server.httpUrl}/metrics`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it("asks for the bearer token when METRICS_TOKEN is set", async () => {
    const token = "a-scrape-token-of-some-length";
    const server = await startTestServer({ METRICS_TOKEN: token });
    try {
      assert.equal((await fetch(`${server.httpUrl}/metrics`)).status, 401);
      assert.equal((await fetch(`${server.httpUrl}/metrics`, { headers: { authorization: "Bearer wrong-token-of-some-length" } })).status, 401);
      assert.ok((await scrape(server, { authorization: `Bearer ${token}` })).length > 0);
    } finally {
      await server.close();
    }
  });
});
