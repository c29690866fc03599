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

  it("leave when the run is stopped (SIGINT): the server holds no seat for them 2 s later", async () => {
    const bots = spawn(process.execPath, ["--import", "tsx", "loadtest/chat.ts", "--room", "chat", "--numClients", "4", "--endpoint", `ws://127.0.0.1:${server.port}`], {
      cwd: root,
      stdio: "ignore",
    });
    try {
      // Starting Node and compiling the bots takes a while on a busy machine.
      await eventually(() => matchMaker.stats.local.ccu === 4, "four bots seated", 60_000);
      const exited = once(bots, "exit");
      bots.kill("SIGINT");
      // Seats held for reconnection count here too: 0 means every bot left for good.
      await eventually(() => matchMaker.stats.local.ccu === 0, "every seat freed", 2000);
      await exited;
    } finally {
      if (bots.exitCode === null && bots.signalCode === null) bots.kill("SIGKILL");
    }
  });
});
