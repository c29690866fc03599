import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkerCommand, WorkerReply } from "./botWorker.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A bot process (loadtest/bench/botWorker.ts) and a typed request/response over its IPC channel. */
export class BotProcess {
  readonly child: ChildProcess;
  #waiting: ((reply: WorkerReply) => void) | undefined;

  constructor(index: number) {
    this.child = fork(join(root, "loadtest/bench/botWorker.ts"), [], {
      execArgv: ["--import", "tsx"],
      cwd: root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (reply: WorkerReply) => this.#waiting?.(reply));
    this.child.once("exit", (code) => {
      if (code !== 0 && code !== null) console.error(`bench: worker ${index} exited with ${code}`);
    });
  }

  request(command: WorkerCommand): Promise<WorkerReply> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.child.send(command);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }
}
