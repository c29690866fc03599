/**
 * `npm run bench:deploy`: what a deploy costs the players, measured on a real cluster.
 *
 *   npm run bench:deploy -- [--parts restart,failover,baseline] [--arena-players 100]
 *     [--games 20] [--warmup 3] [--seconds 15] [--settle 3] [--checkpoint-seconds 1]
 *     [--failover-detect-seconds 3] [--first-retry-ms <ms>] [--redis redis://127.0.0.1:6379]
 *     [--redis-database 11] [--out .bench/deploy]
 *
 * `npm run start:cluster` (server/cluster.ts: a router in front of two tickroom processes,
 * one Redis database index of its own, flushed first) in its own process, and in this one
 * the players (loadtest/bench/deployPlayers.ts): arena players sending inputs at 60 Hz in
 * rooms of up to 16, tic-tac-toe games being played, every client a real `@colyseus/sdk`
 * client that decodes, through the router, with `reconnection.minUptime` 0 (and, with
 * `--first-retry-ms`, its first reconnection attempt that soon instead of the SDK's 200 ms).
 *
 * - Steady window (`--seconds`, after `--warmup`): each process's CPU (/proc/<pid>/stat)
 *   and its `tickroom_checkpoint_*_total` counters (/metrics), so the cost of a room
 *   checkpoint in event-loop time and bytes, and its share of the process's CPU.
 * - `restart`: SIGHUP to the launcher (a rolling restart: each process drained into the
 *   other, then replaced). Per player, each drop: the last state before it and the first
 *   after reconnecting; from them the freeze, scores and boards across the move, players
 *   and matches lost.
 * - `failover`: SIGKILL to the process hosting the most rooms. The dead process's
 *   checkpoints are read from Redis at once (what the survivor will adopt); per player the
 *   time from the kill to its first state after reconnecting, and what the checkpoint
 *   lacked of what the players had seen (tic-tac-toe moves, arena ticks, scores, positions).
 * - `baseline`: the same load on a fresh cluster with CHECKPOINT_SECONDS=0, its CPU over
 *   the same window: with ÷ without.
 *
 * Writes report.json, report.md and each cluster's log to `--out`, prints the Markdown, and
 * exits 1 when a target is missed (2 on a usage error).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { parseSnapshot, type RoomSnapshot } from "../../rooms/base/migration.ts";
import { MIGRATION_KEYS } from "../../server/migration.ts";
import { flushRedisDatabase, redisAnswers } from "../../tools/redisCommand.ts";
import { generousHttpLimits } from "../../tools/serverProcess.ts";
import { type ClusterMember, ClusterProcess } from "./clusterProcess.ts";
import { type AnyPlayer, ArenaPlayer, arenaRoomSizes, brokenRooms, type Drop, Players, phase, reconnectionSettings, TicTacToePlayer } from "./deployPlayers.ts";
import {
  type BaselineResult,
  type BoardComparison,
  type Casualties,
  type CheckpointCost,
  type DeployBenchReport,
  type FailoverResult,
  type RestartResult,
  renderDeployMarkdown,
  type ScoreComparison,
  verdictsOf,
} from "./deployReport.ts";
import { cpuSeconds } from "./processStats.ts";
import { parsePrometheusText, sumOf } from "./prometheusText.ts";
import { distributionOf } from "./storeReport.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const PARTS = ["restart", "failover", "baseline"] as const;
type Part = (typeof PARTS)[number];
const PROCESSES = 2;
const TICK_RATE = 60;

const { values: flags } = parseArgs({
  options: {
    parts: { type: "string", default: PARTS.join(",") },
    "arena-players": { type: "string", default: "100" },
    games: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    seconds: { type: "string", default: "15" },
    settle: { type: "string", default: "3" },
    "checkpoint-seconds": { type: "string", default: "1" },
    "failover-detect-seconds": { type: "string", default: "3" },
    "first-retry-ms": { type: "string" },
    redis: { type: "string", default: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
    "redis-database": { type: "string", default: "11" },
    out: { type: "string", default: ".bench/deploy" },
  },
  strict: true,
});

function usage(message: string): never {
  console.error(`bench:deploy: ${message}`);
  process.exit(2);
}

function number(name: string, raw: string, least: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < least) usage(`--${name} must be a number ≥ ${least}, got "${raw}"`);
  return value;
}

const parts = new Set(flags.parts.split(",").filter((part) => part !== ""));
for (const part of parts) if (!(PARTS as readonly string[]).includes(part)) usage(`unknown part "${part}" (${PARTS.join(", ")})`);
const has = (part: Part): boolean => parts.has(part);
const arenaPlayers = Math.round(number("arena-players", flags["arena-players"], 0));
const games = Math.round(number("games", flags.games, 0));
if (arenaPlayers + games === 0) usage("no players: give --arena-players or --games");
const warmupSeconds = number("warmup", flags.warmup, 0);
const windowSeconds = number("seconds", flags.seconds, 0.5);
const settleSeconds = number("settle", flags.settle, 0);
const checkpointSeconds = number("checkpoint-seconds", flags["checkpoint-seconds"], 0.1);
const detectSeconds = number("failover-detect-seconds", flags["failover-detect-seconds"], 0.5);
if (flags["first-retry-ms"] !== undefined) reconnectionSettings.firstRetryMs = number("first-retry-ms", flags["first-retry-ms"], 0);
const database = Math.round(number("redis-database", flags["redis-database"], 0));
if (!(await redisAnswers(flags.redis))) usage(`no Redis answers at ${flags.redis}`);
const redisUrl = new URL(`/${database}`, flags.redis).href;
const out = resolve(root, flags.out);
mkdirSync(out, { recursive: true });

// The SDK tells of every reconnection attempt on console.info: 140 players moving twice would bury the bench's own lines.
console.info = () => undefined;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const log = (message: string): void => console.error(`bench:deploy: ${message}`);
const problems: string[] = [];

/** The cluster's settings: production, nothing kept, no load shedding, the per-address limits lifted (every player comes from here, through the router). */
function clusterEnv(checkpoint: number): Record<string, string> {
  return {
    ...generousHttpLimits,
    NODE_ENV: "production",
    AUTH_SECRET: randomBytes(32).toString("hex"),
    STORE_ENABLED: "false",
    DEV_TOOLS: "off",
    WEB_CLIENT_ENABLED: "false",
    RECORD_MATCHES: "none",
    REDIS_URL: redisUrl,
    CHECKPOINT_SECONDS: String(checkpoint),
    FAILOVER_DETECT_SECONDS: String(detectSeconds),
  };
}

async function startCluster(checkpoint: number, name: string): Promise<ClusterProcess> {
  await flushRedisDatabase(flags.redis, database);
  const started = performance.now();
  const cluster = await ClusterProcess.start(clusterEnv(checkpoint), PROCESSES);
  log(`${name}: router on :${cluster.port}, ${PROCESSES} processes up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return cluster;
}

async function joinPlayers(cluster: ClusterProcess, name: string): Promise<Players> {
  const started = performance.now();
  const players = await Players.join(`http://127.0.0.1:${cluster.port}`, arenaPlayers, games);
  log(`${name}: ${players.all.length} players joined in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return players;
}

async function scrape(port: number): Promise<ReturnType<typeof parsePrometheusText>> {
  return parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

async function roomsOn(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { rooms: number }).rooms;
}

/** Each process's CPU and checkpoint counters over a steady window of `windowSeconds`. */
async function measureWindow(cluster: ClusterProcess, redis: Redis, clients: number): Promise<CheckpointCost> {
  const members = [...cluster.members.values()];
  const read = (member: ClusterMember) =>
    scrape(member.port).then((samples) => ({
      cpu: cpuSeconds(member.pid),
      rooms: sumOf(samples, "tickroom_checkpoint_rooms_total"),
      seconds: sumOf(samples, "tickroom_checkpoint_seconds_total"),
      bytes: sumOf(samples, "tickroom_checkpoint_bytes_total"),
    }));
  const before = await Promise.all(members.map(read));
  const started = performance.now();
  await sleep(windowSeconds * 1000);
  const after = await Promise.all(members.map(read));
  const seconds = (performance.now() - started) / 1000;
  const processes = await Promise.all(
    members.map(async (member, index) => {
      const [a, b] = [after[index]!, before[index]!];
      return {
        port: member.port,
        rooms: await roomsOn(member.port),
        cpuSeconds: a.cpu - b.cpu,
        checkpointRooms: a.rooms - b.rooms,
        checkpointSeconds: a.seconds - b.seconds,
        checkpointBytes: a.bytes - b.bytes,
      };
    }),
  );
  const bytesByType: Record<string, { rooms: number; meanBytes: number }> = {};
  for (const member of members) {
    if (member.processId === undefined) continue;
    for (const text of Object.values(await redis.hgetall(MIGRATION_KEYS.checkpoints(member.processId)))) {
      const type = (JSON.parse(text) as { roomType: string }).roomType;
      const size = bytesByType[type] ?? { rooms: 0, meanBytes: 0 };
      bytesByType[type] = size;
      size.meanBytes = (size.meanBytes * size.rooms + text.length) / (size.rooms + 1);
      size.rooms++;
    }
  }
  return { windowSeconds: seconds, clients, processes, bytesByType };
}

/** Resolves once every player is back from its drops (or gone), or after `timeoutMs`; whether they all were. */
async function untilAllBack(players: Players, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!players.allBack()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The players' event loop since the phase began (`phaseLoop.reset()`). */
const phaseLoop = monitorEventLoopDelay({ resolution: 10 });
phaseLoop.enable();

const tally = (keys: readonly (string | number)[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[String(key)] = (counts[String(key)] ?? 0) + 1;
  return counts;
};

const dropsIn = (player: AnyPlayer, name: string): Drop[] => player.drops.filter((drop) => drop.phase === name);

/** Players that left or are not back from a drop of `name`'s, named for the report. */
function lostIn(players: readonly AnyPlayer[], name: string, since: number): string[] {
  return players
    .filter((player) => (player.left !== undefined && player.left.at >= since) || dropsIn(player, name).some((drop) => drop.after === undefined))
    .map((player) => {
      const errors = player.drops.flatMap((drop) => drop.errors);
      const how = player.left !== undefined ? `left ${player.left.code} at +${player.left.at - since} ms` : "not back";
      return `${player.kind} ${player.sessionId} of room ${player.roomId} ${how}${errors.length > 0 ? ` (errors: ${errors.join("; ")})` : ""}`;
    });
}

/** What the phase `name` did to `players` (those of `rooms`), read at its end. */
function casualtiesOf(players: readonly AnyPlayer[], rooms: readonly string[], name: string, since: number): Casualties {
  const drops = players.flatMap((player) => dropsIn(player, name));
  const lost = lostIn(players, name, since);
  const broken = new Set(players.length === 0 ? [] : brokenRooms(players));
  return {
    players: players.length,
    playersLost: lost.length,
    lost,
    rooms: rooms.length,
    roomsLost: rooms.filter((roomId) => broken.has(roomId)).length,
    dropCodes: tally(drops.map((drop) => drop.code)),
    attempts: tally(drops.map((drop) => drop.attempts ?? "never")),
    errors: tally(drops.flatMap((drop) => drop.errors)),
    playersEventLoop: { p99Ms: phaseLoop.percentile(99) / 1e6, maxMs: phaseLoop.max / 1e6 },
  };
}

/** A tic-tac-toe drop's board before against after, explained by what either player of the game had in flight at its own drop. */
function compareBoard(drop: Drop, game: readonly AnyPlayer[], name: string): keyof Omit<BoardComparison, "compared"> {
  const before = drop.before!;
  const after = drop.after!;
  if (before.board === after.board && before.status === after.status) return "identical";
  const pending = game
    .flatMap((player) => dropsIn(player, name).filter((other) => Math.abs(other.at - drop.at) < 2000 && other.pending !== undefined))
    .map((d) => d.pending!);
  if (before.status === "finished" && after.status === "playing" && /^0+$/.test(after.board) && pending.some((p) => p.type === "rematch")) return "inFlight";
  for (let index = 0; index < 9; index++) {
    if (before.board[index] === after.board[index]) continue;
    if (before.board[index] !== "0" || !pending.some((p) => p.type === "move" && p.index === index)) return "wrong";
  }
  return "inFlight";
}

async function rollingRestart(cluster: ClusterProcess, players: Players): Promise<RestartResult> {
  const from = cluster.lines.length;
  const since = Date.now();
  phase.current = "restart";
  phaseLoop.reset();
  const started = performance.now();
  cluster.rollingRestart();
  const end = await cluster.nextLine(/^tickroom cluster: rolling restart (done|stopped)/, from, "the rolling restart's end", 180_000);
  const durationMs = performance.now() - started;
  const completed = /done/.test(end.text);
  log(`restart: ${completed ? "done" : "stopped"} in ${(durationMs / 1000).toFixed(1)} s`);
  if (!(await untilAllBack(players, 30_000))) log("restart: some players were not back within 30 s");
  await sleep(settleSeconds * 1000);
  phase.current = undefined;

  const lines = cluster.lines.slice(from);
  const accounts = lines
    .map((line) => /\[tickroom\] drained: (\d+) room\(s\) moved to \d+ peer\(s\), (\d+) failed to move, (\d+) left to finish here/.exec(line.text))
    .filter((match) => match !== null);
  // Each drain starts when its process gets SIGTERM: a drop belongs to the last one started before it.
  const drainStarts = lines.filter((line) => /^\[\d+\] tickroom: SIGTERM received/.test(line.text)).map((line) => line.at);
  const all = players.all;
  const drops = all.flatMap((player) => dropsIn(player, "restart").map((drop) => ({ player, drop })));
  const drainOf = (at: number): number => drainStarts.filter((start) => start <= at).length - 1;
  const drains = accounts.map((match, index) => {
    const mine = drops.filter(({ drop }) => drainOf(drop.at) === index && drop.before !== undefined && drop.after !== undefined);
    return {
      moved: Number(match[1]),
      failed: Number(match[2]),
      left: Number(match[3]),
      players: mine.length,
      arenaFreezeMs: distributionOf(mine.filter(({ player }) => player instanceof ArenaPlayer).map(({ drop }) => drop.after!.at - drop.before!.at)),
      closeToStateMs: distributionOf(mine.map(({ drop }) => drop.after!.at - drop.at)),
    };
  });
  const scores = { compared: 0, identical: 0, higher: 0, lower: 0, ticksBack: 0 } satisfies ScoreComparison;
  const boards = { compared: 0, identical: 0, inFlight: 0, wrong: 0 } satisfies BoardComparison;
  const rooms = players.rooms();
  let pendingMovesKept = 0;
  let pendingMovesDropped = 0;
  let localEntityReplaced = 0;
  const arenaFreeze: number[] = [];
  const arenaToClose: number[] = [];
  const offline: number[] = [];
  const toReconnect: number[] = [];
  const toState: number[] = [];
  for (const { player, drop } of drops) {
    const { before, after } = drop;
    if (before === undefined || after === undefined) continue;
    toState.push(after.at - drop.at);
    if (drop.reconnectedAt !== undefined) toReconnect.push(drop.reconnectedAt - drop.at);
    if (player instanceof ArenaPlayer) {
      arenaFreeze.push(after.at - before.at);
      arenaToClose.push(drop.at - before.at);
      scores.compared++;
      if (after.score === before.score) scores.identical++;
      else if (after.score > before.score) scores.higher++;
      else scores.lower++;
      if (after.tick < before.tick) scores.ticksBack++;
      if (drop.localReplaced === true) localEntityReplaced++;
    } else {
      offline.push(after.at - drop.at);
      boards.compared++;
      boards[compareBoard(drop, rooms.get(player.roomId) ?? [], "restart")]++;
      if (drop.pending?.type === "move") {
        if (after.board[drop.pending.index] !== "0") pendingMovesKept++;
        else pendingMovesDropped++;
      }
    }
  }
  return {
    durationMs,
    completed,
    drains,
    ...casualtiesOf(all, [...rooms.keys()], "restart", since),
    movesPerPlayer: tally(all.map((player) => dropsIn(player, "restart").length)),
    arenaFreezeMs: distributionOf(arenaFreeze),
    arenaLastPatchToCloseMs: distributionOf(arenaToClose),
    ticTacToeOfflineMs: distributionOf(offline),
    closeToReconnectMs: distributionOf(toReconnect),
    closeToStateMs: distributionOf(toState),
    scores,
    boards,
    pendingMovesKept,
    pendingMovesDropped,
    localEntityReplaced,
  };
}

interface ArenaPlayerJson {
  readonly score: number;
  readonly x: number;
  readonly y: number;
}

async function failover(cluster: ClusterProcess, players: Players, redis: Redis): Promise<FailoverResult> {
  // The process hosting the most rooms, as the listings say.
  const listings = Object.entries(await redis.hgetall("roomcaches")).map(
    ([roomId, text]) => [roomId, (JSON.parse(text) as { processId: string }).processId] as const,
  );
  const byProcess = tally(listings.map(([, processId]) => processId));
  const members = [...cluster.members.values()];
  const victim = members.sort((a, b) => (byProcess[b.processId ?? ""] ?? 0) - (byProcess[a.processId ?? ""] ?? 0))[0]!;
  const onVictim = new Set(listings.filter(([, processId]) => processId === victim.processId).map(([roomId]) => roomId));
  const affected = players.all.filter((player) => onVictim.has(player.roomId));
  let checkpointed = new Set<string>();
  // A room that moved in has no checkpoint until the process's next round (the old process dropped its own): measured here is a process
  // dying in steady state, so every room has one first.
  const key = MIGRATION_KEYS.checkpoints(victim.processId!);
  const ready = performance.now() + 10_000;
  while ([...onVictim].some((roomId) => !checkpointed.has(roomId)) && performance.now() < ready) {
    checkpointed = new Set(await redis.hkeys(key));
    await sleep(50);
  }
  const from = cluster.lines.length;
  const since = Date.now();
  phase.current = "failover";
  phaseLoop.reset();
  const killedAt = Date.now();
  process.kill(victim.pid, "SIGKILL");
  // What the survivor will adopt: nothing writes these any more (Redis applies a MULTI whole or not at all).
  await sleep(100);
  const checkpoints = new Map<string, RoomSnapshot>();
  for (const [roomId, text] of Object.entries(await redis.hgetall(key))) checkpoints.set(roomId, parseSnapshot(text));
  log(
    `failover: killed pid ${victim.pid} (port ${victim.port}) with ${onVictim.size} rooms, ${affected.length} players; ${checkpoints.size} checkpoints in Redis`,
  );
  // Every affected player told of its drop first (the kernel closes the dead process's sockets, the router passes it on), then back.
  const deadline = performance.now() + 10_000;
  while (!affected.every((player) => player.left !== undefined || dropsIn(player, "failover").length > 0) && performance.now() < deadline) await sleep(20);
  const back = await untilAllBack(players, (detectSeconds + 30) * 1000);
  log(`failover: ${back ? "every player back" : "some players not back"} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
  await sleep(settleSeconds * 1000);
  phase.current = undefined;

  const adoptions = cluster.lines
    .slice(from)
    .map((line) => ({ line, match: /\[tickroom\] adopted room (\S+) of dead process (\S+) in (\d+) ms/.exec(line.text) }))
    .filter(({ match }) => match !== null && onVictim.has(match[1]!));
  for (const roomId of onVictim) if (!checkpoints.has(roomId)) problems.push(`failover: room ${roomId} had no checkpoint in Redis at the kill`);
  for (const player of players.all)
    if (!onVictim.has(player.roomId) && dropsIn(player, "failover").length > 0)
      problems.push(`failover: ${player.kind} ${player.sessionId} dropped though its room was not on the killed process`);

  const backMs: number[] = [];
  for (const player of affected) {
    const after = dropsIn(player, "failover")[0]?.after;
    if (after !== undefined) backMs.push(after.at - killedAt);
  }

  const ticTacToe = {
    rooms: 0,
    movesLost: 0,
    roomsWithMovesLost: 0,
    oldestLostMoveMs: 0,
    lostBeforeCheckpoint: 0,
    checkpointUnseen: 0,
    recoveredAsCheckpointed: 0,
  };
  const wentBack: number[] = [];
  const positionBack: number[] = [];
  let scorePointsLost = 0;
  let playersWithScoreLost = 0;
  let belowCheckpoint = 0;
  let arenaPlayersOn = 0;
  for (const [roomId, members] of players.rooms()) {
    const snapshot = checkpoints.get(roomId);
    if (!onVictim.has(roomId) || snapshot === undefined) continue;
    const state = snapshot.state as { tick?: number; board?: number[]; status?: string; players?: Record<string, ArenaPlayerJson> };
    if (members[0] instanceof TicTacToePlayer) {
      ticTacToe.rooms++;
      const board = (state.board ?? []).join("");
      const historian = [...members].sort((a, b) => b.history.length - a.history.length)[0]!;
      const dropAt = dropsIn(historian, "failover")[0]?.at ?? killedAt;
      const history = historian.history.filter((seen) => seen.at <= dropAt);
      let at = -1;
      for (let index = history.length - 1; index >= 0 && at < 0; index--)
        if (history[index]!.board === board && history[index]!.status === state.status) at = index;
      if (at < 0) {
        ticTacToe.checkpointUnseen++;
        problems.push(`failover: the checkpoint of tic-tac-toe ${roomId} (${board} ${state.status}) is no board its players saw`);
      } else {
        const lostStates = history.slice(at + 1);
        let moves = 0;
        let previous = history[at]!;
        for (const seen of lostStates) {
          if (seen.board.replaceAll("0", "").length > previous.board.replaceAll("0", "").length) moves++;
          previous = seen;
        }
        ticTacToe.movesLost += moves;
        if (lostStates.length > 0) {
          ticTacToe.roomsWithMovesLost++;
          ticTacToe.oldestLostMoveMs = Math.max(ticTacToe.oldestLostMoveMs, killedAt - lostStates[0]!.at);
          ticTacToe.lostBeforeCheckpoint += lostStates.filter((seen) => seen.at < snapshot.takenAt).length;
        }
      }
      const firstBack = members
        .map((member) => dropsIn(member, "failover")[0]?.after)
        .filter((after) => after !== undefined)
        .sort((a, b) => a.at - b.at)[0];
      if (firstBack !== undefined && firstBack.board === board && firstBack.status === state.status) ticTacToe.recoveredAsCheckpointed++;
    } else {
      for (const member of members) {
        const drop = dropsIn(member, "failover")[0];
        const saved = state.players?.[member.sessionId];
        if (drop?.before === undefined || saved === undefined) continue;
        arenaPlayersOn++;
        wentBack.push(((drop.before.tick - (state.tick ?? 0)) * 1000) / TICK_RATE);
        positionBack.push(Math.hypot(drop.before.x - saved.x, drop.before.y - saved.y));
        if (drop.before.score > saved.score) {
          scorePointsLost += drop.before.score - saved.score;
          playersWithScoreLost++;
        }
        if (drop.after !== undefined && drop.after.score < saved.score) belowCheckpoint++;
      }
    }
  }
  return {
    killedPort: victim.port,
    killedPid: victim.pid,
    ...casualtiesOf(affected, [...onVictim], "failover", since),
    detectSeconds,
    checkpointSeconds,
    backMs: distributionOf(backMs),
    detectedMs: Math.min(...adoptions.map(({ line, match }) => line.at - Number(match![3]) - killedAt)),
    adoptedMs: distributionOf(adoptions.map(({ line }) => line.at - killedAt)),
    restoreMs: distributionOf(adoptions.map(({ match }) => Number(match![3]))),
    checkpointAgeMs: distributionOf([...checkpoints.values()].map((snapshot) => killedAt - snapshot.takenAt)),
    ticTacToe,
    arena: {
      players: arenaPlayersOn,
      wentBackMs: distributionOf(wentBack),
      scorePointsLost,
      playersWithScoreLost,
      positionBack: distributionOf(positionBack),
      belowCheckpoint,
    },
  };
}

/** Drops and leaves outside a move, refusals: what the report lists as problems. */
function noteStrays(players: Players, name: string): void {
  for (const player of players.all) {
    for (const drop of player.drops)
      if (drop.phase === undefined) problems.push(`${name}: ${player.kind} ${player.sessionId} dropped (${drop.code}) outside a move`);
    if (player.left !== undefined && !player.drops.some((drop) => drop.phase !== undefined && drop.at <= player.left!.at))
      problems.push(`${name}: ${player.kind} ${player.sessionId} left (${player.left.code}) outside a move`);
  }
  const refusals = players.all.reduce((sum, player) => sum + (player instanceof TicTacToePlayer ? player.refusals : 0), 0);
  const moves = players.all.reduce((sum, player) => sum + (player instanceof TicTacToePlayer ? player.moves : 0), 0);
  const moving = players.all.reduce((sum, player) => sum + (player instanceof TicTacToePlayer ? player.movingRefusals : 0), 0);
  log(`${name}: ${moves} tic-tac-toe moves played, ${refusals} refused, ${moving} refused by a room frozen for its move (ROOM_MOVING, played again)`);
  if (refusals > 0) problems.push(`${name}: ${refusals} tic-tac-toe moves or rematches refused (of ${moves} moves)`);
}

async function leaveAll(players: Players, name: string): Promise<void> {
  const silent = await players.stop();
  for (const player of silent) problems.push(`${name}: ${player.kind} ${player.sessionId} left, and its room never answered (connected: ${player.connected})`);
  log(`${name}: players left, stopping the cluster`);
}

const started = new Date();
const startedAt = performance.now();
const cpuAtStart = process.cpuUsage();
const load = loadavg();
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
await redis.connect();

let cost: CheckpointCost | undefined;
let baseline: BaselineResult | undefined;
let restart: RestartResult | undefined;
let failed: FailoverResult | undefined;
let exitCode = 0;
const clusters: Array<[string, ClusterProcess]> = [];
try {
  const cluster = await startCluster(checkpointSeconds, "cluster");
  clusters.push(["cluster", cluster]);
  const players = await joinPlayers(cluster, "cluster");
  try {
    await sleep(warmupSeconds * 1000);
    cost = await measureWindow(cluster, redis, players.all.length);
    log(
      `window: ${cost.processes.map((p) => `:${p.port} ${p.rooms} rooms ${p.cpuSeconds.toFixed(2)} CPU s, ${p.checkpointRooms} room checkpoints`).join("; ")}`,
    );
    if (has("restart")) restart = await rollingRestart(cluster, players);
    if (has("failover")) failed = await failover(cluster, players, redis);
    noteStrays(players, "cluster");
  } finally {
    await leaveAll(players, "cluster");
    await cluster.stop();
  }
  if (has("baseline")) {
    const without = await startCluster(0, "baseline");
    clusters.push(["baseline", without]);
    const again = await joinPlayers(without, "baseline");
    try {
      await sleep(warmupSeconds * 1000);
      const window = await measureWindow(without, redis, again.all.length);
      baseline = { windowSeconds: window.windowSeconds, clients: window.clients, cpuSeconds: window.processes.reduce((sum, p) => sum + p.cpuSeconds, 0) };
      noteStrays(again, "baseline");
    } finally {
      await leaveAll(again, "baseline");
      await without.stop();
    }
  }
} catch (error) {
  problems.push(`the bench stopped: ${(error as Error).message.split("\n")[0]}`);
  console.error(error);
  exitCode = 3;
} finally {
  redis.disconnect();
  delay.disable();
  phaseLoop.disable();
  for (const [name, cluster] of clusters)
    writeFileSync(join(out, `${name}.log`), cluster.lines.map((line) => `${new Date(line.at).toISOString()} ${line.text}`).join("\n"));
}

const wallSeconds = (performance.now() - startedAt) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const report: DeployBenchReport = {
  startedAt: started.toISOString(),
  durationSeconds: wallSeconds,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, load },
  settings: {
    processes: PROCESSES,
    arenaPlayers,
    arenaRooms: arenaRoomSizes(arenaPlayers).length,
    games,
    checkpointSeconds,
    failoverDetectSeconds: detectSeconds,
    windowSeconds,
    firstRetryMs: reconnectionSettings.firstRetryMs,
  },
  cost,
  baseline,
  restart,
  failover: failed,
  players: {
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100,
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: delay.max / 1e6,
  },
  problems,
};
writeFileSync(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderDeployMarkdown(report);
writeFileSync(join(out, "report.md"), markdown);
console.log(markdown);
log(`wrote ${join(out, "report.{json,md}")} and the clusters' logs`);
process.exit(exitCode !== 0 ? exitCode : verdictsOf(report).every((verdict) => verdict.met) ? 0 : 1);
