/**
 * The page's views, addressed by the URL hash so that every view has a link a player
 * can reload or share: `#/`, `#/arena[/<roomId>]`, `#/chat/<channel>`,
 * `#/tictactoe[/<roomId>]`, `#/code/<CODE>`; `?spectate` watches instead of playing and
 * `?mode=teams` picks the arena mode. Pure: parse and format only.
 */
export type Route =
  | { readonly view: "lobby" }
  | { readonly view: "arena"; readonly roomId?: string; readonly mode: "ffa" | "teams"; readonly spectate: boolean }
  | { readonly view: "chat"; readonly channel: string }
  | { readonly view: "tictactoe"; readonly roomId?: string; readonly spectate: boolean }
  | { readonly view: "code"; readonly code: string };

export type GameView = "arena" | "chat" | "tictactoe";

const ROOM_ID = /^[\w-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponentSafe);
  const params = new URLSearchParams(query);
  const spectate = params.has("spectate");
  const [view, id] = parts;
  switch (view) {
    case "arena":
      return {
        view: "arena",
        ...(id !== undefined && ROOM_ID.test(id) ? { roomId: id } : {}),
        mode: params.get("mode") === "teams" ? "teams" : "ffa",
        spectate,
      };
    case "tictactoe":
      return { view: "tictactoe", ...(id !== undefined && ROOM_ID.test(id) ? { roomId: id } : {}), spectate };
    case "chat":
      // Kept as written: the chat view says what is wrong with a name it cannot join.
      return { view: "chat", channel: id ?? "general" };
    case "code":
      return id !== undefined ? { view: "code", code: id } : { view: "lobby" };
    default:
      return { view: "lobby" };
  }
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case "lobby":
      return "#/";
    case "arena":
      return `#/arena${route.roomId !== undefined ? `/${route.roomId}` : ""}${query({ mode: route.mode === "teams" ? "teams" : undefined, spectate: route.spectate })}`;
    case "tictactoe":
      return `#/tictactoe${route.roomId !== undefined ? `/${route.roomId}` : ""}${query({ spectate: route.spectate })}`;
    case "chat":
      return `#/chat/${encodeURIComponent(route.channel)}`;
    case "code":
      return `#/code/${encodeURIComponent(route.code)}`;
  }
}

function query(params: { mode?: string | undefined; spectate?: boolean }): string {
  const parts: string[] = [];
  if (params.mode !== undefined) parts.push(`mode=${params.mode}`);
  if (params.spectate === true) parts.push("spectate");
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

function decodeURIComponentSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return "";
  }
}
