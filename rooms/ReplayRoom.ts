import { type Client, ClientState, ServerError } from "@colyseus/core";
import { HttpStatus } from "../shared/errors.ts";
import type { CreateOptions } from "./base/joinOptions.ts";
import { decodeRecording, FrameKind, type Recording, RecordingError } from "./base/recording.ts";
import { roomType } from "./base/TickroomRoom.ts";
import { advance, type Playhead, pause, resume, START, seek, withSpeed } from "./replay/playback.ts";
import { pauseMessage, type ReplayPlayback, type ReplayTimeline, replayJoinOptions, resumeMessage, seekMessage, speedMessage } from "./replay/shapes.ts";
import { patchesBefore, timelineOf } from "./replay/timeline.ts";
import { verifyRecording } from "./replay/verify.ts";

/** How often playheads move on (and frames go out): one display frame. */
const PLAY_INTERVAL_MS = 16;
/** A playing viewer hears where it is this often, to keep its scrubber honest. */
const PLAYBACK_EVERY_MS = 1000;

interface Viewer {
  readonly client: Client;
  playhead: Playhead;
  /** Absolute position of the next frame to send. */
  next: number;
  lastPlayback: number;
}

/**
 * Replays a recorded match: join with `{ matchId }` and the SDK decodes the recording's
 * frames as it decoded the live room (the state is the recorded room type's). Each viewer
 * has its own playhead: `pause`, `resume`, `speed` (0.25x to 8x) and `seek` (a keyframe,
 * then the patches up to the position). An unknown or expired match answers 404, a damaged
 * recording 422; neither creates a room.
 */
export class ReplayRoom extends roomType({ title: "Replay", joinOptions: replayJoinOptions, maxPlayers: 16, privateRooms: false }) {
  #recording!: Recording;
  #timeline!: ReplayTimeline;
  /** Patches before each absolute frame position: what `ReplayPlayback.patches` counts. */
  #patchesBefore = new Uint32Array(0);
  readonly #viewers = new Map<string, Viewer>();
  /** The clock's time at the last turn of the playback loop; unset until its first turn. */
  #lastPlay: number | undefined;

  override messages = {
    pause: this.accept(pauseMessage, (client) => this.#change(client, (playhead) => pause(playhead))),
    resume: this.accept(resumeMessage, (client) => this.#change(client, (playhead) => resume(playhead, this.#timeline.durationMs))),
    speed: this.accept(speedMessage, (client, message) => this.#change(client, (playhead) => withSpeed(playhead, message.speed))),
    seek: this.accept(seekMessage, (client, message) => {
      const viewer = this.#viewers.get(client.sessionId);
      if (viewer === undefined) return;
      viewer.playhead = seek(viewer.playhead, message.positionMs, this.#timeline.durationMs);
      this.#sendFromKeyframe(viewer);
      this.#tell(viewer);
    }),
  };

  override async onCreate(options: CreateOptions<typeof replayJoinOptions>): Promise<void> {
    const { matchId } = options;
    const recording = await this.#load(matchId);
    const State = this.services.stateOf(recording.header.roomType);
    if (State === undefined) {
      throw new ServerError(
        HttpStatus.UNPROCESSABLE,
        `match "${matchId}" was recorded by room type "${recording.header.roomType}", which this server does not host`,
      );
    }
    // The room's state is never changed: it only gives viewers the recorded type's decoder (the handshake).
    this.state = new State();
    // colyseus-internal: recording-tap
    const handshake = (this as unknown as { _serializer: { handshake(): Uint8Array | undefined } })._serializer.handshake();
    if (Buffer.from(handshake ?? new Uint8Array()).toString("base64") !== recording.header.handshake) {
      throw new ServerError(HttpStatus.UNPROCESSABLE, `match "${matchId}" was recorded with another version of the "${recording.header.roomType}" state`);
    }
    try {
      await verifyRecording(recording, State);
      this.#timeline = timelineOf(recording);
    } catch (error) {
      throw this.#refusal(matchId, error);
    }
    this.#recording = recording;
    this.#patchesBefore = patchesBefore(recording.frames);
    // Matched by match id (several viewers share the decoded recording), never in the lobby.
    await this.setMatchmaking({ unlisted: true });
    this.setSimulationInterval(() => this.#play(), PLAY_INTERVAL_MS);
  }

  /** Viewers decode the recording's frames only: this room's own state (built, never played) is never sent. */
  override broadcastPatch(): boolean {
    return false;
  }

  async #load(matchId: string): Promise<Recording> {
    try {
      const bytes = await this.services.recordings.load(matchId);
      if (bytes === undefined) throw new ServerError(HttpStatus.NOT_FOUND, `no recording of match "${matchId}": unknown, or expired`);
      return decodeRecording(bytes);
    } catch (error) {
      throw this.#refusal(matchId, error);
    }
  }

  #refusal(matchId: string, error: unknown): Error {
    if (error instanceof ServerError) return error;
    if (error instanceof RecordingError)
      return new ServerError(HttpStatus.UNPROCESSABLE, `the recording of match "${matchId}" cannot be replayed: ${error.message}`);
    return new ServerError(HttpStatus.UNAVAILABLE, `recordings are unavailable: ${(error as Error).message}`);
  }

  protected onPlayerJoin(client: Client): void {
    this.#viewers.set(client.sessionId, { client, playhead: START, next: this.#recording.frames.first, lastPlayback: 0 });
    client.send("timeline", this.#timeline);
  }

  protected onPlayerLeave(client: Client): void {
    this.#viewers.delete(client.sessionId);
  }

  /** A viewer's full state is the recording's, from the keyframe at its playhead. */
  protected override sendOwnFullState(client: Client): boolean {
    const viewer = this.#viewers.get(client.sessionId);
    if (viewer !== undefined) {
      this.#sendFromKeyframe(viewer);
      this.#tell(viewer);
    }
    return true;
  }

  #change(client: Client, change: (playhead: Playhead) => Playhead): void {
    const viewer = this.#viewers.get(client.sessionId);
    if (viewer === undefined) return;
    viewer.playhead = change(viewer.playhead);
    this.#tell(viewer);
  }

  /** The keyframe at or before the playhead (a resync of the viewer's state), then the patches up to it. */
  #sendFromKeyframe(viewer: Viewer): void {
    const { frames } = this.#recording;
    const keyframe = frames.keyframeAtOrBefore(viewer.playhead.positionMs);
    const bytes = frames.at(keyframe)?.bytes;
    if (bytes !== undefined) viewer.client.raw(bytes);
    viewer.next = keyframe + 1;
    this.#sendUpTo(viewer);
  }

  #sendUpTo(viewer: Viewer): void {
    const { frames } = this.#recording;
    const end = frames.endAt(viewer.playhead.positionMs, viewer.next);
    for (let position = viewer.next; position < end; position++) {
      const frame = frames.at(position);
      if (frame?.kind === FrameKind.patch) viewer.client.raw(frame.bytes);
    }
    viewer.next = end;
  }

  #play(): void {
    const now = this.clock.currentTime;
    // The clock stood still while the recording loaded: the first turn moves no playhead.
    const elapsed = now - (this.#lastPlay ?? now);
    this.#lastPlay = now;
    for (const viewer of this.#viewers.values()) {
      // Not until its keyframe has gone (when it finishes joining): a patch before it would not decode.
      if (!viewer.playhead.playing || viewer.client.state !== ClientState.JOINED) continue;
      viewer.playhead = advance(viewer.playhead, elapsed, this.#timeline.durationMs);
      this.#sendUpTo(viewer);
      if (!viewer.playhead.playing || now - viewer.lastPlayback >= PLAYBACK_EVERY_MS) this.#tell(viewer);
    }
  }

  #tell(viewer: Viewer): void {
    viewer.lastPlayback = this.clock.currentTime;
    const { positionMs, speed, playing } = viewer.playhead;
    viewer.client.send("playback", { positionMs, speed, playing, patches: this.#patchesBefore[viewer.next] ?? 0 } satisfies ReplayPlayback);
  }
}
