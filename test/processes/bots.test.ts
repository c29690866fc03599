import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { matchMaker } from "@colyseus/core";
import { eventually, startTestServer, type TestServer } from "../support/harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("load-test bots", () => {
  let server: TestServer;
  before(async () => {
    // The window a bot's seat would be held for if it vanished without leaving.
    server = await startTestServer({ RECONNECTION_WINDOW_SECONDS: "20" });
  });
  after(async () => {
    await server.close();
  });

  it("stopped (SIGINT), leave their rooms (no seat held 2 s later) and print a summary, without a terminal's screen codes", async () => {
    const args = ["--import", "tsx", "loadtest/chat.ts", "--room", "chat", "--numClients", "4", "--endpoint", `ws://127.0.0.1:${server.port}`];
    // Output to a pipe, as in CI: the plain run, not @colyseus/loadtest's screen.
    const bots = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    bots.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      // Starting Node and compiling the bots takes a while on a busy machine.
      await eventually(() => matchMaker.stats.local.ccu === 4, "four bots seated", 60_000);
      const exited = once(bots, "exit");
      bots.kill("SIGINT");
      // Seats held for reconnection count here too: 0 means every bot left for good.
      await eventually(() => matchMaker.stats.local.ccu === 0, "every seat freed", 2000);
      const [code] = await exited;
      assert.equal(code, 0, output);
    } finally {
      if (bots.exitCode === null && bots.signalCode === null) bots.kill("SIGKILL");
    }
    assert.match(output, /^ {2}connections +4 ok, 0 failed \(of 4\)$/m);
    for (const line of ["joins per second", "patches", "patch delay", "RTT", "bytes", "errors"]) assert.match(output, new RegExp(`^ {2}${line} `, "m"), line);
    assert.ok(!output.includes("\u001b["), "no terminal escape codes");
  });
});
