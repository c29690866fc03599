import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { DeployBenchReport } from "../../loadtest/bench/deployReport.ts";
import { redisAnswers } from "../../tools/redisCommand.ts";
import { runProjectScript } from "../support/projectScript.ts";

/**
 * `npm run bench:deploy`'s plumbing on a tiny load: one arena room of three players and one
 * tic-tac-toe game on a real cluster (router, two processes, Redis), a one-second window,
 * a rolling restart and a failover with the default three-second detection. The timing targets are
 * the bench's to judge on a quiet machine (this one runs beside the suite): here the exit
 * code may be 0 or 1, but the report is whole and nobody was lost.
 */
const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Away from the bench's own (11) and the other tests' databases. */
const DATABASE = "14";
const available = await redisAnswers(REDIS);
if (!available && process.env.CI === "true") throw new Error(`Redis does not answer at ${REDIS}: under CI=true this is a failure.`);

describe("npm run bench:deploy", { skip: !available && "no Redis" }, () => {
  const out = mkdtempSync(join(tmpdir(), "tickroom-bench-deploy-"));
  after(() => rmSync(out, { recursive: true, force: true }));

  it("moves every player through a rolling restart and a failover, and reports the freeze, the state kept and the checkpoint cost", async () => {
    const { code, output } = await runProjectScript([
      "loadtest/bench/deployBench.ts",
      "--parts",
      "restart,failover",
      "--arena-players",
      "3",
      "--games",
      "1",
      "--warmup",
      "0.5",
      "--seconds",
      "1",
      "--settle",
      "0.5",
      // The default: a process is judged dead after 3 s without a heartbeat. Shorter, an
      // event loop that stalls that long on a busy CI machine reads as a death; the fence
      // then sends its players to the adopter, a path of its own that this smoke test does
      // not mean to exercise at random (test/in-process/redisListings.test.ts and
      // test/in-process/migration.test.ts cover its parts).
      "--failover-detect-seconds",
      "3",
      "--redis",
      REDIS,
      "--redis-database",
      DATABASE,
      "--out",
      out,
    ]);
    assert.ok(code === 0 || code === 1, `the bench ran to its report (exit ${code}):\n${output}`);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as DeployBenchReport;
    const { restart, failover, cost } = report;
    assert.ok(restart !== undefined && failover !== undefined && cost !== undefined, "every part ran");
    assert.deepEqual(report.problems, [], "no drop outside a move, no refusal, nothing unexpected");

    assert.ok(restart.completed, "the rolling restart completed");
    assert.equal(restart.players, 5);
    assert.equal(restart.playersLost, 0, `players lost in the restart: ${restart.lost.join(", ")}`);
    assert.equal(restart.roomsLost, 0);
    assert.equal(restart.drains.length, 2, "both processes drained");
    // Each player moved once or twice (a room moved first moves again with the second drain), each time closed with 4010.
    assert.ok(
      Object.keys(restart.movesPerPlayer).every((moves) => moves === "1" || moves === "2"),
      JSON.stringify(restart.movesPerPlayer),
    );
    assert.deepEqual(Object.keys(restart.dropCodes), ["4010"]);
    assert.ok(restart.arenaFreezeMs.count >= 3 && restart.arenaFreezeMs.p50 > 0);
    assert.equal(restart.scores.lower + restart.scores.ticksBack, 0, "no arena score or tick went back in a move");
    assert.ok(restart.boards.compared >= 2);
    assert.equal(restart.boards.wrong, 0, "every board came through the move");

    assert.equal(failover.playersLost, 0, `players lost in the failover: ${failover.lost.join(", ")}`);
    assert.equal(failover.roomsLost, 0);
    assert.ok(failover.players > 0 && failover.backMs.count === failover.players, "every player on the killed process came back");
    assert.equal(failover.adoptedMs.count, failover.rooms, "the survivor adopted every room of the dead process");
    assert.equal(
      failover.ticTacToe.lostBeforeCheckpoint + failover.ticTacToe.checkpointUnseen + failover.arena.belowCheckpoint,
      0,
      "the rooms came back as checkpointed",
    );

    const processes = cost.processes;
    assert.equal(processes.length, 2);
    assert.ok(
      processes.every((p) => p.cpuSeconds > 0),
      "each process's CPU was read",
    );
    assert.ok(processes.reduce((sum, p) => sum + p.checkpointRooms, 0) > 0, "the processes checkpointed their rooms");
    assert.ok(Object.keys(cost.bytesByType).length > 0, "the checkpoints' sizes were read from Redis");

    const markdown = readFileSync(join(out, "report.md"), "utf8");
    assert.match(markdown, /\| rolling restart: players lost = 0 \| 0 of 5 \| yes \|/);
    assert.match(markdown, /## Failover \(SIGKILL of the process on port \d+, pid \d+\)/);
    assert.match(markdown, /Per room checkpoint: \*\*[\d.]+ µs\*\* of event loop, \*\*\d+ bytes\*\*/);
  });
});
