import { setImmediate as nextTurn } from "node:timers/promises";
import { Decoder } from "@colyseus/schema";
import { FrameKind, type Recording, RecordingError } from "../base/recording.ts";

/** Work this long at most between two turns of the event loop: rooms of the same process keep their ticks. */
const SLICE_MS = 4;

/**
 * Decode every frame of a recording into a state of its type, as a viewer's SDK would,
 * so a recording whose bytes are damaged is refused with the frame that fails instead of
 * breaking a viewer's client mid-replay. Each keyframe is decoded on a fresh state (a seek
 * starts from one); patches follow the first. Yields to the event loop between slices.
 */
export async function verifyRecording(recording: Recording, State: new () => object): Promise<void> {
  const { frames } = recording;
  let decoder: Decoder | undefined;
  let sliceStart = performance.now();
  for (let position = frames.first; position < frames.end; position++) {
    const frame = frames.at(position);
    if (frame === undefined || frame.kind === FrameKind.mark) continue;
    try {
      if (frame.kind === FrameKind.keyframe) {
        const fresh = new Decoder(new State() as never);
        fresh.decode(frame.bytes, { offset: 1 });
        decoder ??= fresh;
      } else decoder?.decode(frame.bytes, { offset: 1 });
    } catch (error) {
      throw new RecordingError(`damaged: frame ${position} (${frame.t} ms) does not decode: ${(error as Error).message}`);
    }
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
