import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  assignScratchPaths,
  type DocBlock,
  differenceFromCheckout,
  extractBlocks,
  generatedSource,
  scratchPath,
  toMarkdownPosition,
} from "../../tools/checkDocs.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fence = "```";

/** Markdown from lines, so a test can point at a line by its index + 1. */
function markdown(...lines: string[]): string {
  return lines.join("\n");
}

function onlyBlock(doc: string): DocBlock {
  const { blocks, problems } = extractBlocks("guide.md", doc);
  assert.deepEqual(problems, []);
  assert.equal(blocks.length, 1);
  return blocks[0]!;
}

/** 0-based line and character of the first `token` in `text`. */
function positionIn(text: string, token: string): { line: number; character: number } {
  const before = text.slice(0, text.indexOf(token)).split("\n");
  return { line: before.length - 1, character: before.at(-1)!.length };
}

describe("checkDocs: extracting blocks", () => {
  it("takes ts and typescript blocks only, numbered within the doc, fragments included", () => {
    const { blocks, problems } = extractBlocks(
      "docs/guide.md",
      markdown(
        `${fence}bash`, // 1
        "npm start",
        fence,
        `${fence}ts`, // 4
        "const a = 1;",
        fence,
        `${fence}tsx`, // 7
        "<App />",
        fence,
        `${fence}ts fragment`, // 10
        "this.state.whatever",
        fence,
        `${fence}typescript`, // 13
        "const b = 2;",
        "const c = 3;",
        fence,
      ),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      blocks.map(({ ordinal, fenceLine, code, fragment }) => ({ ordinal, fenceLine, code, fragment })),
      [
        { ordinal: 1, fenceLine: 4, code: "const a = 1;", fragment: false },
        { ordinal: 2, fenceLine: 10, code: "this.state.whatever", fragment: true },
        { ordinal: 3, fenceLine: 13, code: "const b = 2;\nconst c = 3;", fragment: false },
      ],
    );
  });

  it("reads file= (normalized) and reports unknown attributes and paths outside the project", () => {
    const { blocks, problems } = extractBlocks(
      "README.md",
      markdown(`${fence}ts file=./rooms/RaceRoom.ts`, "export {};", fence, `${fence}ts fragement`, fence, `${fence}ts file=../outside.ts`, fence),
    );
    assert.equal(blocks[0]!.file, "rooms/RaceRoom.ts");
    assert.equal(blocks[2]!.file, undefined);
    assert.deepEqual(
      problems.map(({ line, message }) => ({ line, message })),
      [
        { line: 4, message: 'unknown attribute "fragement" (known: file=<path>, fragment)' },
        { line: 6, message: "file=../outside.ts must be a .ts path inside the project" },
      ],
    );
  });

  it("removes a list item's fence indentation from the code", () => {
    const block = onlyBlock(markdown("1. Step:", `   ${fence}ts`, "   class A {", "     x = 1;", "", "   }", `   ${fence}`));
    assert.equal(block.indent, 3);
    assert.equal(block.code, "class A {\n  x = 1;\n\n}");
  });

  it("keeps a shorter fence inside a longer one as code", () => {
    const block = onlyBlock(markdown(`~~~~ts`, "const md = `", fence, "`;", "~~~~"));
    assert.equal(block.code, `const md = \`\n${fence}\n\`;`);
  });

  it("attaches a prelude across blank lines, one line or several", () => {
    const oneLine = onlyBlock(markdown("<!-- ts-prelude: declare const client: unknown; -->", "", `${fence}ts`, "client;", fence));
    assert.deepEqual(oneLine.prelude, { text: " declare const client: unknown; ", line: 1, column: "<!-- ts-prelude:".length });

    const severalLines = onlyBlock(markdown("Text.", "", "<!-- ts-prelude:", "declare function draw(): void;", "-->", `${fence}ts`, "draw();", fence));
    assert.deepEqual(severalLines.prelude, { text: "\ndeclare function draw(): void;\n", line: 3, column: "<!-- ts-prelude:".length });
  });

  it("reports a prelude that no ts block directly follows", () => {
    const { blocks, problems } = extractBlocks(
      "README.md",
      markdown(
        "<!-- ts-prelude: declare const a: 1; -->",
        "A paragraph.",
        `${fence}ts`,
        fence,
        "<!-- ts-prelude: declare const b: 1; -->",
        `${fence}bash`,
        fence,
      ),
    );
    assert.equal(blocks[0]!.prelude, undefined);
    assert.deepEqual(
      problems.map(({ line }) => line),
      [1, 5],
    );
  });
});

describe("checkDocs: scratch files and positions", () => {
  it("names a block by its doc and ordinal, or by its file= path", () => {
    const { blocks } = extractBlocks("docs/netcode.md", markdown(`${fence}ts`, fence, `${fence}ts file=rooms/RaceRoom.ts`, fence));
    assert.deepEqual(blocks.map(scratchPath), ["docs-netcode-1.ts", "rooms/RaceRoom.ts"]);
    assert.equal(scratchPath(extractBlocks("README.md", markdown(`${fence}ts`, fence)).blocks[0]!), "README-1.ts");
  });

  it("refuses a second block for the same file= path, and ignores fragments", () => {
    const readme = extractBlocks("README.md", markdown(`${fence}ts file=rooms/RaceRoom.ts`, fence, `${fence}ts`, fence)).blocks;
    const netcode = extractBlocks("docs/netcode.md", markdown(`${fence}ts fragment`, fence, "", `${fence}ts file=rooms/RaceRoom.ts`, fence)).blocks;
    const { blockByScratchPath, problems } = assignScratchPaths([...readme, ...netcode]);
    assert.deepEqual([...blockByScratchPath.keys()], ["rooms/RaceRoom.ts", "README-2.ts"]);
    assert.deepEqual(problems, [{ doc: "docs/netcode.md", line: 4, message: "rooms/RaceRoom.ts is already the block at README.md:1" }]);
  });

  it("maps compiler positions in prelude and code back to the markdown, list indentation included", () => {
    const doc = markdown(
      "- Item:", // 1
      "  <!-- ts-prelude: declare const preludeFirst: number;", // 2
      "  declare const preludeSecond: number; -->", // 3
      `  ${fence}ts`, // 4
      "  const first = preludeFirst;", // 5
      "  const second = unknownName;", // 6
      `  ${fence}`, // 7
    );
    const block = onlyBlock(doc);
    const source = generatedSource(block);
    assert.ok(source.endsWith("export {};\n"), "an unnamed block is forced to be a module");
    const markdownLines = doc.split("\n");
    for (const token of ["preludeFirst: number", "preludeSecond", "first =", "unknownName"]) {
      const { line, character } = positionIn(source, token);
      const expectedLine = markdownLines.findIndex((text) => text.includes(token));
      const expected = { line: expectedLine + 1, column: markdownLines[expectedLine]!.indexOf(token) + 1 };
      assert.deepEqual(toMarkdownPosition(block, line, character), expected, token);
    }
    const appended = positionIn(source, "export {};");
    assert.deepEqual(toMarkdownPosition(block, appended.line, appended.character), { line: 7, column: 1 });
  });
});

describe("checkDocs: blocks that show a file of the checkout", () => {
  it("must be that file line for line; a path not in the checkout is a new file", () => {
    const real = "export const answer = 42;\n";
    const root = mkdtempSync(path.join(repoRoot, ".doccheck-test-"));
    try {
      writeFileSync(path.join(root, "real.ts"), real);
      assert.equal(differenceFromCheckout(root, "real.ts", real), undefined);
      assert.equal(differenceFromCheckout(root, "real.ts", `${real}\n`), undefined, "trailing blank lines do not count");
      assert.match(differenceFromCheckout(root, "real.ts", "export const answer = 41;") ?? "", /differs from it at its line 1/);
      assert.match(differenceFromCheckout(root, "real.ts", `${real}export {};`) ?? "", /at its line 2/);
      assert.equal(differenceFromCheckout(root, "new.ts", "anything"), undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
