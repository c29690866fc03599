import { FrameKind, type Recording, RecordingError, type RecordingFrames, type RecordingMark } from "../base/recording.ts";
import type { ReplayTimeline } from "./shapes.ts";

/** What a viewer is told of a recording on joining: read once per replay room, not per viewer. */
export function timelineOf({ header, frames }: Recording): ReplayTimeline {
  const marks: Array<ReplayTimeline["marks"][number]> = [];
  const text = new TextDecoder("utf-8", { fatal: true });
  for (const frame of frames.all()) {
    if (frame.kind !== FrameKind.mark) continue;
    let mark: Partial<RecordingMark>;
    try {
      mark = JSON.parse(text.decode(frame.bytes)) as Partial<RecordingMark>;
    } catch {
      throw new RecordingError(`damaged: the mark at ${frame.t} ms is not JSON`);
    }
    if ((mark.event !== "join" && mark.event !== "leave") || typeof mark.spectator !== "boolean") {
      throw new RecordingError(`damaged: the mark at ${frame.t} ms is not a join or a leave`);
    }
    marks.push({ t: frame.t, event: mark.event, spectator: mark.spectator, ...(typeof mark.name === "string" ? { name: mark.name } : {}) });
  }
  return {
    matchId: header.matchId,
    roomType: header.roomType,
    startedAt: header.startedAt,
    durationMs: frames.lastTime - (frames.at(frames.first)?.t ?? 0),
    marks,
  };
}

/** For each absolute frame position (and one past the end), the patches before it: a state is the first keyframe and this many patches. */
export function patchesBefore(frames: RecordingFrames): Uint32Array<ArrayBuffer> {
  const counts = new Uint32Array(frames.end + 1);
  for (let position = frames.first, patches = 0; position <= frames.end; position++) {
    counts[position] = patches;
    if (frames.at(position)?.kind === FrameKind.patch) patches++;
  }
  return counts;
}
