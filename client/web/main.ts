import "./styles.css";
import "./probe.ts";
import { ConnectionBanner } from "./connectionBanner.ts";
import { el } from "./elements.ts";
import { resolveEndpoint } from "./endpoint.ts";
import { type HandedRoom, SeatMemory } from "./joinedRoom.ts";
import { NetStatsOverlay } from "./netStatsOverlay.ts";
import { formatRoute, parseRoute, type Route } from "./routes.ts";
import { describeJoinError, ServerLink, ServerUnreachable } from "./serverLink.ts";
import { arenaView } from "./views/arenaView.ts";
import { chatView } from "./views/chatView.ts";
import { codeView } from "./views/codeView.ts";
import type { Unmount, View, ViewContext } from "./views/context.ts";
import { lobbyView } from "./views/lobbyView.ts";
import { ticTacToeView } from "./views/ticTacToeView.ts";
import { showUnreachable } from "./views/unreachableView.ts";

/**
 * The page shell: finds the server, keeps the header, banner and net-stats panel, and
 * mounts one view at a time from the address hash. Each view owns its room and leaves it
 * when unmounted.
 */
const VIEWS: { readonly [K in Route["view"]]: View<Extract<Route, { view: K }>> } = {
  lobby: lobbyView,
  arena: arenaView,
  chat: chatView,
  tictactoe: ticTacToeView,
  code: codeView,
};

function required<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`index.html lacks ${selector}`);
  return found;
}

const endpoint = resolveEndpoint(location, import.meta.env.DEV);
const link = new ServerLink(endpoint, { local: localStorage, session: sessionStorage });
const main = required<HTMLElement>("#view");
const serverBadge = required<HTMLElement>("#server");
const banner = new ConnectionBanner(required("#banner"), () => context.navigate({ view: "lobby" }));
const stats = new NetStatsOverlay(required("#netstats"));
window.tickroom = { endpoint: endpoint.http };

let handoff: HandedRoom | undefined;
let unmount: Unmount | undefined;
let stopRetrying: (() => void) | undefined;
let reachable = false;
let generation = 0;

const context: ViewContext = {
  link,
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
  for (const anchor of document.querySelectorAll<HTMLAnchorElement>("nav a")) anchor.classList.toggle("active", anchor.dataset.view === route.view);

  if (!reachable) {
    try {
      await link.health();
      reachable = true;
      showServer(true);
    } catch {
      if (current !== generation) return;
      showServer(false);
      stopRetrying = showUnreachable(main, endpoint.http, () => void render());
      return;
    }
  }
  main.replaceChildren(el("p", { class: "loading" }, "Loading…"));
  try {
    const mount = VIEWS[route.view] as View;
    const undo = await mount(main, route, context);
    if (current !== generation) return undo();
    unmount = undo;
    window.tickroom = { ...window.tickroom, view: route.view };
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
