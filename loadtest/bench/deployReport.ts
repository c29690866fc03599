/**
 * `npm run bench:deploy`'s results (loadtest/bench/deployBench.ts), its targets' verdicts,
 * rendered as Markdown. Pure: no I/O, no clock.
 */
import { FIRST_RETRY_MS } from "../../client/reconnection.ts";
import type { Distribution } from "./storeReport.ts";

/** The steady window before any move: what checkpoints cost the processes. */
export interface CheckpointCost {
  readonly windowSeconds: number;
  readonly clients: number;
  readonly processes: ReadonlyArray<{
    readonly port: number;
    /** Rooms it hosted at the window's end (its /health). */
    readonly rooms: number;
    /** User plus system CPU seconds over the window (/proc/<pid>/stat). */
    readonly cpuSeconds: number;
    /** `tickroom_checkpoint_*_total` over the window. */
    readonly checkpointRooms: number;
    readonly checkpointSeconds: number;
    readonly checkpointBytes: number;
  }>;
  /** Checkpoints in Redis at the window's end, by room type: how many, mean bytes each. */
  readonly bytesByType: Readonly<Record<string, { readonly rooms: number; readonly meanBytes: number }>>;
}

/** The same load on a cluster that never checkpoints (CHECKPOINT_SECONDS=0), measured the same way. */
export interface BaselineResult {
  readonly windowSeconds: number;
  readonly clients: number;
  readonly cpuSeconds: number;
}

export interface ScoreComparison {
  readonly compared: number;
  readonly identical: number;
  /** Higher after: kills in the ticks between the player's last patch and the freeze, or made on the new process before its state arrived. */
  readonly higher: number;
  /** Lower after: state lost on the way. */
  readonly lower: number;
  /** The first state after had an older tick than the last one before. */
  readonly ticksBack: number;
}

export interface BoardComparison {
  readonly compared: number;
  readonly identical: number;
  /** Different only by moves (or a rematch) a player of the game had sent and no patch had shown before the drop. */
  readonly inFlight: number;
  /** Different otherwise: a move lost or invented on the way. */
  readonly wrong: number;
}

/** Who came through a rolling restart or a failover (the players of the rooms it touched), and how the SDK brought them back. */
export interface Casualties {
  readonly players: number;
  /** Players that left (onLeave) or were not back at the end. */
  readonly playersLost: number;
  readonly lost: readonly string[];
  readonly rooms: number;
  /** Rooms some player of which was lost, or whose state did not seat all of them again. */
  readonly roomsLost: number;
  readonly dropCodes: Readonly<Record<string, number>>;
  /** The SDK's attempts per reconnection ("1": back at the first); and errors the rooms reported on the way. */
  readonly attempts: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  readonly playersEventLoop: EventLoopDelay;
}

export interface RestartResult extends Casualties {
  /** SIGHUP to "rolling restart done". */
  readonly durationMs: number;
  readonly completed: boolean;
  /**
   * Each drain in turn: its process's own account ("[tickroom] drained: ..."), and the players
   * it moved with their freeze (the first drain moves to a process that has run since the
   * start; the last to one started seconds before).
   */
  readonly drains: ReadonlyArray<{
    readonly moved: number;
    readonly failed: number;
    readonly left: number;
    readonly players: number;
    readonly arenaFreezeMs: Distribution;
    readonly closeToStateMs: Distribution;
  }>;
  /** How many times the players moved: "1" → players moved once. */
  readonly movesPerPlayer: Readonly<Record<string, number>>;
  /** Arena: the last patch before the drop to the first state after reconnecting. */
  readonly arenaFreezeMs: Distribution;
  /** Of which: the last patch to the close (the room frozen, snapshotted, recreated on the peer, its seats reserved). */
  readonly arenaLastPatchToCloseMs: Distribution;
  /** Tic-tac-toe (no patch unless someone moves): the drop to the first state after reconnecting. */
  readonly ticTacToeOfflineMs: Distribution;
  /** Every player: the close to `onReconnect` (the SDK's first retry waits 200 ms), and to the first state. */
  readonly closeToReconnectMs: Distribution;
  readonly closeToStateMs: Distribution;
  readonly scores: ScoreComparison;
  readonly boards: BoardComparison;
  /** Moves sent before the drop that the old process took in (they were on the board after). */
  readonly pendingMovesKept: number;
  /** Moves sent before the drop that were on no board after: refused by the frozen room (ROOM_MOVING; the player moved again). */
  readonly pendingMovesDropped: number;
  /** Arena players whose netcode's local entity was no longer the synced one after the move. */
  readonly localEntityReplaced: number;
}

/** The players' process's event loop over a phase: how late it ran its timers (and so noticed what arrived). */
interface EventLoopDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface FailoverResult extends Casualties {
  readonly killedPort: number;
  readonly killedPid: number;
  readonly detectSeconds: number;
  readonly checkpointSeconds: number;
  /** Kill to each affected player's first state after reconnecting. */
  readonly backMs: Distribution;
  /** Kill to the first adoption's start (its line's arrival less the restore time it gives): the detection. */
  readonly detectedMs: number;
  /** Kill to each "adopted room" line of the survivor, and the restore time that line gives. */
  readonly adoptedMs: Distribution;
  readonly restoreMs: Distribution;
  /** Kill minus each room's last checkpoint (`takenAt`). */
  readonly checkpointAgeMs: Distribution;
  readonly ticTacToe: {
    readonly rooms: number;
    /** Moves players had seen on the board at the kill that the recovered board lacks. */
    readonly movesLost: number;
    readonly roomsWithMovesLost: number;
    /** The oldest lost move: kill minus when a player first saw it. */
    readonly oldestLostMoveMs: number;
    /** Lost moves seen before their room's checkpoint was taken (the checkpoint should hold them). */
    readonly lostBeforeCheckpoint: number;
    /** Rooms whose checkpointed board no player had seen (it could not be placed in the game's history). */
    readonly checkpointUnseen: number;
    /** Rooms whose first state after recovery was the checkpoint's board. */
    readonly recoveredAsCheckpointed: number;
  };
  readonly arena: {
    readonly players: number;
    /** The last tick a player saw before the kill minus the checkpoint's tick, as time. */
    readonly wentBackMs: Distribution;
    /** Score points the checkpoint lacked (the player's last seen score minus the checkpoint's), summed; and players who lost any. */
    readonly scorePointsLost: number;
    readonly playersWithScoreLost: number;
    /** Distance between a player's last seen position and the checkpoint's, world units. */
    readonly positionBack: Distribution;
    /** Players whose first score after recovery was below the checkpoint's. */
    readonly belowCheckpoint: number;
  };
}

export interface DeployBenchReport {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly load: readonly number[] };
  readonly settings: {
    readonly processes: number;
    readonly arenaPlayers: number;
    readonly arenaRooms: number;
    readonly games: number;
    readonly checkpointSeconds: number;
    readonly failoverDetectSeconds: number;
    readonly windowSeconds: number;
    /** The SDK's first reconnection attempt after this long (undefined: its own 200 ms). */
    readonly firstRetryMs: number | undefined;
  };
  readonly cost: CheckpointCost | undefined;
  readonly baseline: BaselineResult | undefined;
  readonly restart: RestartResult | undefined;
  readonly failover: FailoverResult | undefined;
  /** The players' own process: its CPU over the run and its event loop's delay (what the freeze times carry of it). */
  readonly players: { readonly cpuPercent: number; readonly eventLoopDelayP99Ms: number; readonly eventLoopDelayMaxMs: number };
  /** Anything unexpected on the way: drops outside a move, players lost before one, refusals. */
  readonly problems: readonly string[];
}

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const spread = (d: Distribution, digits = 0): string =>
  d.count === 0 ? "–" : `p50 ${fixed(d.p50, digits)} / p99 ${fixed(d.p99, digits)} / max ${fixed(d.max, digits)}`;
const counts = (record: Readonly<Record<string, number>>): string =>
  Object.entries(record)
    .map(([key, count]) => `${key}: ${count}`)
    .join(", ") || "none";

/** The checkpoint cost in the units the docs quote. */
function checkpointCostOf(cost: CheckpointCost): {
  readonly usPerRoom: number;
  readonly bytesPerRoom: number;
  readonly shareOfCpu: number;
  readonly cpuMsPerClientSecond: number;
} {
  const sum = (pick: (process: CheckpointCost["processes"][number]) => number): number => cost.processes.reduce((total, process) => total + pick(process), 0);
  const rooms = sum((process) => process.checkpointRooms);
  const cpu = sum((process) => process.cpuSeconds);
  return {
    usPerRoom: rooms > 0 ? (sum((process) => process.checkpointSeconds) * 1e6) / rooms : Number.NaN,
    bytesPerRoom: rooms > 0 ? sum((process) => process.checkpointBytes) / rooms : Number.NaN,
    shareOfCpu: cpu > 0 ? sum((process) => process.checkpointSeconds) / cpu : Number.NaN,
    cpuMsPerClientSecond: cost.clients > 0 && cost.windowSeconds > 0 ? (cpu * 1000) / cost.clients / cost.windowSeconds : Number.NaN,
  };
}

/** CPU per client-second with checkpoints ÷ without. */
function baselineRatioOf(cost: CheckpointCost, baseline: BaselineResult): number {
  const without = baseline.clients > 0 && baseline.windowSeconds > 0 ? baseline.cpuSeconds / baseline.clients / baseline.windowSeconds : Number.NaN;
  return checkpointCostOf(cost).cpuMsPerClientSecond / 1000 / without;
}

export function verdictsOf(report: DeployBenchReport): Verdict[] {
  const verdicts: Verdict[] = [];
  const { restart, failover } = report;
  if (restart !== undefined) {
    verdicts.push(
      {
        target: "rolling restart: matches lost = 0",
        measured: `${restart.roomsLost} of ${restart.rooms}${restart.completed ? "" : " (the restart did not complete)"}`,
        met: restart.roomsLost === 0 && restart.completed,
      },
      { target: "rolling restart: players lost = 0", measured: `${restart.playersLost} of ${restart.players}`, met: restart.playersLost === 0 },
      {
        target: "rolling restart: freeze p99 ≤ 1 s (arena: last patch from the old process to the first state from the new)",
        measured: `${spread(restart.arenaFreezeMs)} ms over ${restart.arenaFreezeMs.count} moves (tic-tac-toe, drop to state: ${spread(restart.ticTacToeOfflineMs)} ms)`,
        met:
          restart.arenaFreezeMs.count > 0 &&
          restart.arenaFreezeMs.p99 <= 1000 &&
          (restart.ticTacToeOfflineMs.count === 0 || restart.ticTacToeOfflineMs.p99 <= 1000),
      },
      {
        target: "rolling restart: tic-tac-toe boards identical across the move",
        measured: `${restart.boards.identical} identical, ${restart.boards.inFlight} changed only by a move in flight, ${restart.boards.wrong} wrong, of ${restart.boards.compared}`,
        met: restart.boards.compared > 0 && restart.boards.wrong === 0,
      },
      {
        target: "rolling restart: arena scores identical across the move (none lower, no tick back)",
        measured: `${restart.scores.identical} identical, ${restart.scores.higher} higher, ${restart.scores.lower} lower, ${restart.scores.ticksBack} ticks back, of ${restart.scores.compared}`,
        met: restart.scores.compared > 0 && restart.scores.lower === 0 && restart.scores.ticksBack === 0,
      },
    );
  }
  if (failover !== undefined) {
    const budgetMs = (failover.detectSeconds + 2) * 1000;
    const intervalMs = failover.checkpointSeconds * 1000;
    verdicts.push(
      {
        target: "failover: players lost = 0, matches lost = 0",
        measured: `${failover.playersLost} of ${failover.players} players, ${failover.roomsLost} of ${failover.rooms} rooms`,
        met: failover.playersLost === 0 && failover.roomsLost === 0,
      },
      {
        target: `failover: every room back within detection + 2 s (${fixed(budgetMs / 1000, 1)} s)`,
        measured: `kill to each player's first state: ${spread(failover.backMs)} ms over ${failover.backMs.count} players`,
        met: failover.backMs.count === failover.players - failover.playersLost && failover.backMs.count > 0 && failover.backMs.max <= budgetMs,
      },
      {
        target: `failover: at most one checkpoint interval (${fixed(intervalMs, 0)} ms) of state lost`,
        measured:
          `tic-tac-toe: ${failover.ticTacToe.movesLost} moves lost in ${failover.ticTacToe.roomsWithMovesLost} of ${failover.ticTacToe.rooms} games, ` +
          `the oldest made ${fixed(failover.ticTacToe.oldestLostMoveMs, 0)} ms before the kill, ${failover.ticTacToe.lostBeforeCheckpoint} made before their checkpoint; ` +
          `arena went back ${spread(failover.arena.wentBackMs)} ms`,
        met:
          failover.ticTacToe.lostBeforeCheckpoint === 0 &&
          failover.ticTacToe.checkpointUnseen === 0 &&
          failover.ticTacToe.oldestLostMoveMs <= intervalMs &&
          failover.arena.belowCheckpoint === 0 &&
          (failover.arena.wentBackMs.count === 0 || failover.arena.wentBackMs.max <= intervalMs + 50),
      },
    );
  }
  return verdicts;
}

export function renderDeployMarkdown(report: DeployBenchReport): string {
  const { settings: s, cost, baseline, restart, failover } = report;
  const lines = [
    `# tickroom deploy benchmark`,
    ``,
    `${report.startedAt}, ${fixed(report.durationSeconds, 0)} s on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}` +
      ` (load average at start ${report.machine.load.map((l) => l.toFixed(2)).join(" ")}).`,
    ``,
    `${s.processes} processes behind the router on Redis; ${s.arenaPlayers} arena players in ${s.arenaRooms} rooms (inputs at 60 Hz), ${s.games} tic-tac-toe games ` +
      `(${s.games * 2} players, moves during the run); CHECKPOINT_SECONDS=${s.checkpointSeconds}, FAILOVER_DETECT_SECONDS=${s.failoverDetectSeconds}; ` +
      (s.firstRetryMs === undefined
        ? `the first reconnection attempt after ${FIRST_RETRY_MS} ms for arena players (tickroom's client netcode, client/reconnection.ts), after the SDK's default 200 ms for tic-tac-toe players (the bare SDK).`
        : `every player's first reconnection attempt after ${s.firstRetryMs} ms.`),
    ``,
  ];
  const verdicts = verdictsOf(report);
  if (verdicts.length > 0) {
    lines.push(`## Targets`, ``, `| target | measured | met |`, `|---|---|---|`);
    for (const verdict of verdicts) lines.push(`| ${verdict.target} | ${verdict.measured} | ${verdict.met ? "yes" : "**no**"} |`);
    lines.push(``);
  }
  if (restart !== undefined) {
    lines.push(
      `## Rolling restart (SIGHUP)`,
      ``,
      `| | |`,
      `|---|---|`,
      `| SIGHUP to "rolling restart done" | ${fixed(restart.durationMs / 1000, 1)} s${restart.completed ? "" : " (**did not complete**)"} |`,
      `| drains (moved / failed / left to finish) | ${restart.drains.map((d) => `${d.moved} / ${d.failed} / ${d.left}`).join("; ") || "–"} |`,
      ...restart.drains.map(
        (d, index) =>
          `| drain ${index + 1}: ${d.players} players, arena freeze / close to first state, ms | ${spread(d.arenaFreezeMs)} / ${spread(d.closeToStateMs)} |`,
      ),
      `| moves per player | ${counts(restart.movesPerPlayer)} |`,
      `| close codes seen | ${counts(restart.dropCodes)} |`,
      `| SDK attempts per reconnection | ${counts(restart.attempts)}; errors: ${counts(restart.errors)} |`,
      `| players lost | ${restart.playersLost} of ${restart.players}${restart.lost.length > 0 ? ` (${restart.lost.slice(0, 10).join(", ")})` : ""} |`,
      `| matches lost | ${restart.roomsLost} of ${restart.rooms} |`,
      `| arena freeze, last patch to first state, ms | ${spread(restart.arenaFreezeMs)} (${restart.arenaFreezeMs.count} moves) |`,
      `| of which last patch to the close (4010), ms | ${spread(restart.arenaLastPatchToCloseMs)} |`,
      `| tic-tac-toe, drop to first state, ms | ${spread(restart.ticTacToeOfflineMs)} (${restart.ticTacToeOfflineMs.count} moves) |`,
      `| every player, close to onReconnect / to first state, ms | ${spread(restart.closeToReconnectMs)} / ${spread(restart.closeToStateMs)} |`,
      `| arena scores, before → after | ${restart.scores.identical} identical, ${restart.scores.higher} higher, ${restart.scores.lower} lower; ${restart.scores.ticksBack} ticks back |`,
      `| tic-tac-toe boards, before → after | ${restart.boards.identical} identical, ${restart.boards.inFlight} changed only by a move in flight, ${restart.boards.wrong} wrong |`,
      `| moves in flight at the drop | ${restart.pendingMovesKept} taken in by the old process, ${restart.pendingMovesDropped} refused by the frozen room (ROOM_MOVING) and played again |`,
      `| arena netcode's local entity replaced by the move | ${restart.localEntityReplaced} of ${restart.scores.compared} |`,
      `| the players' event loop meanwhile, delay p99 / max, ms | ${fixed(restart.playersEventLoop.p99Ms, 1)} / ${fixed(restart.playersEventLoop.maxMs, 1)} |`,
      ``,
    );
  }
  if (failover !== undefined) {
    const t = failover.ticTacToe;
    const a = failover.arena;
    lines.push(
      `## Failover (SIGKILL of the process on port ${failover.killedPort}, pid ${failover.killedPid})`,
      ``,
      `| | |`,
      `|---|---|`,
      `| on it | ${failover.rooms} rooms, ${failover.players} players |`,
      `| close codes seen | ${counts(failover.dropCodes)} |`,
      `| SDK attempts per reconnection | ${counts(failover.attempts)}; errors: ${counts(failover.errors)} |`,
      `| players lost | ${failover.playersLost}${failover.lost.length > 0 ? ` (${failover.lost.slice(0, 10).join(", ")})` : ""} |`,
      `| matches lost | ${failover.roomsLost} |`,
      `| kill to each player's first state, ms | ${spread(failover.backMs)} |`,
      `| kill to the first adoption's start (detection), ms | ${fixed(failover.detectedMs, 0)} |`,
      `| kill to each "adopted room" line, ms | ${spread(failover.adoptedMs)} (${failover.adoptedMs.count} rooms, one after another; restore itself ${spread(failover.restoreMs)} ms) |`,
      `| checkpoint age at the kill, ms | ${spread(failover.checkpointAgeMs)} |`,
      `| tic-tac-toe: moves lost | ${t.movesLost} in ${t.roomsWithMovesLost} of ${t.rooms} games; oldest made ${fixed(t.oldestLostMoveMs, 0)} ms before the kill; ${t.lostBeforeCheckpoint} seen before their checkpoint |`,
      `| tic-tac-toe: recovered board | ${t.recoveredAsCheckpointed} of ${t.rooms} the checkpoint's; ${t.checkpointUnseen} checkpoints no player had seen |`,
      `| arena: went back, ms | ${spread(a.wentBackMs)} (${a.players} players) |`,
      `| arena: score lost | ${a.scorePointsLost} points, ${a.playersWithScoreLost} players; ${a.belowCheckpoint} below the checkpoint after |`,
      `| arena: position went back, world units | ${spread(a.positionBack, 1)} |`,
      `| the players' event loop meanwhile, delay p99 / max, ms | ${fixed(failover.playersEventLoop.p99Ms, 1)} / ${fixed(failover.playersEventLoop.maxMs, 1)} |`,
      ``,
    );
  }
  if (cost !== undefined) {
    const c = checkpointCostOf(cost);
    lines.push(
      `## Checkpoint cost (steady ${fixed(cost.windowSeconds, 1)} s window, ${cost.clients} clients)`,
      ``,
      `| process | rooms | CPU s | checkpoints (rooms) | checkpoint event-loop s | bytes |`,
      `|---|---:|---:|---:|---:|---:|`,
    );
    for (const p of cost.processes) {
      lines.push(`| :${p.port} | ${p.rooms} | ${fixed(p.cpuSeconds, 2)} | ${p.checkpointRooms} | ${fixed(p.checkpointSeconds, 4)} | ${p.checkpointBytes} |`);
    }
    lines.push(
      ``,
      `Per room checkpoint: **${fixed(c.usPerRoom, 1)} µs** of event loop, **${fixed(c.bytesPerRoom, 0)} bytes**; checkpoints took **${fixed(c.shareOfCpu * 100, 2)}%** of the processes' CPU ` +
        `(${fixed(c.cpuMsPerClientSecond * 1000, 0)} µs CPU per client-second in all). By room type: ` +
        (Object.entries(cost.bytesByType)
          .map(([type, size]) => `${type} ${fixed(size.meanBytes, 0)} bytes (${size.rooms} rooms)`)
          .join(", ") || "–") +
        `.`,
      ``,
    );
    if (baseline !== undefined) {
      const without = baseline.cpuSeconds / baseline.clients / baseline.windowSeconds;
      lines.push(
        `Baseline, the same load with CHECKPOINT_SECONDS=0: ${fixed(without * 1e6, 0)} µs CPU per client-second; with ÷ without **${fixed(baselineRatioOf(cost, baseline), 3)}**.`,
        ``,
      );
    }
  }
  lines.push(
    `The players' process: ${fixed(report.players.cpuPercent, 0)}% of a core, event loop delay p99 ${fixed(report.players.eventLoopDelayP99Ms, 1)} ms (max ${fixed(report.players.eventLoopDelayMaxMs, 1)}): the freeze times include it.`,
    ``,
  );
  if (report.problems.length > 0) {
    lines.push(`## Problems`, ``);
    for (const problem of report.problems) lines.push(`- ${problem}`);
    lines.push(``);
  }
  return lines.join("\n");
}
