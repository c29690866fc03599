import type { Room, RoomAvailable } from "@colyseus/sdk";
import { CHANNEL_INPUT_PATTERN, CHANNEL_MAX_LENGTH, NAME_MAX_LENGTH } from "../../../shared/limits.ts";
import { RANKED_GAME_NAMES, RANKED_GAMES } from "../../../shared/rankedQueue.ts";
import { joinByCode } from "../../joinByCode.ts";
import { enterQueue, type QueueStatus, type QueueTicket } from "../../queue.ts";
import { el } from "../elements.ts";
import { JoinedRoom } from "../joinedRoom.ts";
import type { GameView } from "../routes.ts";
import { describeJoinError } from "../serverLink.ts";
import { routeFor, type Unmount, type View } from "./context.ts";

const GAME_VIEWS: readonly GameView[] = ["arena", "tictactoe", "chat"];
const TITLES: Readonly<Record<GameView, string>> = { arena: "Arena", tictactoe: "Tic-tac-toe", chat: "Chat" };

interface Listing {
  readonly type?: string;
  readonly status?: string;
  readonly players?: number;
  readonly maxPlayers?: number;
  readonly spectators?: number;
  readonly mode?: string;
  readonly region?: string;
  readonly channel?: string;
}

/**
 * The lobby: who you are, quick play, create a public or private room, join by code, the
 * ranked queue, and the live list of rooms (Colyseus's lobby room: "rooms", "+", "-").
 */
export const lobbyView: View = async (container, _route, context) => {
  const { link } = context;
  const lobby = await link.join((client) => client.joinOrCreate("lobby", {}));
  const cleanups: Array<() => void> = [
    () => {
      void lobby.leave();
    },
  ];

  const status = el("p", { class: "status", role: "status", "data-testid": "lobby-status" });
  const report = (text: string, error = false): void => {
    status.textContent = text;
    status.classList.toggle("error", error);
  };
  /** Run a join from the lobby and hand the room to its view. */
  const go = async (what: string, join: () => Promise<Room>, spectate = false): Promise<void> => {
    report(`${what}…`);
    try {
      const joined = new JoinedRoom(await join(), spectate, context.seats);
      context.navigate(await routeFor(joined, spectate), joined);
    } catch (error) {
      report(`${what} failed: ${describeJoinError(error)}`, true);
    }
  };

  const act = (room: RoomAvailable<Listing>, spectate: boolean): void => {
    void go(
      spectate ? "Joining as a spectator" : "Joining",
      () => link.join((client) => client.joinById(room.roomId, spectate ? { spectator: true } : {})),
      spectate,
    );
  };

  const rooms = new Map<string, RoomAvailable<Listing>>();
  const tableBody = el("tbody");
  const empty = el("p", { class: "muted", "data-testid": "no-rooms" }, "No public rooms right now. Start one!");
  const renderRooms = (): void => {
    empty.hidden = rooms.size > 0;
    tableBody.replaceChildren(...[...rooms.values()].map((room) => roomRow(room, act)));
  };
  // colyseus-internal: lobby-room-internals
  lobby.onMessage("rooms", (list: RoomAvailable<Listing>[]) => {
    rooms.clear();
    for (const room of list) if (GAME_VIEWS.includes(room.name as GameView)) rooms.set(room.roomId, room);
    renderRooms();
  });
  lobby.onMessage("+", ([roomId, room]: [string, RoomAvailable<Listing>]) => {
    if (!GAME_VIEWS.includes(room.name as GameView)) return;
    rooms.set(roomId, room);
    renderRooms();
  });
  lobby.onMessage("-", (roomId: string) => {
    rooms.delete(roomId);
    renderRooms();
  });
  renderRooms();

  // Who you are.
  const nameInput = el("input", { name: "name", value: link.name, maxlength: NAME_MAX_LENGTH, required: true, "aria-label": "Your name" });
  const nameForm = el("form", { class: "row" }, nameInput, el("button", { type: "submit" }, "Save name"));
  nameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (name === "") return;
    link.rename(name).then(
      () => report(`You are now ${name}.`),
      (error: unknown) => report(describeJoinError(error), true),
    );
  });

  // Quick play.
  const quick = el(
    "div",
    { class: "row" },
    el("a", { class: "button", href: "#/arena", "data-testid": "play-arena" }, "Arena (free-for-all)"),
    el("a", { class: "button", href: "#/arena?mode=teams" }, "Arena (teams)"),
    el("a", { class: "button", href: "#/tictactoe", "data-testid": "play-tictactoe" }, "Tic-tac-toe"),
    el("a", { class: "button", href: "#/chat/general", "data-testid": "play-chat" }, "Chat #general"),
  );

  // Create.
  const typeSelect = el("select", { name: "type", "aria-label": "Room type" }, ...GAME_VIEWS.map((view) => el("option", { value: view }, TITLES[view])));
  const privateBox = el("input", { type: "checkbox", name: "private" });
  const channelInput = el("input", {
    name: "channel",
    placeholder: "channel",
    maxlength: CHANNEL_MAX_LENGTH,
    pattern: CHANNEL_INPUT_PATTERN,
    hidden: true,
    "aria-label": "Channel",
  });
  typeSelect.addEventListener("change", () => {
    channelInput.hidden = typeSelect.value !== "chat";
  });
  const createForm = el(
    "form",
    { class: "row", "data-testid": "create-form" },
    typeSelect,
    channelInput,
    el("label", {}, privateBox, " private (join by code)"),
    el("button", { type: "submit" }, "Create"),
  );
  createForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const view = typeSelect.value as GameView;
    const options: Record<string, unknown> = { private: privateBox.checked };
    if (view === "chat") options.channel = channelInput.value.trim() || `room-${Math.floor(Math.random() * 1e6)}`;
    void go(`Creating ${withArticle(`${privateBox.checked ? "private " : ""}${TITLES[view].toLowerCase()}`)} room`, () =>
      link.join((client) => client.create(view, options)),
    );
  });

  // Join by code.
  const codeInput = el("input", { name: "code", placeholder: "ABC123", maxlength: 9, autocomplete: "off", "aria-label": "Join code" });
  const codeForm = el("form", { class: "row", "data-testid": "code-form" }, codeInput, el("button", { type: "submit" }, "Join"));
  codeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = codeInput.value.trim();
    if (code !== "") void go(`Joining ${code}`, () => link.join((client) => joinByCode(client, code)));
  });

  // Ranked queue.
  let ticket: QueueTicket | undefined;
  // The ranked games table, less any game this page has no view for yet.
  const rankedGames = RANKED_GAME_NAMES.filter((game) => (GAME_VIEWS as readonly string[]).includes(game));
  const queueGame = el(
    "select",
    { name: "game", "aria-label": "Game to queue for" },
    ...rankedGames.map((game) => el("option", { value: game }, RANKED_GAMES[game].label)),
  );
  const queueButton = el("button", { type: "submit", "data-testid": "queue-button" }, "Find a match");
  const queueForm = el("form", { class: "row" }, queueGame, queueButton);
  queueForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (ticket !== undefined) {
      void ticket.cancel();
      return;
    }
    const game = rankedGames.find((name) => name === queueGame.value);
    if (game === undefined) return;
    const looking = `Looking for ${withArticle(TITLES[game as GameView].toLowerCase())} match`;
    report(`${looking}…`);
    queueButton.textContent = "Cancel search";
    let waited: ReturnType<typeof setInterval> | undefined;
    const stopWaiting = (): void => clearInterval(waited);
    cleanups.push(stopWaiting);
    link
      .join(async (client) => {
        const entered = await enterQueue(client, { game });
        ticket = entered;
        const show = (): void => report(`${looking}: ${describeSearch(entered.status(), performance.now())}`);
        entered.onStatus(show);
        waited = setInterval(show, 1000);
        return entered.queue;
      })
      .then(() => ticket!.match)
      .then(async ({ room }) => {
        stopWaiting();
        ticket = undefined;
        const joined = new JoinedRoom(room, false, context.seats);
        context.navigate(await routeFor(joined, false), joined);
      })
      .catch((error: unknown) => {
        stopWaiting();
        ticket = undefined;
        queueButton.textContent = "Find a match";
        report(`Queue: ${describeJoinError(error)}`, true);
      });
  });
  cleanups.push(() => {
    void ticket?.cancel();
  });

  container.replaceChildren(
    el(
      "section",
      { class: "lobby", "data-view": "lobby" },
      el("h1", {}, "Lobby"),
      status,
      el(
        "div",
        { class: "cards" },
        card("You", nameForm),
        card("Play now", quick),
        card("Create a room", createForm),
        card("Join a private room", codeForm),
        card("Ranked queue", queueForm),
      ),
      el("h2", {}, "Live rooms"),
      el(
        "table",
        { class: "rooms", "data-testid": "room-list" },
        el("thead", {}, el("tr", {}, ...["Room", "Players", "Spectators", "Status", ""].map((title) => el("th", {}, title)))),
        tableBody,
      ),
      empty,
    ),
  );

  const unmount: Unmount = () => {
    for (const cleanup of cleanups) cleanup();
  };
  return unmount;
};

function roomRow(room: RoomAvailable<Listing>, act: (room: RoomAvailable<Listing>, spectate: boolean) => void): HTMLTableRowElement {
  const listing = room.metadata ?? {};
  const view = room.name as GameView;
  const detail = [listing.mode, listing.region, view === "chat" ? `#${listing.channel ?? ""}` : undefined]
    .filter((part) => part !== undefined && part !== "")
    .join(" · ");
  const players = listing.players ?? room.clients;
  const join = el("button", { disabled: listing.status === "full" || (view === "tictactoe" && listing.status !== "waiting") ? true : undefined }, "Join");
  join.addEventListener("click", () => act(room, false));
  const watch = el("button", { disabled: view === "chat" ? true : undefined }, "Watch");
  watch.addEventListener("click", () => act(room, true));
  return el(
    "tr",
    { "data-room-id": room.roomId, "data-room-type": view },
    el("td", {}, el("strong", {}, TITLES[view] ?? view), detail ? ` ${detail}` : ""),
    el("td", {}, `${players}/${listing.maxPlayers ?? room.maxClients}`),
    el("td", {}, String(listing.spectators ?? 0)),
    el("td", {}, listing.status ?? ""),
    el("td", { class: "actions" }, join, watch),
  );
}

function card(title: string, ...body: Node[]): HTMLElement {
  return el("div", { class: "card" }, el("h3", {}, title), ...body);
}

/** "an arena", "a tic-tac-toe": the article English wants before `word`. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}

/** "1 of 2 players here, 0:07 waited": how a search stands, for the player waiting. */
export function describeSearch(status: QueueStatus, now: number): string {
  const seconds = Math.max(0, Math.floor((now - status.since) / 1000));
  const waited = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} waited`;
  if (status.playersPerMatch === 0) return waited;
  const here = Math.min(status.waiting, status.playersPerMatch);
  return `${here} of ${status.playersPerMatch} players here, ${waited}`;
}
