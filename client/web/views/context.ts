import type { Room } from "@colyseus/sdk";
import type { TickroomServer } from "../../../server/app.config.ts";
import type { RoomCatalog } from "../../../shared/catalog.ts";
import type { ConnectionBanner } from "../connectionBanner.ts";
import { el } from "../elements.ts";
import { type HandedRoom, JoinedRoom, type SeatMemory } from "../joinedRoom.ts";
import { type NetStatsOverlay, PingProbe } from "../netStatsOverlay.ts";
import { ROOM_ID, type RoomRoute, type Route } from "../routes.ts";
import type { ServerLink } from "../serverLink.ts";

/** What every view gets from the page shell. */
export interface ViewContext {
  readonly link: ServerLink;
  readonly seats: SeatMemory;
  readonly banner: ConnectionBanner;
  readonly stats: NetStatsOverlay;
  /** The room types this server hosts (`GET /room-types`). */
  readonly catalog: RoomCatalog;
  /** Go to another view; a room already joined for it is handed over, not joined twice. */
  navigate(route: Route, handoff?: HandedRoom): void;
  /** Rewrite the address to the room now joined (a reload then returns to it), without re-rendering. */
  settle(route: Route): void;
  /** The room handed over by the previous view, if any (taken once). */
  takeHandoff(): HandedRoom | undefined;
}

/** The server's room type registered as `K`: makes a joined room's `send()` checked (`JoinedRoom<State, ServerRoomOf<"chat">>`). */
export type ServerRoomOf<K extends keyof TickroomServer["~rooms"]> = TickroomServer["~rooms"][K]["~room"];

/** Undo a mount: leave rooms, stop timers and frame loops, drop listeners. */
export type Unmount = () => void;

export type View<R extends Route = RoomRoute> = (container: HTMLElement, route: R, context: ViewContext) => Promise<Unmount>;

/**
 * A room type's own view: one file that exports one of these, plus one line in
 * views/registry.ts. Room types without one get the generic view.
 */
export interface GameViewEntry {
  readonly mount: View<RoomRoute>;
  /**
   * The address a joined room is shown at (`#/<type>/<address>`). @default its room id
   * (chat: its channel, known once its state has arrived)
   */
  readonly addressOf?: (joined: HandedRoom) => Promise<string>;
  /** Adjust the create form's options before a room is created (chat: name an unnamed channel). @default as entered */
  readonly prepareCreate?: (options: Record<string, unknown>) => Record<string, unknown>;
  /** The lobby's "Play now" links. @default one: `#/<type>` named by the room type's title */
  readonly quickPlay?: ReadonlyArray<{ readonly label: string; readonly route: RoomRoute }>;
  /**
   * The view shows a spectator read-only, whatever room it is handed: the replay view then
   * shows this room type's recorded matches with it. @default false: replays are shown by the generic view
   */
  readonly showsReplays?: boolean;
}

/** The key a room's seat is remembered under for reloads: `<type>/<room id or address>`. */
function seatOf(type: string, address: string): string {
  return `${type}/${address}`;
}

export interface RoomRequest {
  /** The room type. */
  readonly type: string;
  /** Join this room (a room id from the address); else join or create one. */
  readonly roomId?: string | undefined;
  /** What the view addresses this room by when not its id (chat: the channel), for the seat memory. */
  readonly address?: string;
  readonly spectate: boolean;
  /** Watch this many seconds late (a spectator only; `watchDelayOf(route)`). @default live */
  readonly delaySeconds?: number | undefined;
  /** Join options besides `spectator` and `delaySeconds`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The room a game view shows: the one handed over, else the seat this tab held before a
 * reload (by reconnection token), else a fresh join (by id, or join-or-create).
 */
export async function openRoom<S, T = unknown>(context: ViewContext, request: RoomRequest): Promise<JoinedRoom<S, T>> {
  const handoff = context.takeHandoff();
  const roomId = request.roomId !== undefined && ROOM_ID.test(request.roomId) ? request.roomId : undefined;
  if (handoff !== undefined) {
    // A replay is handed over by the replay view only, to the view of the room type it recorded.
    if (handoff.replay || (handoff.room.name === request.type && (roomId === undefined || handoff.room.roomId === roomId))) {
      handoff.keepSeat(seatOf(request.type, request.address ?? handoff.room.roomId));
      return handoff;
    }
    void handoff.leave();
  }
  const { link, seats } = context;
  const addressed = request.address ?? roomId;
  const known = addressed === undefined ? undefined : seatOf(request.type, addressed);
  const token = known === undefined ? undefined : seats.recall(known);
  if (known !== undefined && token !== undefined) {
    try {
      const room = (await link.join((client) => client.reconnect<S>(token))) as unknown as Room<T, S>;
      const joined = new JoinedRoom<S, T>(room, request.spectate, seats, { delaySeconds: request.delaySeconds });
      joined.keepSeat(known);
      return joined;
    } catch {
      // The window passed or the room is gone: join like anyone else.
      seats.forget(known);
    }
  }
  const watching = request.spectate && request.delaySeconds !== undefined ? { delaySeconds: request.delaySeconds } : {};
  const options = { ...request.options, ...(request.spectate ? { spectator: true, ...watching } : {}) };
  const room = (roomId !== undefined
    ? await link.join((client) => client.joinById<S>(roomId, options))
    : await link.join((client) => client.joinOrCreate<S>(request.type, options))) as unknown as Room<T, S>;
  const joined = new JoinedRoom<S, T>(room, request.spectate, seats, watching);
  joined.keepSeat(seatOf(request.type, request.address ?? room.roomId));
  return joined;
}

/** How this tab is in a room: playing, watching (live or late), or a replay. */
type Presence = Pick<JoinedRoom, "spectator" | "delaySeconds" | "replay">;

/** A game view's heading: its title, and how this tab watches when it only watches ("Pong (watching 30 s late)"). */
function headingOf(title: string, joined: Presence): string {
  if (joined.replay) return `${title} (replay)`;
  if (!joined.spectator) return title;
  return joined.delaySeconds === undefined ? `${title} (watching)` : `${title} (watching ${joined.delaySeconds} s late)`;
}

/** The view's `h1`: `headingOf`, kept true when the server says how late this spectator watches. */
export function headingElement(title: string, joined: Presence & Pick<JoinedRoom, "onDelayKnown">): HTMLElement {
  const heading = el("h1", {}, headingOf(title, joined));
  joined.onDelayKnown(() => {
    heading.textContent = headingOf(title, joined);
  });
  return heading;
}

/** What a spectator's view says of how it watches: a late one sees nothing until the room is that old. */
export function watchingNote(joined: Presence): string {
  if (joined.replay) return "You are watching a recording.";
  if (joined.delaySeconds === undefined) return "You are watching.";
  return `You are watching ${joined.delaySeconds} s late: the game shows here ${joined.delaySeconds} s after it happens.`;
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
