/**
 * The long run of the state-sync properties (test/in-process/stateSync.test.ts): many more
 * random operation sequences per room type than `npm test` tries, from a seed it prints.
 *
 *   npm run test:sync -- [--runs 200] [--seed 123] [--steps 12] [--room arena] [--path <fast-check path>] [--known-defects]
 *
 * `--seed` defaults to a random one; `--room` runs one room type's property (chat,
 * tictactoe, arena or pong); `--path` (printed with a failure, with its seed and room type)
 * replays only that counterexample, given the same `--seed`, `--steps` and
 * `--known-defects` as the run that printed it; `--known-defects` also generates what
 * triggers the Colyseus defects the test describes.
 */
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    seed: { type: "string" },
    steps: { type: "string", default: "12" },
    room: { type: "string" },
    path: { type: "string" },
    "known-defects": { type: "boolean", default: false },
  },
});
const seed = values.seed ?? String(randomInt(2 ** 31));
for (const [name, value] of [
  ["runs", values.runs],
  ["seed", seed],
  ["steps", values.steps],
] as const) {
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, not ${JSON.stringify(value)}`);
}

if (values.room !== undefined && !["chat", "tictactoe", "arena", "pong"].includes(values.room)) throw new Error("--room is chat, tictactoe, arena or pong");
if (values.path !== undefined && values.room === undefined) throw new Error("--path replays one room type's counterexample: give its --room too");

const scope = values.room === undefined ? "per room type" : `of ${values.room}`;
console.log(`state sync: seed ${seed}, ${values.runs} runs ${scope}, up to ${values.steps} steps each${values.path ? `, path ${values.path}` : ""}`);
const only = values.room === undefined ? [] : [`--test-name-pattern=^${values.room}:`];
const root = fileURLToPath(new URL("..", import.meta.url));
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", ...only, "test/in-process/stateSync.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    SYNC_SEED: seed,
    SYNC_RUNS: values.runs,
    SYNC_STEPS: values.steps,
    ...(values.path === undefined ? {} : { SYNC_PATH: values.path }),
    ...(values["known-defects"] ? { SYNC_KNOWN_DEFECTS: "1" } : {}),
  },
});
console.log(`state sync: seed ${seed} ${result.status === 0 ? "passed" : "FAILED"}`);
process.exitCode = result.status ?? 1;
