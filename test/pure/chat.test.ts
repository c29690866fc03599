import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeJoinSchema } from "../../rooms/base/joinOptions.ts";
import { TokenBuckets } from "../../rooms/base/tokenBuckets.ts";
import { addMember, checkText, say } from "../../rooms/chat/rules.ts";
import { chatJoinOptions, HISTORY_LIMIT, TEXT_MAX_LENGTH } from "../../rooms/chat/shapes.ts";
import { ChatState } from "../../schema/ChatState.ts";
import { ErrorCode } from "../../shared/errors.ts";

describe("chat rules", () => {
  it("accepts 1..500 characters after trimming", () => {
    assert.ok(checkText("  hi  ").ok);
    assert.ok(checkText("x".repeat(TEXT_MAX_LENGTH)).ok);
    const empty = checkText("   \n\t");
    assert.equal(empty.ok ? "" : empty.error.code, ErrorCode.TEXT_EMPTY);
    const long = checkText("x".repeat(TEXT_MAX_LENGTH + 1));
    assert.equal(long.ok ? "" : long.error.code, ErrorCode.TEXT_TOO_LONG);
  });

  it("keeps the last 100 messages in order with increasing ids", () => {
    const state = new ChatState();
    addMember(state, "s1", "ann", 1);
    for (let i = 0; i < HISTORY_LIMIT + 25; i++) assert.ok(say(state, "s1", ` m${i} `, 1000 + i).ok);
    assert.equal(state.messages.length, HISTORY_LIMIT);
    assert.equal(state.messages[0]!.text, "m25");
    assert.equal(state.messages.at(-1)!.text, `m${HISTORY_LIMIT + 24}`);
    assert.equal(state.messages.at(-1)!.id, HISTORY_LIMIT + 25);
    assert.equal(state.messages[0]!.name, "ann");
  });

  it("leaves history untouched when text is refused", () => {
    const state = new ChatState();
    addMember(state, "s1", "ann", 1);
    say(state, "s1", "hello", 2);
    assert.equal(say(state, "s1", "", 3).ok, false);
    assert.equal(state.messages.length, 1);
  });

  it("validates join options: name 1-32, channel word characters", () => {
    // As the chat room type declares them: its channel, plus the name and private every room type takes.
    const options = composeJoinSchema({ own: chatJoinOptions, spectators: false, privateRooms: true });
    assert.equal(options.safeParse({ name: "" }).success, false);
    assert.equal(options.safeParse({ name: "x".repeat(33) }).success, false);
    assert.equal(options.safeParse({ channel: "a b" }).success, false);
    assert.deepEqual(options.parse({ name: " ann ", extra: 1 }), { name: "ann", channel: "", private: false, spectator: false, open: true });
  });
});

describe("chat text length", () => {
  it("counts characters, not UTF-16 units: 500 emoji are allowed, 501 are not", () => {
    assert.ok(checkText("😀".repeat(TEXT_MAX_LENGTH)).ok);
    assert.equal(checkText("😀".repeat(TEXT_MAX_LENGTH + 1)).ok, false);
  });
});

describe("token buckets (chat lines, per-address requests)", () => {
  it("allow a burst, then refill continuously at the rate, per key", () => {
    const buckets = new TokenBuckets<string>(2, 3);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take("a", 0)),
      [true, true, true, false],
    );
    assert.equal(buckets.take("b", 0), true, "keys are independent");
    assert.equal(buckets.retryAfter("a"), 1);
    assert.equal(buckets.take("a", 400), false, "0.8 of a token after 400 ms");
    assert.equal(buckets.take("a", 500), true, "a whole token after 500 ms at 2 a second");
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take("a", 60_000)),
      [true, true, true, false],
      "never more than the burst",
    );
    buckets.forget("a");
    assert.equal(buckets.size, 1);
  });
});
