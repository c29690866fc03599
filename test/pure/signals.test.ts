import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Room } from "@colyseus/sdk";
import { listenUntil } from "../../client/signals.ts";

/** Let the deferred removals run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("listening to an SDK signal until done", () => {
  it("stops from inside its own dispatch without another listener missing that event", async () => {
    const room = new Room("demo");
    const heard: string[] = [];
    listenUntil(room.onStateChange, () => {
      heard.push("once");
      return true;
    });
    room.onStateChange(() => heard.push("a"));
    room.onStateChange(() => heard.push("b"));
    room.onStateChange.invoke({});
    await settled();
    room.onStateChange.invoke({});
    // A bare remove() in the first listener made "b" miss the first event (the SDK swaps its
    // last listener into the removed slot mid-dispatch). The order may change; no event is lost.
    assert.deepEqual(heard.slice(0, 3), ["once", "a", "b"]);
    assert.deepEqual(heard.slice(3).sort(), ["a", "b"]);
  });

  it("stops once however often it is asked, never removing someone else's listener", async () => {
    const room = new Room("demo");
    const heard: string[] = [];
    const stop = listenUntil(room.onLeave, () => {
      heard.push("mine");
      return false;
    });
    room.onLeave(() => heard.push("theirs"));
    stop();
    stop();
    await settled();
    room.onLeave.invoke(4000);
    assert.deepEqual(heard, ["theirs"]);
  });
});
