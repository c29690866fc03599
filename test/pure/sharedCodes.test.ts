import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CloseCode as ColyseusCloseCode, Protocol } from "@colyseus/shared-types";
import { CloseCode } from "../../shared/errors.ts";
import { protocolCodeOf } from "../../shared/protocol.ts";

describe("codes shared with the browser", () => {
  it("repeat Colyseus's close codes exactly, under the same names", () => {
    const colyseus: Readonly<Record<string, number>> = ColyseusCloseCode;
    const ours = Object.entries(CloseCode).filter(([name]) => name in colyseus);
    // Every 4xxx code the SDK can see is there, not only some.
    for (const [name, code] of Object.entries(colyseus)) if (code >= 4000) assert.ok(name in CloseCode, `CloseCode lacks ${name}`);
    for (const [name, code] of ours) assert.equal(code, colyseus[name], name);
  });

  it("read the protocol code under the modifier bits", () => {
    assert.equal(protocolCodeOf(Uint8Array.of(Protocol.ROOM_STATE_PATCH | 0x80)), Protocol.ROOM_STATE_PATCH);
    assert.equal(protocolCodeOf(Uint8Array.of(Protocol.ROOM_DATA)), Protocol.ROOM_DATA);
  });
});
