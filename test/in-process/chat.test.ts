import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ChatRoom } from "../../rooms/ChatRoom.ts";
import { CloseCode, ErrorCode, type RoomError } from "../../shared/errors.ts";
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

describe("chat room", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "5" });
  });
  after(async () => {
    await server.close();
  });

  it("syncs members (a map) and messages to every client; a late joiner sees the history", async () => {
    const ann = await server.client().joinOrCreate("chat", { name: "ann", channel: "history" });
    const bob = await server.client().joinOrCreate("chat", { name: "bob", channel: "history" });
    assert.equal(ann.roomId, bob.roomId);

    // Map entries reaching the client is what breaks silently with the wrong decorator settings.
    const annView = await untilState(ann, (s) => s.members.size === 2, "two members");
    assert.equal(annView.members.get(bob.sessionId)?.name, "bob");
    assert.ok((annView.members.get(ann.sessionId)?.joinedAt ?? 0) > 0);

    ann.send("say", { text: "  hello bob  " });
    const bobView = await untilState(bob, (s) => s.messages.length === 1, "bob sees the message");
    const message = bobView.messages[0]!;
    assert.deepEqual({ text: message.text, name: message.name, sessionId: message.sessionId }, { text: "hello bob", name: "ann", sessionId: ann.sessionId });
    bob.send("say", { text: "hi ann" });
    await untilState(ann, (s) => s.messages.length === 2, "ann sees the reply");

    const late = await server.client().joinOrCreate("chat", { channel: "history" });
    const lateView = await untilState(late, (s) => s.messages.length === 2, "late joiner history");
    assert.deepEqual(
      lateView.messages.map((m) => m.text),
      ["hello bob", "hi ann"],
    );
    assert.match(lateView.members.get(late.sessionId)?.name ?? "", /^guest-/);

    await Promise.all([ann.leave(), bob.leave(), late.leave()]);
  });

  it("matches rooms by channel; no channel is its own channel, not a wildcard", async () => {
    const red = await server.client().joinOrCreate("chat", { channel: "red" });
    const red2 = await server.client().joinOrCreate("chat", { channel: "red" });
    const blue = await server.client().joinOrCreate("chat", { channel: "blue" });
    const none = await server.client().joinOrCreate("chat", {});
    assert.equal(red.roomId, red2.roomId);
    assert.notEqual(red.roomId, blue.roomId);
    assert.notEqual(none.roomId, red.roomId);
    assert.notEqual(none.roomId, blue.roomId);
    await untilState(blue, (s) => s.channel === "blue");
    await Promise.all([red.leave(), red2.leave(), blue.leave(), none.leave()]);
  });

  it("refuses empty and too-long text with an error to the sender only, state unchanged", async () => {
    const ann = await server.client().joinOrCreate("chat", { channel: "refusals" });
    const bob = await server.client().joinOrCreate("chat", { channel: "refusals" });
    let bobErrors = 0;
    bob.onMessage("error", () => {
      bobErrors++;
    });

    const tooLong = nextMessage<RoomError>(ann, "error");
    ann.send("say", { text: "x".repeat(501) });
    assert.equal((await tooLong).code, ErrorCode.TEXT_TOO_LONG);

    const empty = nextMessage<RoomError>(ann, "error");
    ann.send("say", { text: "   " });
    assert.equal((await empty).code, ErrorCode.TEXT_EMPTY);

    ann.send("say", { text: "x".repeat(500) });
    const view = await untilState(bob, (s) => s.messages.length === 1);
    assert.equal(view.messages[0]!.text.length, 500);
    assert.equal(bobErrors, 0);
    await Promise.all([ann.leave(), bob.leave()]);
  });

  it("rate-limits lines: a burst of 5, then RATE_LIMITED until a token refills; the speaker stays", async () => {
    const fast = await server.client().joinOrCreate("chat", { channel: "rate" });
    const refusals: RoomError[] = [];
    fast.onMessage("error", (error: RoomError) => {
      refusals.push(error);
    });
    // 7 lines in 0.6 s: under the 10 messages/s flood limit, over the line budget.
    for (let i = 0; i < 7; i++) {
      fast.send("say", { text: `line ${i}` });
      await quietPeriod(100);
    }
    await eventually(() => refusals.length === 2, "two lines refused");
    assert.ok(refusals.every((r) => r.code === ErrorCode.RATE_LIMITED));
    assert.equal((await untilState(fast, (s) => s.messages.length === 5)).messages.length, 5);
    await quietPeriod(1100);
    fast.send("say", { text: "after a pause" });
    await untilState(fast, (s) => s.messages.length === 6, "a refilled token");
    await fast.leave();
  });

  it("closes a client sending a malformed payload or an unknown type (4002); others keep playing", async () => {
    const good = await server.client().joinOrCreate("chat", { channel: "malformed" });
    good.send("say", { text: "before" });
    await untilState(good, (s) => s.messages.length === 1);

    for (const [type, payload] of [
      ["say", { text: 42 }],
      ["say", "just a string"],
      ["shout", { text: "hi" }],
      ["say", { text: ["a"] }],
    ] as const) {
      const bad = await server.client().joinOrCreate("chat", { channel: "malformed" });
      const code = closed(bad);
      (bad.send as (t: string, p: unknown) => void)(type, payload);
      assert.equal(await code, CloseCode.WITH_ERROR, `${type} ${JSON.stringify(payload)}`);
    }

    good.send("say", { text: "after" });
    const view = await untilState(good, (s) => s.messages.length === 2, "good client still served");
    assert.deepEqual(
      view.messages.map((m) => m.text),
      ["before", "after"],
    );
    // The window is 5 s in this file: gone within 2 s means no seat was held for them.
    await untilState(good, (s) => s.members.size === 1, "closed clients removed at once", 2000);
    await good.leave();
  });

  it("applies the same validation to room.request(): a malformed payload closes (4002), no seat kept", async () => {
    const good = await server.client().joinOrCreate("chat", { channel: "requests" });
    const bad = await server.client().joinOrCreate("chat", { channel: "requests" });
    const code = closed(bad);
    void (bad.request as (t: string, p: unknown) => Promise<unknown>)("say", { text: 42 }).catch(() => undefined);
    assert.equal(await code, CloseCode.WITH_ERROR);
    await untilState(good, (s) => s.members.size === 1, "removed at once (window is 5 s)", 2000);
    await good.leave();
  });

  it("survives an exception thrown inside a handler: reported, room and clients live on", async () => {
    const ann = await server.client().joinOrCreate("chat", { channel: "faulty" });
    const room = serverRoom<ChatRoom>(ann.roomId);
    // Stands in for a bug in a room's handler.
    room.onMessage("explode", () => {
      throw new Error("bug in a handler");
    });
    const reported: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
      reported.push(args.map(String).join(" "));
    };
    try {
      (ann.send as (t: string, p: unknown) => void)("explode", {});
      ann.send("say", { text: "still alive" });
      const view = await untilState(ann, (s) => s.messages.length === 1, "room still serving");
      assert.equal(view.messages[0]!.text, "still alive");
    } finally {
      console.error = original;
    }
    assert.ok(
      reported.some((line) => line.includes("method=onMessage") && line.includes(ann.sessionId)),
      reported.join("\n"),
    );
    await ann.leave();
  });

  it("rejects invalid join options at matchmaking with HTTP 400 and creates no room", async () => {
    for (const options of [{ name: "" }, { name: "x".repeat(33) }, { channel: "no spaces" }, { name: 7 }]) {
      await assert.rejects(server.client().joinOrCreate("chat", options), (error: { code?: number }) => error.code === 400);
    }
    const response = await fetch(`${server.httpUrl}/matchmake/joinOrCreate/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "a b" }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /invalid join options/);
  });

  it("removes a member who leaves", async () => {
    const ann = await server.client().joinOrCreate("chat", { channel: "leaving" });
    const bob = await server.client().joinOrCreate("chat", { channel: "leaving" });
    await untilState(ann, (s) => s.members.size === 2);
    await bob.leave();
    await untilState(ann, (s) => s.members.size === 1 && s.members.has(ann.sessionId), "bob removed");
    await ann.leave();
  });

  it("keeps a dropped member through reconnection inside the window", async () => {
    const ann = await server.client().joinOrCreate("chat", { name: "ann", channel: "drop" });
    const bob = await server.client().joinOrCreate("chat", { name: "bob", channel: "drop" });
    allowQuickReconnect(bob);
    await untilState(ann, (s) => s.members.size === 2);

    const back = reconnected(bob);
    killSocket(bob.roomId, bob.sessionId);
    await back;
    bob.send("say", { text: "I am back" });
    const view = await untilState(ann, (s) => s.messages.length === 1);
    assert.equal(view.messages[0]!.sessionId, bob.sessionId, "same session after reconnecting");
    assert.equal(view.members.size, 2);
    await Promise.all([ann.leave(), bob.leave()]);
  });

  it("removes a dropped member once the reconnection window passes", async () => {
    const ann = await server.client().joinOrCreate("chat", { channel: "expire" });
    const bob = await server.client().joinOrCreate("chat", { channel: "expire" });
    bob.reconnection.enabled = false;
    await untilState(ann, (s) => s.members.size === 2);
    killSocket(bob.roomId, bob.sessionId);
    // The held seat is marked, so the others know bob may not be reading.
    await untilState(ann, (s) => s.members.get(bob.sessionId)?.connected === false, "bob marked as reconnecting");
    await quietPeriod(1500);
    assert.equal(ann.state.members.size, 2, "still a member inside the 5 s window");
    await untilState(ann, (s) => s.members.size === 1, "member removed after window", 9000);
    await ann.leave();
  });
});
