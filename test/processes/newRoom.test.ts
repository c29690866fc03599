import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
/** The environment without the test runner's marker: a nested `node --test` would otherwise skip its files. */
const { NODE_TEST_CONTEXT: _nested, ...environment } = process.env;
const root = fileURLToPath(new URL("../..", import.meta.url));
const node = process.execPath;

/** Run a command in the copy; on failure, the assertion shows what it printed. */
async function succeeds(cwd: string, command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: environment, maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(" ")} failed:\n${stdout}${stderr}`);
  }
}

/**
 * The scaffold as a developer uses it: `npm run new:room` in a checkout, then the new room
 * type must type-check, pass lint, and pass its own generated tests. Run in a temporary
 * copy of this checkout (node_modules linked), so the real one is never touched.
 */
describe("npm run new:room", () => {
  let copy: string;
  before(async () => {
    copy = mkdtempSync(join(tmpdir(), "tickroom-new-room-"));
    const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    for (const path of stdout.split("\0").filter((entry) => entry !== "")) {
      try {
        cpSync(join(root, path), join(copy, path), { recursive: true });
      } catch {
        // A file listed but deleted in the working tree is simply not copied.
      }
    }
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  });
  after(() => {
    rmSync(copy, { recursive: true, force: true });
  });

  it("writes a turn-based and a real-time room type that type-check, lint clean, register, and pass their own tests", async () => {
    const turnBased = await succeeds(copy, node, ["--import", "tsx", "tools/newRoom.ts", "dice"]);
    assert.match(turnBased, /turn-based room type "dice"/);
    const realtime = await succeeds(copy, node, ["--import", "tsx", "tools/newRoom.ts", "spaceRace", "--realtime"]);
    assert.match(realtime, /real-time room type "spaceRace"/);

    const appConfig = readFileSync(join(copy, "server/app.config.ts"), "utf8");
    assert.match(appConfig, /^ {4}dice: define\(DiceRoom\)/m, "registered with one line");
    assert.match(appConfig, /^ {4}spaceRace: define\(SpaceRaceRoom\)/m, "registered with one line");

    await succeeds(copy, join(copy, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."]);
    await succeeds(copy, join(copy, "node_modules/.bin/biome"), ["ci", "--colors=off", "."]);
    const tests = await succeeds(copy, node, [
      "--import",
      "tsx",
      "--test",
      "test/pure/dice.test.ts",
      "test/in-process/dice.test.ts",
      "test/pure/spaceRace.test.ts",
      "test/in-process/spaceRace.test.ts",
    ]);
    assert.match(tests, /# fail 0/);
    assert.doesNotMatch(tests, /# pass 0\b/);
  });

  it("refuses a taken name, a bad name, and a second registration, writing nothing", async () => {
    await assert.rejects(run(node, ["--import", "tsx", "tools/newRoom.ts", "arena"], { cwd: copy }), /exists already|registered already/);
    await assert.rejects(run(node, ["--import", "tsx", "tools/newRoom.ts", "Bad-Name"], { cwd: copy }), /start with a lowercase letter/);
    await assert.rejects(run(node, ["--import", "tsx", "tools/newRoom.ts"], { cwd: copy }), /usage: npm run new:room/);
  });
});
