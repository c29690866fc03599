import { MAX_SPECTATOR_DELAY_SECONDS } from "../../shared/limits.ts";

/**
 * The page's views, addressed by the URL hash so that every view has a link a player can
 * reload or share: `#/` (the lobby), `#/code/<CODE>` (a shared join link),
 * `#/leaderboards[/<game>]` (a ranked game's leaderboard), `#/players/<id>` (a player's
 * profile), `#/replay/<matchId>` (a recorded match played back), and
 * `#/<roomType>[/<address>][?spectate][&key=value...]` for a room of any room type the server
 * hosts (`code`, `leaderboards`, `players` and `replay` are reserved, not room types).
 * The address is a room id, unless the room type's view addresses its rooms otherwise (chat: `#/chat/<channel>`); the query carries view options (`?mode=teams`
 * picks the arena mode), `spectate` watches instead of playing, and `delay=<seconds>` with it
 * watches that late. Pure: parse and format only.
 */
export type Route =
  | { readonly view: "lobby" }
  | { readonly view: "code"; readonly code: string }
  | LeaderboardRoute
  | { readonly view: "profile"; readonly id: string }
  | { readonly view: "replay"; readonly matchId: string }
  | RoomRoute;

/** A ranked game's leaderboard; without a game, the first ranked game the server hosts. */
export interface LeaderboardRoute {
  readonly view: "leaderboards";
  readonly game?: string;
}

/** A room of one room type: its view (custom or generic) decides what the address and query mean. */
export interface RoomRoute {
  readonly view: "room";
  /** The registered room type ("arena", "pong", a developer's own). */
  readonly type: string;
  /** The second path segment, decoded and kept as written: a room id, or what the view addresses rooms by. */
  readonly address?: string;
  readonly spectate: boolean;
  /** The other query parameters, in the order written. */
  readonly query: Readonly<Record<string, string>>;
}

/** What a room type's name may be in an address (Colyseus room names are free-form; ours are words). */
const ROOM_TYPE = /^[\w-]{1,64}$/;
/** What a Colyseus room id looks like: a room address that is not one is dropped (join anew instead). */
export const ROOM_ID = /^[\w-]{1,64}$/;

/** The room route for `type`: no address, no options. */
export function roomRoute(type: string, more: Partial<Omit<RoomRoute, "view" | "type">> = {}): RoomRoute {
  return { view: "room", type, spectate: false, query: {}, ...more };
}

export function parseRoute(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponentSafe);
  const [first, address] = parts;
  if (first === undefined || first === "" || parts.length > 2) return { view: "lobby" };
  if (first === "code") return address !== undefined && address !== "" ? { view: "code", code: address } : { view: "lobby" };
  if (first === "leaderboards") return address !== undefined && ROOM_TYPE.test(address) ? { view: "leaderboards", game: address } : { view: "leaderboards" };
  if (first === "players") return address !== undefined && address !== "" ? { view: "profile", id: address } : { view: "lobby" };
  if (first === "replay") return address !== undefined && address !== "" ? { view: "replay", matchId: address } : { view: "lobby" };
  if (!ROOM_TYPE.test(first)) return { view: "lobby" };
  const params = new URLSearchParams(search);
  const query: Record<string, string> = {};
  for (const [key, value] of params) if (key !== "spectate") query[key] = value;
  return { view: "room", type: first, ...(address !== undefined && address !== "" ? { address } : {}), spectate: params.has("spectate"), query };
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case "lobby":
      return "#/";
    case "code":
      return `#/code/${encodeURIComponent(route.code)}`;
    case "leaderboards":
      return route.game === undefined ? "#/leaderboards" : `#/leaderboards/${encodeURIComponent(route.game)}`;
    case "profile":
      return `#/players/${encodeURIComponent(route.id)}`;
    case "replay":
      return `#/replay/${encodeURIComponent(route.matchId)}`;
    case "room": {
      const parts = Object.entries(route.query).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
      if (route.spectate) parts.push("spectate");
      const address = route.address !== undefined ? `/${encodeURIComponent(route.address)}` : "";
      return `#/${route.type}${address}${parts.length === 0 ? "" : `?${parts.join("&")}`}`;
    }
  }
}

/** How late a spectator's route asks to watch (`?spectate&delay=30`): whole seconds the server accepts, else undefined (live). */
export function watchDelayOf(route: RoomRoute): number | undefined {
  const seconds = Number(route.query.delay);
  return route.spectate && Number.isInteger(seconds) && seconds > 0 && seconds <= MAX_SPECTATOR_DELAY_SECONDS ? seconds : undefined;
}

function decodeURIComponentSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return "";
  }
}
