import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const sourceFolders = ["server", "rooms", "schema", "shared", "client", "loadtest", "tools", "test"];

/** Every `// colyseus-internal: <tag>` comment in the project's TypeScript, by tag. */
function tagsInCode(): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  const visit = (folder: string): void => {
    for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
      const relative = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(relative);
      else if (entry.name.endsWith(".ts")) {
        for (const match of readFileSync(path.join(root, relative), "utf8").matchAll(/\/\/ colyseus-internal: ([a-z0-9-]+)/g)) {
          tags.set(match[1]!, [...(tags.get(match[1]!) ?? []), relative]);
        }
      }
    }
  };
  for (const folder of sourceFolders) visit(folder);
  return tags;
}

/** The tags of docs/colyseus-internals.md's index table and the ones that have a section. */
function tagsInDoc(): { index: Set<string>; sections: Set<string> } {
  const doc = readFileSync(path.join(root, "docs/colyseus-internals.md"), "utf8");
  const index = new Set([...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1]!));
  const sections = new Set([...doc.matchAll(/^### `([a-z0-9-]+)`/gm)].map((match) => match[1]!));
  return { index, sections };
}

describe("places that reach into Colyseus internals", () => {
  it("are tagged in code and listed in docs/colyseus-internals.md, every tag both ways", () => {
    const code = tagsInCode();
    const { index, sections } = tagsInDoc();
    assert.ok(code.size > 10, "the tags are found");
    for (const [tag, files] of code) assert.ok(index.has(tag), `${tag} (${files.join(", ")}) is not in the doc's index`);
    for (const tag of index) assert.ok(code.has(tag), `the doc lists ${tag}, which no code carries`);
    assert.deepEqual([...sections].sort(), [...index].sort(), "each tag in the index has its section, and no other");
  });
});
