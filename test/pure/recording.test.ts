import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
  decodeRecording,
  encodeRecording,
  type Frame,
  FrameKind,
  RECORDING_FORMAT_VERSION,
  RecordingError,
  RecordingFrames,
  type RecordingHeader,
} from "../../rooms/base/recording.ts";
import { unpackRecording } from "../../rooms/base/recordings.ts";
import { advance, pause, resume, START, seek, withSpeed } from "../../rooms/replay/playback.ts";
import { patchesBefore, timelineOf } from "../../rooms/replay/timeline.ts";

const header: RecordingHeader = { matchId: "room:1", roomType: "tictactoe", roomId: "room", startedAt: 1_700_000_000_000, durationMs: 250, handshake: "AAE=" };

function frame(kind: FrameKind, t: number, ...bytes: number[]): Frame {
  return { kind, t, bytes: Uint8Array.from(bytes) };
}

const frames: Frame[] = [
  frame(FrameKind.keyframe, 0, 10, 1, 2),
  frame(FrameKind.patch, 50, 15, 3),
  frame(FrameKind.mark, 60, ...new TextEncoder().encode('{"event":"join","sessionId":"a","spectator":false}')),
  frame(FrameKind.patch, 100, 15, 4, 5),
  frame(FrameKind.keyframe, 100, 10, 1, 2, 4, 5),
  frame(FrameKind.patch, 250, 15, 6),
];

describe("the recording container", () => {
  it("decodes what it encodes: the header and every frame, in order", () => {
    const decoded = decodeRecording(encodeRecording(header, frames));
    assert.deepEqual(decoded.header, header);
    assert.deepEqual(
      decoded.frames.all().map((f) => ({ kind: f.kind, t: f.t, bytes: [...f.bytes] })),
      frames.map((f) => ({ kind: f.kind, t: f.t, bytes: [...f.bytes] })),
    );
  });

  it("refuses every recording cut short, at any byte, even between two frames, with a RecordingError", () => {
    const whole = encodeRecording(header, frames);
    for (let length = 0; length < whole.byteLength; length++) {
      assert.throws(
        () => decodeRecording(whole.subarray(0, length)),
        (error: unknown) => error instanceof RecordingError && /truncated|not a tickroom/.test(error.message),
        `cut at ${length}`,
      );
    }
    const longer = new Uint8Array(whole.byteLength + 3);
    longer.set(whole);
    assert.throws(() => decodeRecording(longer), /3 bytes follow the last frame/);
  });

  it("refuses what is not a recording, another format version, a bad header, unknown frame kinds and time running backwards", () => {
    const whole = encodeRecording(header, frames);
    const refused = (bytes: Uint8Array, pattern: RegExp) =>
      assert.throws(
        () => decodeRecording(bytes),
        (error: unknown) => error instanceof RecordingError && pattern.test(error.message),
      );
    refused(new TextEncoder().encode("not a recording at all"), /not a tickroom recording/);
    const version = whole.slice();
    version[4] = RECORDING_FORMAT_VERSION + 1;
    refused(version, /format 2/);
    refused(encodeRecording({ ...header, matchId: 7 } as unknown as RecordingHeader, frames), /lacks a field/);
    const kind = whole.slice();
    const firstFrame = 4 + 1 + 4 + new DataView(whole.buffer).getUint32(5, true) + 4;
    kind[firstFrame] = 9;
    refused(kind, /unknown kind 9/);
    refused(encodeRecording(header, [frames[0] as Frame, frame(FrameKind.patch, 80, 15), frame(FrameKind.patch, 70, 15)]), /after one at 80 ms/);
    refused(encodeRecording(header, [frame(FrameKind.patch, 0, 15)]), /starts with a keyframe/);
    refused(encodeRecording(header, []), /no keyframe/);
  });

  it("a damaged compressed recording is a RecordingError", async () => {
    const packed = new Uint8Array(await promisify(gzip)(encodeRecording(header, frames)));
    await assert.rejects(unpackRecording(packed.subarray(0, packed.byteLength - 6)), RecordingError);
    const flipped = packed.slice();
    flipped[20] = (flipped[20] ?? 0) ^ 0xff;
    await assert.rejects(unpackRecording(flipped), RecordingError);
    assert.deepEqual(await unpackRecording(packed), encodeRecording(header, frames));
  });
});

describe("recording frames (what seeks and late spectators read)", () => {
  const held = (): RecordingFrames => {
    const buffer = new RecordingFrames();
    for (const f of frames) buffer.add(f);
    return buffer;
  };

  it("finds the keyframe at or before a time, and the end of the frames up to a time", () => {
    const buffer = held();
    assert.equal(buffer.keyframeAtOrBefore(0), 0);
    assert.equal(buffer.keyframeAtOrBefore(99), 0);
    assert.equal(buffer.keyframeAtOrBefore(100), 4);
    assert.equal(buffer.keyframeAtOrBefore(10_000), 4);
    assert.equal(buffer.endAt(49), 1);
    assert.equal(buffer.endAt(50), 2);
    assert.equal(buffer.endAt(100), 5, "both frames at 100 ms");
    assert.equal(buffer.endAt(250), 6);
    assert.equal(buffer.endAt(100, 5), 5, "never before where the search starts");
  });

  it("trims up to the keyframe a late joiner needs, keeping positions absolute", () => {
    const buffer = held();
    buffer.trimBefore(120);
    assert.equal(buffer.first, 4);
    assert.equal(buffer.at(4)?.kind, FrameKind.keyframe);
    assert.equal(buffer.at(3), undefined);
    assert.equal(buffer.keyframeAtOrBefore(0), 4, "before the first kept keyframe: the first kept");
    assert.equal(buffer.endAt(250), 6);
    assert.equal(buffer.bytes, 5 + 2);
  });
});

describe("a replay's playhead", () => {
  it("moves at its speed, stops at the end, resumes from the start once there", () => {
    let playhead = advance(START, 100, 1000);
    assert.equal(playhead.positionMs, 100);
    playhead = advance(withSpeed(playhead, 8), 100, 1000);
    assert.equal(playhead.positionMs, 900);
    playhead = advance(playhead, 100, 1000);
    assert.deepEqual([playhead.positionMs, playhead.playing], [1000, false]);
    assert.deepEqual(resume(playhead, 1000).positionMs, 0);
    assert.equal(advance(pause(START), 500, 1000).positionMs, 0, "a paused playhead stays");
  });

  it("clamps speeds and seeks to what a replay can do", () => {
    assert.equal(withSpeed(START, 100).speed, 8);
    assert.equal(withSpeed(START, 0.01).speed, 0.25);
    assert.equal(seek(START, -5, 1000).positionMs, 0);
    assert.equal(seek(START, 5000, 1000).positionMs, 1000);
  });
});

describe("a replay's timeline", () => {
  it("lists the joins and leaves and counts the patches before each frame", () => {
    const recording = decodeRecording(encodeRecording(header, frames));
    const timeline = timelineOf(recording);
    assert.deepEqual(timeline.marks, [{ t: 60, event: "join", spectator: false }]);
    assert.equal(timeline.durationMs, 250);
    assert.deepEqual([...patchesBefore(recording.frames)], [0, 0, 1, 1, 2, 2, 3]);
  });

  it("refuses a mark that is not a join or a leave as damage, not a crash", () => {
    for (const text of ["{not json", '{"event":"teleport","spectator":false}']) {
      const damaged = [frames[0] as Frame, frame(FrameKind.mark, 10, ...new TextEncoder().encode(text))];
      assert.throws(() => timelineOf(decodeRecording(encodeRecording(header, damaged))), RecordingError);
    }
  });
});
