import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fence = "```";

/** Markdown from lines, so a test can point at a line by its index + 1. */
function markdown(...lines: string[]): string {
  return lines.join("\n");
}

describe("checkDocs: the command on a folder of markdown", () => {
  it("passes a block that compiles, reports the other at its markdown line, and exits 1", async () => {
    const root = mkdtempSync(path.join(repoRoot, ".doccheck-test-"));
    try {
      mkdirSync(path.join(root, "lib"));
      writeFileSync(path.join(root, "lib", "add.ts"), "export function add(a: number, b: number): number {\n  return a + b;\n}\n");
      const guide = markdown(
        "# Guide", // 1
        "",
        `${fence}ts file=lib/double.ts`, // 3: imports the real lib/add.ts beside it
        'import { add } from "./add.ts";',
        "export const double = (n: number): number => add(n, n);",
        fence,
        "",
        "1. Use it:", // 8
        "   <!-- ts-prelude: declare const seed: number; -->",
        `   ${fence}ts`, // 10: imports the block above by its path from the root
        '   import { double } from "./lib/double.ts";',
        "   const label: string = double(seed);", // 12
        `   ${fence}`,
        "",
        `${fence}ts fragment`, // 15
        "not compiled",
        fence,
      );
      writeFileSync(path.join(root, "guide.md"), guide);

      const child = spawn(process.execPath, ["--import", "tsx", "tools/checkDocs.ts", "--root", root, "guide.md"], { cwd: repoRoot });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
      const [exitCode] = await once(child, "close");

      assert.deepEqual(output.trim().split("\n"), [
        "guide.md:12:10 (block 2): Type 'number' is not assignable to type 'string'.",
        "docs: 1 error in 2 type-checked blocks, 1 fragment skipped (guide.md:15)",
      ]);
      assert.equal(exitCode, 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
