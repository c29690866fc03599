import type { Room } from "@colyseus/sdk";
import type { WatchingLate } from "../../rooms/base/recording.ts";
import { reconnectPromptly } from "../reconnection.ts";
import { listenUntil } from "../signals.ts";
import { TrafficMeter } from "./trafficMeter.ts";

/**
 * Reconnection tokens by seat (`arena/<roomId>`, `chat/<channel>`...), per tab. A reload
 * drops the socket like a network cut; the server holds the seat for the reconnection
 * window, and the reloaded page takes it back with the token instead of joining anew.
 */
export class SeatMemory {
  constructor(private readonly storage: Storage) {}

  recall(seat: string): string | undefined {
    return this.storage.getItem(`tickroom:seat:${seat}`) ?? undefined;
  }

  remember(seat: string, reconnectionToken: string): void {
    this.storage.setItem(`tickroom:seat:${seat}`, reconnectionToken);
  }

  forget(seat: string): void {
    this.storage.removeItem(`tickroom:seat:${seat}`);
  }
}

/**
 * A room handed from one view to the next (the lobby joins, the game view takes it over):
 * its state is whatever the receiving view asks for, unchecked, as with any joined room.
 */
// biome-ignore lint/suspicious/noExplicitAny: the state type is the receiving view's to name
export type HandedRoom = JoinedRoom<any>;

/** How a spectator watches, when not live. */
export interface WatchMode {
  /** Seconds behind the live room, as asked when joining (`delaySeconds`). */
  readonly delaySeconds?: number | undefined;
  /** The room plays back a recorded match (the `replay` room type) in the recorded room type's state. */
  readonly replay?: boolean;
}

/**
 * A room the page has joined, wrapped the moment the join resolves so nothing sent right
 * after the join is missed: the private-room `joinCode` message, and every frame for the
 * traffic meter.
 *
 * `S` is the state type; `T` the server's room type (`ServerRoomOf<"tictactoe">`), which
 * makes `room.send()` check message names and payloads against the room's handlers.
 */
export class JoinedRoom<S = unknown, T = unknown> {
  readonly traffic: TrafficMeter;
  #delaySeconds: number | undefined;
  readonly #delayListeners = new Set<() => void>();
  readonly replay: boolean;
  /** Resolves with the first full state (joining resolves before it arrives). */
  readonly ready: Promise<S>;
  #joinCode: string | undefined;
  readonly #codeListeners = new Set<(code: string) => void>();
  #seat: string | undefined;

  constructor(
    readonly room: Room<T, S>,
    readonly spectator: boolean,
    private readonly seats: SeatMemory,
    watching: WatchMode = {},
  ) {
    this.#delaySeconds = spectator ? watching.delaySeconds : undefined;
    this.replay = watching.replay === true;
    this.traffic = new TrafficMeter(room);
    this.ready = new Promise<S>((resolve) => {
      listenUntil(room.onStateChange, (state: S) => {
        resolve(state);
        return true;
      });
    });
    // Sent by the base to every room type's creator of a private room, whatever its messages.
    (room as Room).onMessage("joinCode", (message: { code?: unknown }) => {
      if (typeof message.code !== "string") return;
      this.#joinCode = message.code;
      for (const listener of this.#codeListeners) listener(message.code);
    });
    // Sent to a spectator watching late: how late, a forced least delay (a ranked match's) included.
    (room as Room).onMessage("delay", (message: Partial<WatchingLate>) => {
      if (!spectator || typeof message.delaySeconds !== "number") return;
      this.#delaySeconds = message.delaySeconds;
      for (const listener of this.#delayListeners) listener();
    });
    reconnectPromptly(room);
  }

  /** Seconds behind the live room this spectator watches: as asked, then as the server says. */
  get delaySeconds(): number | undefined {
    return this.#delaySeconds;
  }

  /** Call `listener` when the server says how late this spectator watches. Returns the undo. */
  onDelayKnown(listener: () => void): () => void {
    this.#delayListeners.add(listener);
    return () => this.#delayListeners.delete(listener);
  }

  /** Remember this seat under `seat` so a reload of the page takes it back. */
  keepSeat(seat: string): void {
    // A replay holds no seat: a reload opens the replay anew from its address.
    if (this.#seat !== undefined || this.replay) return;
    this.#seat = seat;
    const { room, seats } = this;
    seats.remember(seat, room.reconnectionToken);
    const remember = (): void => seats.remember(seat, room.reconnectionToken);
    addEventListener("pagehide", remember);
    room.onLeave(() => {
      removeEventListener("pagehide", remember);
      seats.forget(seat);
    });
  }

  /**
   * Leave on purpose (the player navigated away): the seat is forgotten at once, not when
   * the server has confirmed, so a view opened meanwhile (the same one, re-entered) joins
   * anew instead of trying to take back a seat being given up with a stale token.
   */
  leave(): Promise<number> {
    if (this.#seat !== undefined) this.seats.forget(this.#seat);
    return this.room.leave();
  }

  /** The private room's join code, as soon as the server has sent it. */
  onJoinCode(listener: (code: string) => void): void {
    this.#codeListeners.add(listener);
    if (this.#joinCode !== undefined) listener(this.#joinCode);
  }
}
