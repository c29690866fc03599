import "./styles.css";
import "./probe.ts";
import type { RoomCatalog } from "../../shared/catalog.ts";
import { ConnectionBanner } from "./connectionBanner.ts";
import { el } from "./elements.ts";
import { resolveEndpoint } from "./endpoint.ts";
import { type HandedRoom, SeatMemory } from "./joinedRoom.ts";
import { NetStatsOverlay } from "./netStatsOverlay.ts";
import { formatRoute, parseRoute, type Route } from "./routes.ts";
import { describeJoinError, ServerLink, ServerUnreachable } from "./serverLink.ts";
import { codeView } from "./views/codeView.ts";
import type { Unmount, View, ViewContext } from "./views/context.ts";
import { leaderboardView } from "./views/leaderboardView.ts";
import { lobbyView } from "./views/lobbyView.ts";
import { profileView } from "./views/profileView.ts";
import { gameViewOf } from "./views/registry.ts";
import { replayView } from "./views/replayView.ts";
import { showUnreachable } from "./views/unreachableView.ts";

/**
 * The page shell: finds the server and the room types it hosts, keeps the header, banner
 * and net-stats panel, and mounts one view at a time from the address hash: the lobby, a
 * join link, a leaderboard, a player's profile, a replay, or a room, shown by its type's own view (views/registry.ts) or the generic one.
 * Each view owns its room and leaves it when unmounted.
 */
function viewOf(route: Route): View<Route> {
  switch (route.view) {
    case "lobby":
      return lobbyView as View<Route>;
    case "code":
      return codeView as View<Route>;
    case "leaderboards":
      return leaderboardView as View<Route>;
    case "profile":
      return profileView as View<Route>;
    case "replay":
      return replayView as View<Route>;
    case "room":
      return gameViewOf(route.type).mount as View<Route>;
  }
}

/** The name a view goes by in `window.tickroom.view` and the nav: a room's type, else the view. */
const viewName = (route: Route): string => (route.view === "room" ? route.type : route.view);

function required<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`index.html lacks ${selector}`);
  return found;
}

const endpoint = resolveEndpoint(location, import.meta.env.DEV);
const link = new ServerLink(endpoint, { local: localStorage, session: sessionStorage });
const main = required<HTMLElement>("#view");
const serverBadge = required<HTMLElement>("#server");
const nav = required<HTMLElement>("#games");
const banner = new ConnectionBanner(required("#banner"), () => context.navigate({ view: "lobby" }));
const stats = new NetStatsOverlay(required("#netstats"));
window.tickroom = { endpoint: endpoint.http };

let handoff: HandedRoom | undefined;
let unmount: Unmount | undefined;
let stopRetrying: (() => void) | undefined;
let reachable = false;
let catalog: RoomCatalog = { roomTypes: [] };
let generation = 0;

const context: ViewContext = {
  link,
  get catalog() {
    return catalog;
  },
  seats: new SeatMemory(sessionStorage),
  banner,
  stats,
  navigate(route, room) {
    handoff = room;
    const hash = formatRoute(route);
    if (location.hash === hash) void render();
    else location.hash = hash;
  },
  settle(route) {
    const hash = formatRoute(route);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  },
  takeHandoff() {
    const taken = handoff;
    handoff = undefined;
    return taken;
  },
};

/** One link per room type whose rooms are listed (the games a player picks from), between the lobby and the leaderboards. */
function showGames(): void {
  const links = catalog.roomTypes
    .filter((type) => type.listed)
    .map((type) =>
      el(
        "a",
        {
          href: formatRoute(gameViewOf(type.name).quickPlay?.[0]?.route ?? { view: "room", type: type.name, spectate: false, query: {} }),
          "data-view": type.name,
        },
        type.title,
      ),
    );
  nav.replaceChildren(
    el("a", { href: "#/", "data-view": "lobby" }, "Lobby"),
    ...links,
    el("a", { href: formatRoute({ view: "leaderboards" }), "data-view": "leaderboards" }, "Leaderboards"),
  );
}

function showServer(online: boolean): void {
  serverBadge.dataset.online = String(online);
  serverBadge.replaceChildren(el("span", { class: "dot" }), ` ${endpoint.http.replace(/^https?:\/\//, "")}`);
  serverBadge.title = online ? "Connected to this server" : "This server does not answer";
}

async function render(): Promise<void> {
  const current = ++generation;
  unmount?.();
  unmount = undefined;
  stopRetrying?.();
  stopRetrying = undefined;
  window.tickroom = { ...window.tickroom, view: undefined };
  const route = parseRoute(location.hash);

  if (!reachable) {
    try {
      await link.health();
      catalog = await link.roomTypes();
      reachable = true;
      showServer(true);
      showGames();
    } catch {
      if (current !== generation) return;
      showServer(false);
      stopRetrying = showUnreachable(main, endpoint.http, () => void render());
      return;
    }
  }
  for (const anchor of nav.querySelectorAll<HTMLAnchorElement>("a")) anchor.classList.toggle("active", anchor.dataset.view === viewName(route));
  main.replaceChildren(el("p", { class: "loading" }, "Loading…"));
  try {
    const undo = await viewOf(route)(main, route, context);
    if (current !== generation) return undo();
    unmount = undo;
    window.tickroom = { ...window.tickroom, view: viewName(route) };
  } catch (error) {
    if (current !== generation) return;
    if (error instanceof ServerUnreachable) {
      reachable = false;
      return render();
    }
    main.replaceChildren(
      el(
        "section",
        { class: "failure", "data-view": "failure", "data-testid": "failure" },
        el("h1", {}, "That did not work"),
        el("p", { role: "alert" }, describeJoinError(error)),
        el("a", { class: "button", href: "#/" }, "Back to the lobby"),
      ),
    );
  } finally {
    // A room handed to a view that never took it (the player navigated away meanwhile).
    if (current === generation && handoff !== undefined) {
      void handoff.leave();
      handoff = undefined;
    }
  }
}

showServer(false);
addEventListener("hashchange", () => void render());
void render();
