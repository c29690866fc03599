/**
 * Type-checks the TypeScript code blocks of README.md and docs/*.md, so an example cannot
 * drift from the API it shows without a failing check.
 *
 *   node --import tsx tools/checkDocs.ts [--root <dir>] [<markdown file relative to root>...]
 *
 * Conventions for writers (the fence's info string, after `ts` or `typescript`):
 * - ```ts                       compiled as its own module (it never shares top-level names)
 * - ```ts file=rooms/RaceRoom.ts the block is that file of the project; later blocks import it.
 *                               When the file exists in the checkout, the block must be it,
 *                               line for line: a doc that shows real code cannot drift from it
 * - ```ts fragment              deliberately partial: not compiled, listed as skipped
 * - `<!-- ts-prelude: declare function render(board: unknown): void; -->` directly before a
 *   fence (blank lines allowed between) is prepended to the block when compiling; it declares
 *   what the snippet uses without showing it, and a rendered page does not show the comment.
 *
 * Blocks import project files by paths relative to the repository root
 * (`import { joinArena } from "./client/arena.ts"`), whatever doc they are in, because a
 * reader copies them into a file at the root. The checker writes every block into a scratch
 * folder `.doccheck/` (recreated on every run, gitignored) and compiles it with a tsconfig that
 * extends the project's and sets `rootDirs: ["..", "."]`: TypeScript then treats `.doccheck/`
 * and the root as one merged folder, so `./client/arena.ts` from `.doccheck/README-1.ts` is
 * the real client/arena.ts, `./base/TickroomRoom.ts` from a `file=rooms/RaceRoom.ts` block
 * is the real rooms/base/TickroomRoom.ts, and a `file=` block is found before a real file of
 * the same path. (Verified with NodeNext and allowImportingTsExtensions; rewriting the import
 * specifiers would also work but would move every diagnostic's column.) The folder keeps the
 * last run's files for `tsc -p .doccheck` when a message needs a closer look, plus a nested
 * biome.json so that `biome ci .` does not lint generated code.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ts from "typescript";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const scratchFolder = ".doccheck";

/** Hidden source prepended to a block. `line` is 1-based; `column` is where the text starts on it (0-based). */
export interface Prelude {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

export interface DocBlock {
  /** Markdown file relative to the root, e.g. "docs/netcode.md". */
  readonly doc: string;
  /** 1-based among the doc's TypeScript blocks, fragments included (what "block 3" in a message means). */
  readonly ordinal: number;
  /** 1-based line of the opening fence. */
  readonly fenceLine: number;
  /** Indentation of the fence (a block inside a list item), removed from every code line. */
  readonly indent: number;
  readonly code: string;
  /** Path relative to the root that this block stands for (`file=`), if any. */
  readonly file: string | undefined;
  readonly fragment: boolean;
  readonly prelude: Prelude | undefined;
}

/** A mistake in how a doc marks up its blocks (not a type error in one). */
export interface Problem {
  readonly doc: string;
  readonly line: number;
  readonly message: string;
}

const fenceOpening = /^(\s*)(`{3,}|~{3,})(.*)$/;
const preludeOpening = /^\s*<!--\s*ts-prelude:/;
const typescriptLanguages = new Set(["ts", "typescript"]);

/** The TypeScript blocks of one markdown file, with their attributes and preludes. */
export function extractBlocks(doc: string, markdown: string): { blocks: DocBlock[]; problems: Problem[] } {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  const problems: Problem[] = [];
  // A prelude read but not yet claimed by a fence; anything but blank lines in between orphans it.
  let pending: Prelude | undefined;
  const orphanPending = () => {
    if (pending) problems.push({ doc, line: pending.line, message: "ts-prelude is not directly followed by a ts block" });
    pending = undefined;
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const prelude = preludeOpening.exec(line);
    if (prelude) {
      orphanPending();
      const column = prelude[0].length;
      let end = index;
      while (end < lines.length && !lines[end]!.includes("-->", end === index ? column : 0)) end++;
      if (end === lines.length) {
        problems.push({ doc, line: index + 1, message: "ts-prelude comment is never closed with -->" });
        break;
      }
      const text = lines
        .slice(index, end + 1)
        .join("\n")
        .slice(column);
      const closing = text.indexOf("-->");
      pending = { text: text.slice(0, closing), line: index + 1, column };
      // Text after the comment on its last line starts a paragraph between prelude and fence.
      if (text.slice(closing + "-->".length).trim() !== "") orphanPending();
      index = end;
      continue;
    }

    const fence = fenceOpening.exec(line);
    const [, indentation = "", marker = "", info = ""] = fence ?? [];
    // A backtick in a backtick fence's info string makes it inline code, not a fence (CommonMark).
    if (fence && !(marker.startsWith("`") && info.includes("`"))) {
      const closing = new RegExp(`^\\s*${marker[0]}{${marker.length},}\\s*$`);
      let end = index + 1;
      while (end < lines.length && !closing.test(lines[end]!)) end++;
      if (end === lines.length) problems.push({ doc, line: index + 1, message: "code fence is never closed" });

      const [language, ...attributes] = info.trim().split(/\s+/);
      if (typescriptLanguages.has(language ?? "")) {
        const code = lines
          .slice(index + 1, end)
          .map((codeLine) => codeLine.slice(Math.min(indentation.length, codeLine.length - codeLine.trimStart().length)))
          .join("\n");
        let file: string | undefined;
        let fragment = false;
        for (const attribute of attributes) {
          if (attribute === "fragment") fragment = true;
          else if (attribute.startsWith("file=")) file = path.posix.normalize(attribute.slice("file=".length));
          else problems.push({ doc, line: index + 1, message: `unknown attribute "${attribute}" (known: file=<path>, fragment)` });
        }
        if (file !== undefined && (file.startsWith("../") || path.posix.isAbsolute(file) || !file.endsWith(".ts"))) {
          problems.push({ doc, line: index + 1, message: `file=${file} must be a .ts path inside the project` });
          file = undefined;
        }
        blocks.push({ doc, ordinal: blocks.length + 1, fenceLine: index + 1, indent: indentation.length, code, file, fragment, prelude: pending });
        pending = undefined;
      }
      orphanPending();
      index = end;
      continue;
    }

    if (line.trim() !== "") orphanPending();
  }
  orphanPending();
  return { blocks, problems };
}

/** Where a block is written inside the scratch folder: its `file=` path, or `<doc-slug>-<ordinal>.ts`. */
export function scratchPath(block: DocBlock): string {
  return block.file ?? `${block.doc.replace(/\.md$/i, "").replaceAll("/", "-")}-${block.ordinal}.ts`;
}

/** What the compiler sees for a block. `export {}` keeps unnamed blocks from sharing top-level names. */
export function generatedSource(block: DocBlock): string {
  const prelude = block.prelude ? `${block.prelude.text}\n` : "";
  return `${prelude}${block.code}\nexport {};\n`;
}

/** A position in `generatedSource(block)` (0-based, as the compiler reports it) as a 1-based markdown line and column. */
export function toMarkdownPosition(block: DocBlock, line: number, character: number): { line: number; column: number } {
  const preludeLines = block.prelude ? block.prelude.text.split("\n").length : 0;
  if (block.prelude && line < preludeLines) {
    return { line: block.prelude.line + line, column: (line === 0 ? block.prelude.column : 0) + character + 1 };
  }
  const codeLine = line - preludeLines;
  const codeLines = block.code.split("\n").length;
  // Past the code is only what the checker appended: blame the closing fence.
  if (codeLine >= codeLines) return { line: block.fenceLine + 1 + codeLines, column: 1 };
  return { line: block.fenceLine + 1 + codeLine, column: block.indent + character + 1 };
}

/** Compiled blocks by scratch path; a block claiming a path another one already holds is a problem. */
export function assignScratchPaths(blocks: readonly DocBlock[]): { blockByScratchPath: Map<string, DocBlock>; problems: Problem[] } {
  const blockByScratchPath = new Map<string, DocBlock>();
  const problems: Problem[] = [];
  for (const block of blocks.filter((candidate) => !candidate.fragment)) {
    const claimed = blockByScratchPath.get(scratchPath(block));
    if (!claimed) blockByScratchPath.set(scratchPath(block), block);
    else problems.push({ doc: block.doc, line: block.fenceLine, message: `${scratchPath(block)} is already the block at ${claimed.doc}:${claimed.fenceLine}` });
  }
  return { blockByScratchPath, problems };
}

export interface CheckResult {
  /** Problems and type errors, one line each, already mapped to markdown positions. */
  readonly errors: string[];
  readonly checked: number;
  readonly fragments: DocBlock[];
}

/** Extract, write, compile once, and map every diagnostic back to its markdown line. */
export function checkDocs(root: string, docs: readonly string[]): CheckResult {
  const problems: Problem[] = [];
  const blocks: DocBlock[] = [];
  for (const doc of docs) {
    const extracted = extractBlocks(doc, readFileSync(path.join(root, doc), "utf8"));
    blocks.push(...extracted.blocks);
    problems.push(...extracted.problems);
  }
  const fragments = blocks.filter((block) => block.fragment);
  for (const block of blocks) {
    const difference = block.file === undefined ? undefined : differenceFromCheckout(root, block.file, block.code);
    if (difference !== undefined) problems.push({ doc: block.doc, line: block.fenceLine, message: difference });
  }
  const assigned = assignScratchPaths(blocks);
  const blockByScratchPath = assigned.blockByScratchPath;
  problems.push(...assigned.problems);
  const errors = problems.map((problem) => `${problem.doc}:${problem.line}: ${problem.message}`);

  const scratch = path.join(root, scratchFolder);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(path.join(scratch, "biome.json"), `${JSON.stringify({ root: false, files: { includes: ["!**"] } })}\n`);
  const tsconfig = {
    extends: path.relative(scratch, path.join(repoRoot, "tsconfig.json")),
    compilerOptions: { rootDirs: ["..", "."], noEmit: true },
    // Each block by name: a glob would silently skip names that start with a dot.
    include: [...blockByScratchPath.keys()],
  };
  writeFileSync(path.join(scratch, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const blockByFileName = new Map<string, DocBlock>();
  for (const [relativePath, block] of blockByScratchPath) {
    const fileName = path.join(scratch, relativePath);
    mkdirSync(path.dirname(fileName), { recursive: true });
    writeFileSync(fileName, generatedSource(block));
    blockByFileName.set(path.resolve(fileName), block);
  }
  if (blockByScratchPath.size === 0) return { errors, checked: 0, fragments };

  const configDiagnostics: ts.Diagnostic[] = [];
  const config = ts.getParsedCommandLineOfConfigFile(path.join(scratch, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => configDiagnostics.push(diagnostic),
  });
  const diagnostics = [...configDiagnostics, ...(config?.errors ?? [])];
  if (config) {
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    // Only the blocks' own diagnostics: project files they import are `npm run typecheck`'s job.
    for (const [fileName, block] of blockByFileName) {
      const sourceFile = program.getSourceFile(fileName);
      if (!sourceFile) errors.push(`${block.doc}:${block.fenceLine}: block ${block.ordinal} was not compiled (${fileName})`);
      else diagnostics.push(...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile));
    }
  }
  errors.push(...diagnostics.map((diagnostic) => describe(diagnostic, root, blockByFileName)));
  return { errors, checked: blockByScratchPath.size, fragments };
}

/** Where a block that shows a real file differs from it, if it does (undefined when the file does not exist). */
export function differenceFromCheckout(root: string, file: string, code: string): string | undefined {
  const real = path.join(root, file);
  if (!existsSync(real)) return undefined;
  const shown = code.trimEnd().split("\n");
  const actual = readFileSync(real, "utf8").trimEnd().split("\n");
  const line = shown.findIndex((text, index) => text !== actual[index]);
  if (line === -1 && shown.length === actual.length) return undefined;
  const at = line === -1 ? Math.min(shown.length, actual.length) : line;
  return `file=${file} shows a file of the checkout but differs from it at its line ${at + 1}: copy it again`;
}

function describe(diagnostic: ts.Diagnostic, root: string, blockByFileName: ReadonlyMap<string, DocBlock>): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const block = blockByFileName.get(path.resolve(diagnostic.file.fileName));
  if (!block) return `${path.relative(root, diagnostic.file.fileName)}:${line + 1}:${character + 1}: ${message}`;
  const position = toMarkdownPosition(block, line, character);
  return `${block.doc}:${position.line}:${position.column} (block ${block.ordinal}): ${message}`;
}

/** README.md and docs/*.md under `root`, the docs a reader of the repository sees. */
function defaultDocs(root: string): string[] {
  const docsFolder = path.join(root, "docs");
  const docs = existsSync(docsFolder) ? readdirSync(docsFolder).filter((name) => name.endsWith(".md")) : [];
  return ["README.md", ...docs.sort().map((name) => `docs/${name}`)];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

// Run as a command, not when a test imports it. (Not `import.meta.main`: under Node 20 that is
// undefined, and the check would pass silently.)
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { root: { type: "string" } }, allowPositionals: true });
  const root = path.resolve(values.root ?? repoRoot);
  const result = checkDocs(root, positionals.length > 0 ? positionals : defaultDocs(root));
  const skipped = result.fragments.map((block) => `${block.doc}:${block.fenceLine}`);
  const fragments = `${plural(skipped.length, "fragment")} skipped${skipped.length > 0 ? ` (${skipped.join(", ")})` : ""}`;
  for (const error of result.errors) console.log(error);
  if (result.errors.length > 0) {
    console.log(`docs: ${plural(result.errors.length, "error")} in ${plural(result.checked, "type-checked block")}, ${fragments}`);
    process.exitCode = 1;
  } else {
    console.log(`docs: ${plural(result.checked, "block")} type-checked, ${fragments}`);
  }
}
