import { Client, type Room } from "@colyseus/sdk";
import { type ArenaSession, arenaNetcode } from "../../client/arena.ts";
import { RealtimeSession } from "../../client/netcode.ts";
import { listenUntil } from "../../client/signals.ts";
import { ARENA } from "../../rooms/arena/shapes.ts";
import type { ArenaState } from "../../schema/ArenaState.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { ErrorCode, type RoomError } from "../../shared/errors.ts";
import { ArenaPilot } from "../players/arenaPilot.ts";

/**
 * The deploy benchmark's players (loadtest/bench/deployBench.ts): real `@colyseus/sdk`
 * clients that decode every patch, so what they saw before a move can be held against
 * what they see after it. Arena players run the client netcode (client/netcode.ts) and
 * send one input per 60 Hz step, playing as the load-test bots do; tic-tac-toe players
 * play legal random moves after a human-ish pause and ask for a rematch when a game ends.
 *
 * Each player notes every drop of its connection (`onDrop`): when, the close code, the
 * last state it had seen, and then when it was back (`onReconnect`) and the first state
 * after. Times are epoch ms (`Date.now()`): the servers stamp checkpoints with the same clock.
 */

type PlayerKind = "arena" | "tictactoe";

/** What one player saw in one state: arena, its tick and this player's score and position; tic-tac-toe, the board and the status. */
export interface Seen {
  /** Arrival, epoch ms. */
  readonly at: number;
  readonly tick: number;
  readonly score: number;
  readonly x: number;
  readonly y: number;
  /** Nine digits (0 empty, 1 X, 2 O); "" in the arena. */
  readonly board: string;
  readonly status: string;
}

/** A tic-tac-toe message this player sent that no state it saw has shown yet. */
export interface Pending {
  readonly at: number;
  readonly type: "move" | "rematch";
  /** The cell, for a move. */
  readonly index: number;
}

export interface Drop {
  readonly code: number;
  readonly at: number;
  /** What the bench was doing then ("restart", "failover"; undefined: nothing). */
  readonly phase: string | undefined;
  /** The last state seen before the drop. */
  readonly before: Seen | undefined;
  /** Tic-tac-toe: what this player had sent that no state had shown yet when the drop came. */
  readonly pending: Pending | undefined;
  /** `onReconnect`, epoch ms, and the SDK's attempts until then (its first waits 200 ms, each next twice as long). */
  reconnectedAt?: number;
  attempts?: number;
  /** Errors the room reported meanwhile (`onError`: a refused reconnection). */
  readonly errors: string[];
  /** The first state after the reconnection. */
  after?: Seen;
  /** Arena: the netcode's local entity is no longer the one in the synced state after the reconnection. */
  localReplaced?: boolean;
}

/** When every player retries a dropped connection: first after `firstRetryMs`, each next twice as long (undefined: as its client does, 20 ms for arena players through RealtimeSession, the SDK's own 200 ms for bare tic-tac-toe ones). */
export const reconnectionSettings: { firstRetryMs: number | undefined } = { firstRetryMs: undefined };

/** The bench's current phase, as the players tag their drops with it. */
export const phase: { current: string | undefined } = { current: undefined };

const EMPTY: Omit<Seen, "at"> = { tick: 0, score: 0, x: 0, y: 0, board: "", status: "" };

abstract class Player<S> {
  readonly drops: Drop[] = [];
  left: { readonly code: number; readonly at: number } | undefined;
  last: Seen | undefined;
  /** Every change of what this player saw (tic-tac-toe: board and status), oldest first. */
  readonly history: Seen[] = [];
  connected = true;
  stopping = false;
  readonly sessionId: string;
  readonly roomId: string;

  protected constructor(
    readonly kind: PlayerKind,
    readonly room: Room<unknown, S>,
  ) {
    this.sessionId = room.sessionId;
    this.roomId = room.roomId;
    room.reconnection.minUptime = 0;
    const first = reconnectionSettings.firstRetryMs;
    if (first !== undefined) {
      // The SDK waits max(minDelay, 2^attempt × delay) before each attempt.
      room.reconnection.minDelay = first;
      room.reconnection.delay = Math.max(first, 1) / 2;
    }
    room.onStateChange((state) => this.#seen(state));
    room.onDrop((code) => {
      this.connected = false;
      this.drops.push({ code, at: Date.now(), phase: phase.current, before: this.last, pending: this.pendingAtDrop(), errors: [] });
      this.dropped();
    });
    room.onReconnect(() => {
      this.connected = true;
      const drop = this.drops.at(-1);
      if (drop === undefined) return;
      drop.reconnectedAt = Date.now();
      drop.attempts = room.reconnection.retryCount;
    });
    room.onError((code, message) => {
      const drop = this.drops.at(-1);
      if (drop !== undefined && drop.after === undefined) drop.errors.push(`${code} ${message ?? ""}`.trim());
    });
    room.onLeave((code) => {
      this.connected = false;
      if (!this.stopping) this.left = { code, at: Date.now() };
    });
  }

  #seen(state: S): void {
    const seen = this.read(state);
    if (seen === undefined) return;
    const drop = this.drops.at(-1);
    if (drop !== undefined && drop.after === undefined && drop.reconnectedAt !== undefined) {
      drop.after = seen;
      this.reconnected(drop);
    }
    const previous = this.last;
    this.last = seen;
    if (this.kind === "tictactoe" && (previous === undefined || previous.board !== seen.board || previous.status !== seen.status)) this.history.push(seen);
    this.onState(state);
  }

  /** Whether every drop so far has been followed by a state from the new connection. */
  get back(): boolean {
    return this.left === undefined && this.drops.every((drop) => drop.after !== undefined);
  }

  protected abstract read(state: S): Seen | undefined;
  protected pendingAtDrop(): Pending | undefined {
    return undefined;
  }
  protected dropped(): void {}
  protected reconnected(_drop: Drop): void {}
  protected onState(_state: S): void {}

  /** The session ids this player's current state seats (and, in the arena, shows connected). */
  abstract seated(): string[];

  /** Leave for good (consented); a room whose socket is down never answers, so at most `timeoutMs`. Resolves false if it did not answer. */
  async leave(timeoutMs = 3000): Promise<boolean> {
    this.stopping = true;
    if (this.left !== undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      this.room.leave(true).then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return answered;
  }
}

export class ArenaPlayer extends Player<ArenaState> {
  readonly #pilot = new ArenaPilot();

  private constructor(
    room: Room<unknown, ArenaState>,
    readonly session: ArenaSession,
  ) {
    super("arena", room);
  }

  static async join(join: () => Promise<Room<unknown, ArenaState>>): Promise<ArenaPlayer> {
    const room = await join();
    return new ArenaPlayer(room, await RealtimeSession.attach(room, arenaNetcode));
  }

  protected read(state: ArenaState): Seen | undefined {
    const me = state.players.get(this.sessionId);
    return me === undefined ? undefined : { ...EMPTY, at: Date.now(), tick: state.tick, score: me.score, x: me.x, y: me.y };
  }

  protected override reconnected(drop: Drop): void {
    drop.localReplaced = this.room.state.players.get(this.sessionId) !== this.session.local;
  }

  /** One render frame: this step's inputs, aimed from the synced state (the netcode's own local entity may be stale after a move). */
  frame(now: number): void {
    if (this.stopping) return;
    const state = this.room.state;
    const me = state.players?.get(this.sessionId);
    if (me === undefined) return;
    this.session.frame(now, (input) => this.#pilot.fill(input, state, this.sessionId, me));
  }

  seated(): string[] {
    const seated: string[] = [];
    this.room.state.players.forEach((player, id) => {
      if (player.connected) seated.push(id);
    });
    return seated;
  }
}

export class TicTacToePlayer extends Player<TicTacToeState> {
  #pending: Pending | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The board (and status) this player last acted on: it does not act twice on one. */
  #actedOn: string | undefined;
  /** Moves sent, refusals received (besides those of a frozen room, ROOM_MOVING, expected in a move). */
  moves = 0;
  refusals = 0;
  movingRefusals = 0;

  private constructor(room: Room<unknown, TicTacToeState>) {
    super("tictactoe", room);
    // A move refused because this view was a patch behind is harmless: the next patch brings the board.
    room.onMessage("error", (error: RoomError) => {
      if (error.code === ErrorCode.ROOM_MOVING) this.movingRefusals++;
      else this.refusals++;
    });
  }

  static async join(join: () => Promise<Room<unknown, TicTacToeState>>): Promise<TicTacToePlayer> {
    const room = await join();
    const player = new TicTacToePlayer(room);
    // Joining resolves before the first state: wait for it.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no tic-tac-toe state within 10 s")), 10_000);
      const done = (): boolean => {
        if (player.last === undefined) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      if (!done()) listenUntil(room.onStateChange, done);
    });
    return player;
  }

  protected read(state: TicTacToeState): Seen | undefined {
    return { ...EMPTY, at: Date.now(), board: state.board.join(""), status: state.status };
  }

  protected override pendingAtDrop(): Pending | undefined {
    return this.#pending;
  }

  protected override dropped(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Back on a new process: a move the old one dropped in its freeze is played again. */
  protected override reconnected(): void {
    this.#pending = undefined;
    this.#actedOn = undefined;
  }

  protected override onState(state: TicTacToeState): void {
    const pending = this.#pending;
    if (pending !== undefined && (pending.type === "move" ? state.board[pending.index] !== 0 : state.status !== "finished")) this.#pending = undefined;
    if (this.stopping || !this.connected || this.#timer !== undefined) return;
    const key = `${state.board.join("")}:${state.status}`;
    if (key === this.#actedOn) return;
    const mine = state.status === "playing" && state.currentTurn === this.sessionId;
    if (!mine && state.status !== "finished") return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = this.room.state;
        if (this.stopping || !this.connected || `${now.board.join("")}:${now.status}` !== key) return;
        this.#actedOn = key;
        if (now.status === "finished") {
          this.#pending = { at: Date.now(), type: "rematch", index: -1 };
          this.room.send("rematch", {});
          return;
        }
        const empty = [...now.board.keys()].filter((i) => now.board[i] === 0);
        const index = empty[Math.floor(Math.random() * empty.length)];
        if (index === undefined) return;
        this.#pending = { at: Date.now(), type: "move", index };
        this.moves++;
        this.room.send("move", { index });
      },
      300 + Math.random() * 700,
    );
  }

  seated(): string[] {
    return [...this.room.state.players.keys()];
  }

  override async leave(timeoutMs?: number): Promise<boolean> {
    clearTimeout(this.#timer);
    return super.leave(timeoutMs);
  }
}

export type AnyPlayer = ArenaPlayer | TicTacToePlayer;

function roomsOf(players: readonly AnyPlayer[]): Map<string, AnyPlayer[]> {
  const rooms = new Map<string, AnyPlayer[]>();
  for (const player of players) rooms.set(player.roomId, [...(rooms.get(player.roomId) ?? []), player]);
  return rooms;
}

/** Rooms of `players` some player of which is gone or not back, or whose state (as any of its players sees it) is missing one of them. */
export function brokenRooms(players: readonly AnyPlayer[]): string[] {
  const broken: string[] = [];
  for (const [roomId, members] of roomsOf(players)) {
    const ids = members.map((player) => player.sessionId);
    const whole = members.every((player) => player.back && player.connected && ids.every((id) => player.seated().includes(id)));
    if (!whole) broken.push(roomId);
  }
  return broken;
}

/** Run `tasks` with at most `concurrency` at once, in order. */
async function inBatches<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const work = async (): Promise<void> => {
    for (let index = next++; index < tasks.length; index = next++) results[index] = await (tasks[index] as () => Promise<T>)();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, work));
  return results;
}

/** Players in the arena rooms, as many rooms as `arenaPlayers` needs at 16 a room, filled evenly. */
export function arenaRoomSizes(arenaPlayers: number): number[] {
  const rooms = Math.ceil(arenaPlayers / ARENA.maxPlayers);
  return Array.from({ length: rooms }, (_, room) => Math.floor(arenaPlayers / rooms) + (room < arenaPlayers % rooms ? 1 : 0));
}

/**
 * Every player joined through `endpoint` (the router): each arena room and each
 * tic-tac-toe game created by its first player and joined by id by the rest, so rooms
 * fill exactly as asked. Arena inputs run from one 60 Hz loop, stopped by `stop()`.
 */
export class Players {
  readonly all: AnyPlayer[] = [];
  readonly #timer: NodeJS.Timeout;

  private constructor(all: AnyPlayer[]) {
    this.all = all;
    const arena = all.filter((player): player is ArenaPlayer => player instanceof ArenaPlayer);
    this.#timer = setInterval(() => {
      const now = performance.now();
      for (const player of arena) player.frame(now);
    }, 1000 / ARENA.tickRate);
  }

  static async join(endpoint: string, arenaPlayers: number, games: number, concurrency = 8): Promise<Players> {
    const client = new Client(endpoint);
    const all: AnyPlayer[] = [];
    const sizes = arenaRoomSizes(arenaPlayers);
    await inBatches(
      sizes.map((size, room) => async () => {
        const first = await ArenaPlayer.join(() => client.create<ArenaState>("arena", { name: `arena-${room}-0`, region: `deploy-${room}` }));
        const rest = await inBatches(
          Array.from(
            { length: size - 1 },
            (_, seat) => () => ArenaPlayer.join(() => client.joinById<ArenaState>(first.roomId, { name: `arena-${room}-${seat + 1}` })),
          ),
          concurrency,
        );
        all.push(first, ...rest);
      }),
      2,
    );
    await inBatches(
      Array.from({ length: games }, (_, game) => async () => {
        const x = await TicTacToePlayer.join(() => client.create<TicTacToeState>("tictactoe", { name: `ttt-${game}-x` }));
        const o = await TicTacToePlayer.join(() => client.joinById<TicTacToeState>(x.roomId, { name: `ttt-${game}-o` }));
        all.push(x, o);
      }),
      concurrency,
    );
    return new Players(all);
  }

  /** Players grouped by room id. */
  rooms(): Map<string, AnyPlayer[]> {
    return roomsOf(this.all);
  }

  /** Every player still in and back from all its drops. */
  allBack(): boolean {
    return this.all.every((player) => player.left !== undefined || player.back);
  }

  /** Every player leaves; resolves with those whose room never answered. */
  async stop(): Promise<AnyPlayer[]> {
    clearInterval(this.#timer);
    const answered = await Promise.all(this.all.map((player) => player.leave()));
    return this.all.filter((_, index) => !answered[index]);
  }
}
