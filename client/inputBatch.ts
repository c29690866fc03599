import type { InputHandle, Room } from "@colyseus/sdk";

/**
 * Several fixed steps' inputs in one message, through Colyseus's own input channel.
 *
 * A real-time client produces one input per step (60 a second in the arena); sent one per
 * message, each costs the server a WebSocket frame, a dispatch and a decode. Batched, the
 * handle runs in the SDK's ring mode (`mode: "unreliable"`, `historySize` = the batch):
 * every step is still encoded, numbered, predicted and stamped for lag compensation on its
 * own, but only every `inputsPerMessage`-th step goes out, carrying the steps since the
 * last message. The server applies them one per tick, exactly as before (it dedupes a
 * ring by sequence number). The cost: an input waits up to `inputsPerMessage - 1` steps
 * before it leaves (33 ms at 3 and 60 Hz) — hidden by prediction for the player, seen by
 * others as that much more latency.
 *
 * On WebSocket the ring travels on the reliable channel (no datagrams), so nothing is lost
 * and the ring needs no redundancy; the SDK's fallback to it (with its console warning)
 * is bypassed by sending on the connection directly.
 */
/**
 * Steps per message unless a client says otherwise: 20 messages a second from each client
 * at 60 Hz, the patch rate, instead of 60. Measured in docs/performance.md.
 */
export const DEFAULT_INPUTS_PER_MESSAGE = 3;

export interface InputBatchOptions<I> {
  /** The input schema class (see `NetcodeSpec.input`). */
  readonly type?: new () => I;
  /** Steps per message; 1 sends each step alone, on the reliable channel. */
  readonly inputsPerMessage: number;
  /** The SDK's `renderDelay` (lag compensation's interpolation buffer), when not bound by a reconciler. */
  readonly renderDelay?: number;
}

/** The one connection method the batch holds messages on. */
interface GatedConnection {
  readonly isOpen: boolean;
  send(data: Uint8Array): void;
  sendUnreliable(data: Uint8Array): void;
}

export class BatchedInput<I> {
  /** The SDK's input handle: hand it to `Predict.reconciler`; send through `send()`, not its own. */
  readonly handle: InputHandle<I>;
  readonly inputsPerMessage: number;
  readonly #connection: GatedConnection;
  /** The newest ring not yet sent (a copy: the SDK reuses its buffer), and how many steps it holds unsent. */
  #held: Uint8Array | undefined;
  #heldSteps = 0;
  #heldEpoch = 0;
  /** Sends a partial batch once its oldest step has waited a whole batch's time: a game that stops sending (a pause, a menu) must not strand its last inputs. */
  #deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(room: Room, options: InputBatchOptions<I>) {
    const batch = Math.max(1, Math.floor(options.inputsPerMessage));
    this.inputsPerMessage = batch;
    this.handle = room.input<I>({
      ...(options.type !== undefined ? { type: options.type } : {}),
      ...(options.renderDelay !== undefined ? { renderDelay: options.renderDelay } : {}),
      ...(batch > 1 ? { mode: "unreliable", historySize: batch } : {}),
    });
    // colyseus-internal: sdk-input-batching
    const connection = room.connection as unknown as GatedConnection;
    this.#connection = connection;
    if (batch > 1) connection.sendUnreliable = (data) => this.#hold(data);
  }

  /** Encode the handle's `data` as the next step's input; it leaves with the batch it completes. Returns its sequence number (0 when not connected). */
  send(): number {
    return this.handle.send();
  }

  /** Steps encoded and not yet sent. */
  get unsent(): number {
    return this.#heldSteps;
  }

  /** Send the steps held so far now, instead of when the batch completes or its deadline (a batch's time after its first step) passes. */
  flush(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
    const held = this.#held;
    const current = this.handle.epoch === this.#heldEpoch;
    this.#held = undefined;
    this.#heldSteps = 0;
    // After a reconnection the SDK starts a fresh ring: a ring held from before it is void.
    if (held !== undefined && current && this.#connection.isOpen) this.#connection.send(held);
  }

  #hold(data: Uint8Array): void {
    if (this.#held !== undefined && this.handle.epoch !== this.#heldEpoch) this.#heldSteps = 0;
    this.#heldEpoch = this.handle.epoch;
    if (++this.#heldSteps >= this.inputsPerMessage) {
      clearTimeout(this.#deadline);
      this.#deadline = undefined;
      this.#held = undefined;
      this.#heldSteps = 0;
      this.#connection.send(data);
      return;
    }
    this.#held = data.slice();
    if (this.#heldSteps === 1) this.#deadline = setTimeout(() => this.flush(), this.inputsPerMessage * (this.handle.stepMs ?? 1000 / 60));
  }
}
