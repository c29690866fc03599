/**
 * `npm run bench:recording`: the recording budgets of the issue, measured with the real code.
 *
 *   npm run bench:recording -- [--parts bytes,seek,tap] [--warmup 2] [--seconds 60]
 *     [--minutes 10] [--seeks 200] [--seeks-per-second 8] [--tap-seconds 600]
 *     [--seed 1] [--budget-bytes 1.2] [--budget-seek-p99-ms 200] [--out .bench/recording]
 *
 * One tickroom server runs in this process (`createTickroomServer`, `RECORD_MATCHES=all`,
 * its recordings kept in a store that hands them to the bench as well).
 *
 * - `bytes`: a bot process (loadtest/bench/botWorker.ts) fills one arena room with 16
 *   bots; a spectator (a real `@colyseus/sdk` client, decoding) joins it. Over a window of
 *   `--seconds`, the spectator's received WebSocket payload bytes against the recording's
 *   frames in the same stretch (their bytes with frame headers; and compressed as the
 *   store keeps them). Budget: recorded ≤ 1.2× the spectator's.
 * - `seek`: a `--minutes` arena match made faster than real time (loadtest/bench/
 *   syntheticMatch.ts: the arena's rules, Colyseus's `SchemaSerializer`, the real
 *   `RoomRecorder` on a synthetic clock), saved through the server's `RecordingStore`; the
 *   replay room's opening steps timed directly (gunzip, `decodeRecording`,
 *   `verifyRecording`), then a real SDK client joins the replay, pauses, and seeks to
 *   `--seeks` random positions, each timed from sending `seek` to the `"playback"` reply
 *   (the frames of the seek are sent before it, so the state is decoded by then). Seeks are
 *   paced at `--seeks-per-second`: the replay room closes a client past 10 messages a second.
 *   Budget: p99 ≤ 200 ms. The server and the client share this process's one thread, so
 *   each seek's server work and decoding are counted one after the other. Also read: the
 *   memory the recorder's frames hold for the match (with `--expose-gc`, as the npm script
 *   runs), and the CPU `packRecording` takes.
 * - `tap`: the recorder's own cost, timed directly: the same simulated arena (16 players,
 *   each with its view, as the arena gives them) patched with no tap, with the tap
 *   buffering for late spectators (what every arena runs) and with the tap recording,
 *   `--tap-seconds` of simulated play each, taking turns every simulated second, each
 *   patch timed in CPU time. The CPU budget itself (≤ 5% of server CPU at
 *   320 CCU) is `npm run bench`'s: tickroom-recording against tickroom.
 *
 * Writes report.json and report.md to `--out`, prints the Markdown, and exits 1 when a
 * budget is missed (2 on a usage error).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { matchMaker } from "@colyseus/core";
import { Client, type Room } from "@colyseus/sdk";
import { TrafficMeter } from "../../client/web/trafficMeter.ts";
import { decodeRecording, encodeRecording, type Frame, FrameKind } from "../../rooms/base/recording.ts";
import { MemoryRecordings, type NewRecording, packRecording, unpackRecording } from "../../rooms/base/recordings.ts";
import type { ReplayPlayback, ReplayTimeline } from "../../rooms/replay/shapes.ts";
import { verifyRecording } from "../../rooms/replay/verify.ts";
import { ArenaState } from "../../schema/ArenaState.ts";
import { createTickroomServer } from "../../server/app.config.ts";
import { parseConfig } from "../../server/config.ts";
import { seededRandom } from "../../shared/random.ts";
import { generousHttpLimits } from "../../tools/serverProcess.ts";
import { BotProcess } from "./botProcess.ts";
import {
  type BytesResult,
  defaultRecordingBudgets,
  type RecordingBenchReport,
  type RecordingBudgets,
  renderRecordingMarkdown,
  type SeekResult,
  type TapResult,
  verdictsOf,
} from "./recordingReport.ts";
import { distributionOf } from "./storeReport.ts";
import { type RecorderMode, recordSyntheticMatch, SyntheticArena } from "./syntheticMatch.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const PARTS = ["bytes", "seek", "tap"] as const;
type Part = (typeof PARTS)[number];

const { values: flags } = parseArgs({
  options: {
    parts: { type: "string", default: PARTS.join(",") },
    warmup: { type: "string", default: "2" },
    seconds: { type: "string", default: "60" },
    minutes: { type: "string", default: "10" },
    seeks: { type: "string", default: "200" },
    "seeks-per-second": { type: "string", default: "8" },
    "tap-seconds": { type: "string", default: "600" },
    seed: { type: "string", default: "1" },
    "budget-bytes": { type: "string", default: String(defaultRecordingBudgets.bytesVsSpectator) },
    "budget-seek-p99-ms": { type: "string", default: String(defaultRecordingBudgets.seekP99Ms) },
    out: { type: "string", default: ".bench/recording" },
  },
  strict: true,
});

function usage(message: string): never {
  console.error(`bench:recording: ${message}`);
  process.exit(2);
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) usage(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

const parts = new Set(flags.parts.split(","));
for (const part of parts) if (!(PARTS as readonly string[]).includes(part)) usage(`unknown part "${part}" (${PARTS.join(", ")})`);
const has = (part: Part): boolean => parts.has(part);
const warmupSeconds = positive("warmup", flags.warmup);
const windowSeconds = positive("seconds", flags.seconds);
const matchMinutes = positive("minutes", flags.minutes);
const seekCount = Math.round(positive("seeks", flags.seeks));
const seeksPerSecond = positive("seeks-per-second", flags["seeks-per-second"]);
const tapSeconds = Math.round(positive("tap-seconds", flags["tap-seconds"]));
const seed = Math.round(positive("seed", flags.seed));
const budgets: RecordingBudgets = {
  bytesVsSpectator: positive("budget-bytes", flags["budget-bytes"]),
  seekP99Ms: positive("budget-seek-p99-ms", flags["budget-seek-p99-ms"]),
};
const PLAYERS = 16;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The server's recordings in memory, as without a store, each also handed to whoever waits for its room's. */
class CapturedRecordings extends MemoryRecordings {
  readonly #saved: NewRecording[] = [];
  readonly #waiting: Array<{ readonly roomId: string; readonly done: (recording: NewRecording) => void }> = [];

  constructor() {
    super(50);
  }

  override save(recording: NewRecording): Promise<number> {
    this.#saved.push(recording);
    for (const waiter of this.#waiting) if (recording.header.roomId === waiter.roomId) waiter.done(recording);
    return super.save(recording);
  }

  /** The first recording the room `roomId` saved. */
  saved(roomId: string, timeoutMs: number): Promise<NewRecording> {
    const kept = this.#saved.find((recording) => recording.header.roomId === roomId);
    if (kept !== undefined) return Promise.resolve(kept);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`room ${roomId} kept no recording within ${timeoutMs} ms`)), timeoutMs);
      this.#waiting.push({
        roomId,
        done: (recording) => {
          clearTimeout(timer);
          done(recording);
        },
      });
    });
  }
}

/** The next message of `type` on `room`, or a rejection after `timeoutMs`. */
function nextMessage<T>(room: Room, type: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
    const remove = room.onMessage(type, (message: T) => {
      clearTimeout(timer);
      // After this dispatch: removing a listener while the signal dispatches can skip another (docs/colyseus-internals.md, sdk-signal-removal).
      queueMicrotask(remove);
      done(message);
    });
  });
}

/** How many patches a seek to a position sends after its keyframe, read off the container as the replay room reads it. */
function seekSizes(container: Uint8Array): (positionMs: number) => number {
  const { frames } = decodeRecording(container);
  return (positionMs) => {
    let patches = 0;
    for (let position = frames.keyframeAtOrBefore(positionMs) + 1; position < frames.endAt(positionMs); position++) {
      if (frames.at(position)?.kind === FrameKind.patch) patches++;
    }
    return patches;
  };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

async function measureBytes(port: number, recordings: CapturedRecordings): Promise<BytesResult> {
  const bots = new BotProcess(0);
  try {
    const reply = await bots.request({ cmd: "connect", kind: "tickroom", port, groups: [{ region: "recorded", count: PLAYERS }], concurrency: 1 });
    if (reply.cmd !== "connect" || reply.result.connected !== PLAYERS) throw new Error(`the bots did not all join: ${JSON.stringify(reply)}`);
    const [listed] = await matchMaker.query({ name: "arena" });
    if (listed === undefined) throw new Error("no arena room");
    const spectator = await new Client(`http://127.0.0.1:${port}`).joinById<ArenaState>(listed.roomId, { spectator: true });
    const meter = new TrafficMeter(spectator);
    await sleep(warmupSeconds * 1000);

    await bots.request({ cmd: "measure" });
    const bytesBefore = meter.totalBytesIn;
    const patchesBefore = meter.totalPatches;
    const from = Date.now();
    await sleep(windowSeconds * 1000);
    const to = Date.now();
    const spectatorBytes = meter.totalBytesIn - bytesBefore;
    const spectatorPatches = meter.totalPatches - patchesBefore;
    const window = await bots.request({ cmd: "report" });
    const players = window.cmd === "report" ? window.result : undefined;

    // Everyone leaves: the room closes and keeps what it recorded.
    await spectator.leave();
    await bots.request({ cmd: "disconnect" });
    const recording = await recordings.saved(listed.roomId, 30_000);

    // Frames are timed from the recording's first keyframe, which began at `startedAt`.
    const inWindow = recording.frames.filter((frame) => {
      const at = recording.header.startedAt + frame.t;
      return at >= from && at < to;
    });
    const containerOf = (frames: readonly Frame[]): number => encodeRecording(recording.header, frames).byteLength;
    const packedOf = async (frames: readonly Frame[]): Promise<number> => (await packRecording({ header: recording.header, frames })).data.byteLength;
    const whole = recording.frames;
    return {
      players: PLAYERS,
      windowSeconds: (to - from) / 1000,
      spectatorBytes,
      spectatorPatches,
      recordedBytes: containerOf(inWindow) - containerOf([]),
      recordedPatches: inWindow.filter((frame) => frame.kind === FrameKind.patch).length,
      recordedKeyframes: inWindow.filter((frame) => frame.kind === FrameKind.keyframe).length,
      recordedCompressedBytes: (await packedOf(inWindow)) - (await packedOf([])),
      playerBytesPerSecond: players === undefined || players.clients === 0 ? 0 : players.bytes / players.clients / players.seconds,
      whole: { durationSeconds: recording.header.durationMs / 1000, containerBytes: containerOf(whole), storedBytes: await packedOf(whole) },
    };
  } finally {
    bots.child.kill();
  }
}

async function measureSeeks(port: number, recordings: CapturedRecordings): Promise<SeekResult> {
  const matchId = "synthetic:1";
  // What a room holds while it records (its frames), read around the build with collections forced (`--expose-gc`, as the npm script runs).
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const memoryBefore = process.memoryUsage();
  const built = recordSyntheticMatch(matchId, matchMinutes, { players: PLAYERS, seed });
  gc?.();
  const memoryAfter = process.memoryUsage();
  const heldBytes = gc === undefined ? undefined : memoryAfter.heapUsed + memoryAfter.arrayBuffers - (memoryBefore.heapUsed + memoryBefore.arrayBuffers);
  const { recording } = built;
  const cpuBefore = process.cpuUsage();
  const packed = await packRecording(recording);
  const cpu = process.cpuUsage(cpuBefore);
  await recordings.save(recording);

  // The replay room's opening steps, each timed on its own.
  const loads: number[] = [];
  const decodes: number[] = [];
  const verifies: number[] = [];
  for (let round = 0; round < 3; round++) {
    let at = performance.now();
    const bytes = await recordings.load(matchId);
    loads.push(performance.now() - at);
    if (bytes === undefined) throw new Error("the recording was not kept");
    at = performance.now();
    const decoded = decodeRecording(bytes);
    decodes.push(performance.now() - at);
    at = performance.now();
    await verifyRecording(decoded, ArenaState);
    verifies.push(performance.now() - at);
  }
  // Check: unpack what was stored gives the container back.
  const container = await unpackRecording(packed.data);

  const opening = performance.now();
  const viewer = await new Client(`http://127.0.0.1:${port}`).joinOrCreate<ArenaState>("replay", { matchId });
  // The timeline tells a viewer the match's length, as it tells a scrubber.
  const timeline = nextMessage<ReplayTimeline>(viewer, "timeline");
  await nextMessage<ReplayPlayback>(viewer, "playback");
  const openMs = performance.now() - opening;
  try {
    viewer.send("pause", {});
    let paused = await nextMessage<ReplayPlayback>(viewer, "playback");
    while (paused.playing) paused = await nextMessage<ReplayPlayback>(viewer, "playback");
    const random = seededRandom(seed);
    const { durationMs } = await timeline;
    const seekMs: number[] = [];
    let wrongStates = 0;
    let mostPatches = 0;
    const patchesAfterKeyframe = seekSizes(container);
    let lastSent = 0;
    for (let index = 0; index < seekCount; index++) {
      const wait = lastSent + 1000 / seeksPerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const positionMs = Math.floor(random() * durationMs);
      const reply = nextMessage<ReplayPlayback>(viewer, "playback");
      lastSent = performance.now();
      viewer.send("seek", { positionMs });
      const playback = await reply;
      seekMs.push(performance.now() - lastSent);
      // A state is the first keyframe and `patches` patches; every patch of this match is three 60 Hz steps after the last.
      if (playback.positionMs !== positionMs || viewer.state.tick !== 3 * (playback.patches + 1)) wrongStates++;
      mostPatches = Math.max(mostPatches, patchesAfterKeyframe(positionMs));
    }
    return {
      minutes: matchMinutes,
      players: PLAYERS,
      frames: recording.frames.length,
      keyframes: recording.frames.filter((frame) => frame.kind === FrameKind.keyframe).length,
      buildMs: built.buildMs,
      heldBytes,
      containerBytes: container.byteLength,
      storedBytes: packed.data.byteLength,
      packCpuMs: (cpu.user + cpu.system) / 1000,
      loadMs: median(loads),
      decodeMs: median(decodes),
      verifyMs: median(verifies),
      openMs,
      seekMs: distributionOf(seekMs),
      mostPatchesAfterKeyframe: mostPatches,
      wrongStates,
    };
  } finally {
    await viewer.leave().catch(() => undefined);
  }
}

/**
 * The same simulated arena patched in each mode, `tapSeconds` of simulated play each,
 * modes taking turns every simulated second (the order rotating), so garbage collection
 * and the machine's other work fall on all three alike. Each `patch()` is timed in CPU
 * time (the process's, garbage collector's threads included), not wall time: a core taken
 * away by another process mid-patch is not counted against the mode that was running.
 */
function measureTap(packCpuMsPerMinute: number | undefined): TapResult {
  const modes: RecorderMode[] = ["none", "buffer", "record"];
  const arenas = new Map(modes.map((mode) => [mode, new SyntheticArena({ players: PLAYERS, seed, recorder: mode, clients: true })]));
  const slices = new Map<RecorderMode, number[]>(modes.map((mode) => [mode, []]));
  const patchesPerSlice = 20;
  let stepMs = 0;
  const run = (mode: RecorderMode, counted: boolean): void => {
    const arena = arenas.get(mode) as SyntheticArena;
    let patchUs = 0;
    for (let index = 0; index < patchesPerSlice; index++) {
      const stepping = performance.now();
      arena.step();
      stepMs += performance.now() - stepping;
      const before = process.cpuUsage();
      arena.patch();
      const used = process.cpuUsage(before);
      patchUs += used.user + used.system;
    }
    if (counted) slices.get(mode)?.push(patchUs / patchesPerSlice);
  };
  // Ten seconds each for the JIT, not counted.
  for (let slice = 0; slice < 10; slice++) for (const mode of modes) run(mode, false);
  stepMs = 0;
  for (let slice = 0; slice < tapSeconds; slice++) {
    for (let index = 0; index < modes.length; index++) run(modes[(index + slice) % modes.length] as RecorderMode, true);
  }
  const of = (mode: RecorderMode, pick: (values: readonly number[]) => number): number => pick(slices.get(mode) ?? []);
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return {
    players: PLAYERS,
    patches: tapSeconds * patchesPerSlice,
    patchUs: { none: of("none", mean), buffer: of("buffer", mean), record: of("record", mean) },
    patchUsMedian: { none: of("none", median), buffer: of("buffer", median), record: of("record", median) },
    stepUs: (stepMs * 1000) / (tapSeconds * patchesPerSlice * modes.length),
    packCpuMsPerMinute,
  };
}

const started = new Date();
const startedAt = performance.now();
const load = loadavg();
const recordings = new CapturedRecordings();
const config = parseConfig({ ...generousHttpLimits, DEV_TOOLS: "off", STORE_ENABLED: "false", RECORD_MATCHES: "all", METRICS_ENABLED: "false" });
const server = createTickroomServer(config, { handleSignals: false, recordings });
let bytes: BytesResult | undefined;
let seek: SeekResult | undefined;
let tap: TapResult | undefined;
try {
  await server.listen(0, "127.0.0.1");
  const { port } = server.transport.server!.address() as AddressInfo;
  if (has("bytes")) {
    bytes = await measureBytes(port, recordings);
    console.error(
      `bench:recording: bytes: spectator ${bytes.spectatorBytes} B, recorded ${bytes.recordedBytes} B (${bytes.recordedCompressedBytes} B compressed)`,
    );
  }
  if (has("seek")) {
    seek = await measureSeeks(port, recordings);
    console.error(`bench:recording: seek p50 ${seek.seekMs.p50.toFixed(1)} / p99 ${seek.seekMs.p99.toFixed(1)} / max ${seek.seekMs.max.toFixed(1)} ms`);
  }
  if (has("tap")) {
    tap = measureTap(seek === undefined ? undefined : seek.packCpuMs / seek.minutes);
    console.error(
      `bench:recording: tap µs per patch: none ${tap.patchUs.none.toFixed(1)}, buffer ${tap.patchUs.buffer.toFixed(1)}, record ${tap.patchUs.record.toFixed(1)}`,
    );
  }
} finally {
  await server.gracefullyShutdown(false).catch(() => undefined);
}

const report: RecordingBenchReport = {
  startedAt: started.toISOString(),
  durationSeconds: (performance.now() - startedAt) / 1000,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, load },
  budgets,
  bytes,
  seek,
  tap,
};
const out = resolve(root, flags.out);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderRecordingMarkdown(report);
writeFileSync(join(out, "report.md"), markdown);
console.log(markdown);
console.error(`bench:recording: wrote ${join(out, "report.{json,md}")}`);
process.exit(verdictsOf(report).every((verdict) => verdict.met) ? 0 : 1);
