/**
 * `npm run test:flakes -- --runs 10`: the whole suite, run again and again while another
 * process keeps one core busy (CI's machine has two cores, and a test that fails one run
 * in twenty fails CI every few days). Prints each run's result and, at the end, every test
 * that failed with how often (a failed run's whole output goes to .flakes/run-N.tap); exits 1 if any did. Fix each at its cause: a test that waits
 * for a time instead of an event, or asserts a speed.
 *
 * Options: `--runs N` (default 10), `--files <glob>` (default the suite: test/**\/*.test.ts),
 * `--no-load` to run without the busy core.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The failed tests in one run's TAP output, as "file > suite > test". Node reports a
 * test's result after its subtests', so the path comes from the `# Subtest:` lines that
 * open each level; a suite or file that failed only through its tests is left out.
 */
export function failedTests(tap: string): string[] {
  const path: string[] = [];
  const failed: string[] = [];
  for (const line of tap.split("\n")) {
    const opened = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (opened !== null) {
      const depth = opened[1]!.length / 4;
      path.length = depth;
      path[depth] = opened[2]!;
      continue;
    }
    const result = /^(\s*)not ok \d+ - (.*)$/.exec(line);
    if (result !== null) failed.push([...path.slice(0, result[1]!.length / 4), result[2]!].join(" > "));
  }
  return failed.filter((name) => !failed.some((other) => other.startsWith(`${name} > `)));
}

/** The suite run in progress: its own process group, so stopping the hunt stops every test process it started. */
let current: ChildProcess | undefined;

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    current = child;
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("close", (code) => {
      current = undefined;
      resolve({ code, output });
    });
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "10" },
      files: { type: "string", default: "test/**/*.test.ts" },
      "no-load": { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (current?.pid !== undefined) process.kill(-current.pid, "SIGKILL");
      process.exit(130);
    });
  }
  // The busy core: a tight loop in its own process, for the whole hunt. It looks up every
  // 100 ms and ends once the hunt is gone, even a hunt killed by a signal (`finally`
  // never runs then): an orphaned loop would keep a core busy until someone noticed.
  const loop = `const hunt = ${process.pid}; for (;;) { const until = Date.now() + 100; while (Date.now() < until); if (process.ppid !== hunt) process.exit(); }`;
  const load: ChildProcess | undefined = values["no-load"] ? undefined : spawn(process.execPath, ["-e", loop], { stdio: "ignore" });
  const failures = new Map<string, number>();
  const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
  try {
    for (let i = 1; i <= runs; i++) {
      const started = performance.now();
      const { code, output } = await run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", values.files], {
        ...env,
        CI: "true",
      });
      const failed = failedTests(output);
      for (const name of failed) failures.set(name, (failures.get(name) ?? 0) + 1);
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      let kept = "";
      if (code !== 0) {
        // The whole output of a failed run, for its errors: the names alone rarely say why.
        mkdirSync(join(root, ".flakes"), { recursive: true });
        kept = join(".flakes", `run-${i}.tap`);
        writeFileSync(join(root, kept), output);
      }
      console.log(`run ${i}/${runs}: ${code === 0 ? "passed" : `FAILED (${failed.join("; ") || `exit ${code}`}), output in ${kept}`} in ${seconds} s`);
    }
  } finally {
    load?.kill();
  }
  if (failures.size === 0) console.log(`flakes: none in ${runs} runs${load ? " with a core kept busy" : ""}`);
  else {
    console.log(`flakes: ${failures.size} test(s) failed in ${runs} runs:`);
    for (const [name, count] of failures) console.log(`  ${count}/${runs}  ${name}`);
    process.exitCode = 1;
  }
}
