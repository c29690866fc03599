import type { RealtimeSession } from "../../client/netcode.ts";

/** Writes the input of fixed step number `step` (deterministic scripts make runs comparable). */
export type InputScript<I> = (input: I, step: number) => void;

/**
 * Drives a netcode session the way a game client's frame loop does: a 60 Hz frame timer,
 * each frame sending one scripted input per fixed step due. For tests and measurements.
 */
export class ScriptedPlayer<E extends object, I extends object, S = unknown> {
  steps = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly session: RealtimeSession<E, I, S>,
    public script: InputScript<I>,
    onFrame?: (player: ScriptedPlayer<E, I, S>) => void,
    frameMs = 1000 / 60,
  ) {
    this.#timer = setInterval(() => {
      this.session.frame(performance.now(), (input) => this.script(input, this.steps++));
      onFrame?.(this);
    }, frameMs);
  }

  /** Stop playing; the inputs a batch still held leave now, so every input sent gets applied and acknowledged. */
  stop(): void {
    clearInterval(this.#timer);
    this.session.flushInputs();
  }
}
