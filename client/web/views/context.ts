import type { ConnectionBanner } from "../connectionBanner.ts";
import { type HandedRoom, JoinedRoom, type SeatMemory } from "../joinedRoom.ts";
import { type NetStatsOverlay, PingProbe } from "../netStatsOverlay.ts";
import type { GameView, Route } from "../routes.ts";
import type { ServerLink } from "../serverLink.ts";

/** What every view gets from the page shell. */
export interface ViewContext {
  readonly link: ServerLink;
  readonly seats: SeatMemory;
  readonly banner: ConnectionBanner;
  readonly stats: NetStatsOverlay;
  /** Go to another view; a room already joined for it is handed over, not joined twice. */
  navigate(route: Route, handoff?: HandedRoom): void;
  /** Rewrite the address to the room now joined (a reload then returns to it), without re-rendering. */
  settle(route: Route): void;
  /** The room handed over by the previous view, if any (taken once). */
  takeHandoff(): HandedRoom | undefined;
}

/** Undo a mount: leave rooms, stop timers and frame loops, drop listeners. */
export type Unmount = () => void;

export type View<R extends Route = Route> = (container: HTMLElement, route: R, context: ViewContext) => Promise<Unmount>;

/** The key a room's seat is remembered under for reloads. */
function seatOf(view: GameView, roomId: string, channel?: string): string {
  return view === "chat" ? `chat/${channel ?? ""}` : `${view}/${roomId}`;
}

export interface RoomRequest {
  readonly view: GameView;
  readonly roomId?: string | undefined;
  readonly channel?: string;
  readonly spectate: boolean;
  /** Join options besides `spectator`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The room a game view shows: the one handed over, else the seat this tab held before a
 * reload (by reconnection token), else a fresh join (by id, or join-or-create).
 */
export async function openRoom<S>(context: ViewContext, request: RoomRequest): Promise<JoinedRoom<S>> {
  const handoff = context.takeHandoff();
  if (handoff !== undefined) {
    if (handoff.room.name === request.view && (request.roomId === undefined || handoff.room.roomId === request.roomId)) {
      handoff.keepSeat(seatOf(request.view, handoff.room.roomId, request.channel));
      return handoff;
    }
    void handoff.leave();
  }
  const { link, seats } = context;
  const known = request.roomId !== undefined || request.view === "chat" ? seatOf(request.view, request.roomId ?? "", request.channel) : undefined;
  const token = known === undefined ? undefined : seats.recall(known);
  if (known !== undefined && token !== undefined) {
    try {
      const room = await link.join((client) => client.reconnect<S>(token));
      const joined = new JoinedRoom<S>(room, request.spectate, seats);
      joined.keepSeat(known);
      return joined;
    } catch {
      // The window passed or the room is gone: join like anyone else.
      seats.forget(known);
    }
  }
  const options = { ...request.options, ...(request.spectate ? { spectator: true } : {}) };
  const room =
    request.roomId !== undefined
      ? await link.join((client) => client.joinById<S>(request.roomId!, options))
      : await link.join((client) => client.joinOrCreate<S>(request.view, options));
  const joined = new JoinedRoom<S>(room, request.spectate, seats);
  joined.keepSeat(seatOf(request.view, room.roomId, request.channel));
  return joined;
}

/**
 * The shell around a turn-based room (chat, tic-tac-toe): the connection banner follows it
 * and the net-stats panel shows its traffic, with RTT from a protocol ping (these rooms have
 * no real-time clock). Returns the undo.
 */
export function followRoom<S>(joined: JoinedRoom<S>, context: ViewContext): () => void {
  const unwatch = context.banner.watch(joined.room);
  const ping = new PingProbe(joined.room);
  const hideStats = context.stats.show(() => ({ rttMs: ping.rttMs, ...joined.traffic.rates() }));
  return () => {
    hideStats();
    ping.stop();
    unwatch();
  };
}

/** Where a joined room is shown (a chat room by its channel, known once its state has arrived). */
export async function routeFor(joined: JoinedRoom<unknown>, spectate: boolean): Promise<Route> {
  const { room } = joined;
  const view = room.name as GameView;
  if (view === "chat") return { view: "chat", channel: ((await joined.ready) as { channel: string }).channel };
  if (view === "arena") return { view: "arena", roomId: room.roomId, mode: "ffa", spectate };
  return { view: "tictactoe", roomId: room.roomId, spectate };
}
