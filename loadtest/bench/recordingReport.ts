/**
 * `npm run bench:recording`'s results (loadtest/bench/recordingBench.ts), its budgets'
 * verdicts, rendered as Markdown. Pure: no I/O, no clock.
 */
import type { Distribution } from "./storeReport.ts";

/** The issue's budgets; each can be loosened from the command line (the smoke test does). */
export interface RecordingBudgets {
  /** Recorded bytes per match-minute (uncompressed) at most this many times what one spectator receives. */
  readonly bytesVsSpectator: number;
  /** p99 of a seek, from sending `seek` to the `"playback"` reply, ms. */
  readonly seekP99Ms: number;
}

export const defaultRecordingBudgets: RecordingBudgets = Object.freeze({ bytesVsSpectator: 1.2, seekP99Ms: 200 });

/** Part `bytes`: one arena room of bots, one spectator, the room recorded. */
export interface BytesResult {
  readonly players: number;
  /** The stretch measured: from the window's start to its end, while the spectator was in. */
  readonly windowSeconds: number;
  /** WebSocket payload bytes the spectator received in the window (its SDK decoded them). */
  readonly spectatorBytes: number;
  readonly spectatorPatches: number;
  /** The recording's frames in the same window: patches, keyframes (and marks), each with its 9-byte frame header. */
  readonly recordedBytes: number;
  readonly recordedPatches: number;
  readonly recordedKeyframes: number;
  /** The same frames in a container, gzipped as the store keeps it, less that container with no frame (the header, once per recording). */
  readonly recordedCompressedBytes: number;
  /** Each player's bytes per second (with its own view), for comparison. */
  readonly playerBytesPerSecond: number;
  /** The whole recording as kept: from the room's first patch to its last (players joining and leaving included), container and stored (gzip) bytes. */
  readonly whole: { readonly durationSeconds: number; readonly containerBytes: number; readonly storedBytes: number };
}

/** Part `seek`: a recorded arena match made faster than real time, replayed by a real SDK client. */
export interface SeekResult {
  readonly minutes: number;
  readonly players: number;
  readonly frames: number;
  readonly keyframes: number;
  /** Simulating, encoding and recording the match, wall ms. */
  readonly buildMs: number;
  /** Heap and ArrayBuffer bytes the recorder's frames held at the match's end (undefined without `--expose-gc`). */
  readonly heldBytes: number | undefined;
  readonly containerBytes: number;
  readonly storedBytes: number;
  /** `packRecording` (container and gzip, as a save does), CPU ms. */
  readonly packCpuMs: number;
  /** When the replay room opens, each measured directly (median of 3): gunzip (the store's load), `decodeRecording`, `verifyRecording` (wall: it yields every 4 ms). */
  readonly loadMs: number;
  readonly decodeMs: number;
  readonly verifyMs: number;
  /** The first viewer: from matchmaking until its SDK had decoded the first state (room creation, with the three above, included). */
  readonly openMs: number;
  /** From sending `seek` to the `"playback"` reply (the frames before it decoded). */
  readonly seekMs: Distribution;
  /** Patches sent after the keyframe for the seeks, the most of them. */
  readonly mostPatchesAfterKeyframe: number;
  /** Seeks whose decoded state was not the one the reply announced (none expected). */
  readonly wrongStates: number;
}

/** Part `tap`: the recorder's own cost per patch, timed directly on the arena's patch loop (16 players, each with its view). */
export interface TapResult {
  readonly players: number;
  readonly patches: number;
  /** Mean CPU µs per patch of `applyPatches` (and emptying the events), per mode: what the cost is read from. */
  readonly patchUs: { readonly none: number; readonly buffer: number; readonly record: number };
  /** The median over simulated seconds of the same (each second's mean): the typical patch, garbage collection's pauses mostly left out. */
  readonly patchUsMedian: { readonly none: number; readonly buffer: number; readonly record: number };
  /** Mean wall µs of the three steps between two patches, all modes together. */
  readonly stepUs: number;
  /** CPU ms to pack a match-minute for the store (from part `seek`'s match, when it ran). */
  readonly packCpuMsPerMinute: number | undefined;
}

export interface RecordingBenchReport {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly load: readonly number[] };
  readonly budgets: RecordingBudgets;
  readonly bytes: BytesResult | undefined;
  readonly seek: SeekResult | undefined;
  readonly tap: TapResult | undefined;
}

/** Patches a second per room (Colyseus's default patch rate) and rooms at 320 CCU (16 players each): what the tap's cost is scaled to. */
const PATCHES_PER_SECOND = 20;
const ROOMS_AT_320_CCU = 20;

interface Verdict {
  readonly budget: string;
  readonly measured: string;
  readonly met: boolean;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const perMinute = (bytes: number, seconds: number): number => (seconds > 0 ? (bytes * 60) / seconds : 0);

/** Recorded bytes ÷ the spectator's, over the same stretch. */
function bytesRatiosOf(bytes: BytesResult): { readonly uncompressed: number; readonly compressed: number } {
  const spectator = bytes.spectatorBytes;
  return {
    uncompressed: spectator > 0 ? bytes.recordedBytes / spectator : Infinity,
    compressed: spectator > 0 ? bytes.recordedCompressedBytes / spectator : Infinity,
  };
}

/** The tap's extra µs per patch over none, and what that is per room-second and at 320 CCU. */
function tapCostOf(tap: TapResult): { readonly bufferUs: number; readonly recordUs: number; readonly recordShareOfCoreAt320: number } {
  const bufferUs = tap.patchUs.buffer - tap.patchUs.none;
  const recordUs = tap.patchUs.record - tap.patchUs.none;
  const packUsPerRoomSecond = tap.packCpuMsPerMinute === undefined ? 0 : (tap.packCpuMsPerMinute * 1000) / 60;
  return { bufferUs, recordUs, recordShareOfCoreAt320: ((recordUs * PATCHES_PER_SECOND + packUsPerRoomSecond) * ROOMS_AT_320_CCU) / 1e6 };
}

/** The verdicts this bench gives (the CPU budget is `npm run bench`'s: server CPU against server CPU). */
export function verdictsOf(report: RecordingBenchReport): Verdict[] {
  const verdicts: Verdict[] = [];
  if (report.bytes !== undefined) {
    const ratios = bytesRatiosOf(report.bytes);
    verdicts.push({
      budget: `recorded bytes per match-minute ≤ ${report.budgets.bytesVsSpectator}× a spectator's`,
      measured: `${fixed(ratios.uncompressed, 3)}× uncompressed, ${fixed(ratios.compressed, 3)}× compressed`,
      met: ratios.uncompressed <= report.budgets.bytesVsSpectator,
    });
  }
  if (report.seek !== undefined) {
    const seek = report.seek.seekMs;
    verdicts.push({
      budget: `seek in a ${report.seek.minutes}-minute match, p99 ≤ ${report.budgets.seekP99Ms} ms`,
      measured: `p50 ${fixed(seek.p50, 1)} / p99 ${fixed(seek.p99, 1)} / max ${fixed(seek.max, 1)} ms over ${seek.count} seeks`,
      met: seek.count > 0 && seek.p99 <= report.budgets.seekP99Ms && report.seek.wrongStates === 0,
    });
  }
  return verdicts;
}

export function renderRecordingMarkdown(report: RecordingBenchReport): string {
  const lines = [
    `# tickroom recording benchmark`,
    ``,
    `${report.startedAt}, ${report.durationSeconds.toFixed(0)} s on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}` +
      ` (load average at start ${report.machine.load.map((l) => l.toFixed(2)).join(" ")}).`,
    ``,
  ];
  const { bytes, seek, tap } = report;
  if (bytes !== undefined) {
    const ratios = bytesRatiosOf(bytes);
    const minute = (value: number): string => fixed(perMinute(value, bytes.windowSeconds) / 1024, 1);
    lines.push(
      `## Bytes: one arena room, ${bytes.players} bots and one spectator, recorded (${fixed(bytes.windowSeconds, 1)} s window)`,
      ``,
      `| what | kB per match-minute | ÷ spectator |`,
      `|---|---:|---:|`,
      `| the spectator received (WebSocket payloads, ${bytes.spectatorPatches} patches) | ${minute(bytes.spectatorBytes)} | 1 |`,
      `| recorded, uncompressed (${bytes.recordedPatches} patches, ${bytes.recordedKeyframes} keyframes, frame headers) | ${minute(bytes.recordedBytes)} | ${fixed(ratios.uncompressed, 3)} |`,
      `| recorded, compressed as stored (gzip) | ${minute(bytes.recordedCompressedBytes)} | ${fixed(ratios.compressed, 3)} |`,
      `| each player received (its own view), for comparison | ${fixed((bytes.playerBytesPerSecond * 60) / 1024, 1)} | ${fixed((bytes.playerBytesPerSecond * bytes.windowSeconds) / bytes.spectatorBytes, 3)} |`,
      ``,
      `The whole recording as kept (${fixed(bytes.whole.durationSeconds, 1)} s, players joining and leaving included): ` +
        `${fixed(perMinute(bytes.whole.containerBytes, bytes.whole.durationSeconds) / 1024, 1)} kB per minute uncompressed, ` +
        `${fixed(perMinute(bytes.whole.storedBytes, bytes.whole.durationSeconds) / 1024, 1)} kB stored.`,
      ``,
    );
  }
  if (seek !== undefined) {
    lines.push(
      `## Seek: a ${seek.minutes}-minute arena match (${seek.players} players, made faster than real time), a real SDK client replaying it`,
      ``,
      `${seek.frames} frames (${seek.keyframes} keyframes), built in ${fixed(seek.buildMs / 1000, 1)} s; ` +
        `${fixed(seek.containerBytes / 1024 / 1024, 2)} MiB uncompressed, ${fixed(seek.storedBytes / 1024 / 1024, 2)} MiB stored; packing it took ${fixed(seek.packCpuMs, 0)} ms of CPU. ` +
        (seek.heldBytes === undefined
          ? "(Memory held while recording: run with --expose-gc.)"
          : `While recording, the room held ${fixed(seek.heldBytes / 1024 / 1024, 2)} MiB for it (heap and buffers), ${fixed(seek.heldBytes / 1024 / 1024 / seek.minutes, 2)} MiB per match-minute.`),
      ``,
      `| step | ms |`,
      `|---|---:|`,
      `| the replay room opens: gunzip (the store's load) | ${fixed(seek.loadMs, 1)} |`,
      `| decodeRecording | ${fixed(seek.decodeMs, 1)} |`,
      `| verifyRecording (every frame decoded once, yielding every 4 ms) | ${fixed(seek.verifyMs, 1)} |`,
      `| first viewer, matchmaking to its first decoded state (all of the above included) | ${fixed(seek.openMs, 1)} |`,
      `| seek p50 / p99 / max (${seek.seekMs.count} seeks to random positions) | ${fixed(seek.seekMs.p50, 1)} / ${fixed(seek.seekMs.p99, 1)} / ${fixed(seek.seekMs.max, 1)} |`,
      ``,
      `A seek sends one keyframe and at most ${seek.mostPatchesAfterKeyframe} patches; ${seek.wrongStates === 0 ? "every seek's decoded state was the one its reply announced" : `**${seek.wrongStates} seeks decoded another state than their reply announced**`}.`,
      ``,
    );
  }
  if (tap !== undefined) {
    const cost = tapCostOf(tap);
    lines.push(
      `## The tap's own cost: the arena's patch loop timed directly (${tap.players} players with their views, ${tap.patches} patches per mode)`,
      ``,
      `| mode | CPU µs per patch, mean (median of seconds) | extra µs per patch | extra µs per room-second |`,
      `|---|---:|---:|---:|`,
      `| no tap | ${fixed(tap.patchUs.none, 1)} (${fixed(tap.patchUsMedian.none, 1)}) | – | – |`,
      `| tap, buffer for late spectators (every arena, recording or not) | ${fixed(tap.patchUs.buffer, 1)} (${fixed(tap.patchUsMedian.buffer, 1)}) | ${fixed(cost.bufferUs, 1)} | ${fixed(cost.bufferUs * PATCHES_PER_SECOND, 0)} |`,
      `| tap, recording the match | ${fixed(tap.patchUs.record, 1)} (${fixed(tap.patchUsMedian.record, 1)}) | ${fixed(cost.recordUs, 1)} | ${fixed(cost.recordUs * PATCHES_PER_SECOND, 0)} |`,
      ``,
      `The patch loop here is encoding only (no socket: the clients' \`raw()\` counts bytes); the three steps between patches took ${fixed(tap.stepUs, 1)} µs. ` +
        (tap.packCpuMsPerMinute === undefined
          ? ""
          : `Packing a recording for the store costs ${fixed(tap.packCpuMsPerMinute, 1)} ms of CPU per match-minute (off the event loop). `) +
        `Recording every arena at 320 CCU (${ROOMS_AT_320_CCU} rooms) would take ${fixed(cost.recordShareOfCoreAt320 * 100, 2)}% of one core; divide by the server's CPU there (npm run bench) for its share.`,
      ``,
    );
  }
  const verdicts = verdictsOf(report);
  lines.push(`## Budgets`, ``, `| budget | measured | met |`, `|---|---|---|`);
  for (const verdict of verdicts) lines.push(`| ${verdict.budget} | ${verdict.measured} | ${verdict.met ? "yes" : "**no**"} |`);
  lines.push(`| recording ≤ 5% of server CPU at 320 CCU | npm run bench (tickroom-recording ÷ tickroom) | – |`, ``);
  return lines.join("\n");
}
