import type { Room, RoomAvailable } from "@colyseus/sdk";
import type { JsonSchema, RoomTypeInfo } from "../../../shared/catalog.ts";
import { MAX_SPECTATOR_DELAY_SECONDS, NAME_MAX_LENGTH } from "../../../shared/limits.ts";
import { RANKED_GAME_NAMES, RANKED_GAMES } from "../../../shared/rankedQueue.ts";
import { joinByCode } from "../../joinByCode.ts";
import { enterQueue, type QueueTicket } from "../../queue.ts";
import { el } from "../elements.ts";
import { JoinedRoom, type WatchMode } from "../joinedRoom.ts";
import { formatRoute, type Route, roomRoute } from "../routes.ts";
import { describeJoinError } from "../serverLink.ts";
import { describeSearch, withArticle } from "../words.ts";
import type { Unmount, View } from "./context.ts";
import { markRanked } from "./ratingChange.ts";
import { myPlayerId } from "./records.ts";
import { gameViewOf, routeFor } from "./registry.ts";

/** Join options every room type has, which the create form asks for in its own way (or not at all). */
const BASE_OPTIONS = new Set(["name", "private", "spectator", "delaySeconds"]);

/** How late a spectator may choose to watch a live room, seconds (0: live). */
const WATCH_DELAYS = [0, 30, 60, MAX_SPECTATOR_DELAY_SECONDS] as const;

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
export const lobbyView: View<Route> = async (container, _route, context) => {
  const { link } = context;
  // The games: every room type the server lists publicly (chat, arena... and any a developer added).
  const games = context.catalog.roomTypes.filter((type) => type.listed);
  const gameNamed = new Map(games.map((type) => [type.name, type]));
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
  /** Run a join from the lobby and hand the room to its view; `watching`: as a spectator, so late. */
  const go = async (what: string, join: () => Promise<Room>, watching?: WatchMode): Promise<void> => {
    report(`${what}…`);
    const spectate = watching !== undefined;
    try {
      const joined = new JoinedRoom(await join(), spectate, context.seats, watching);
      context.navigate(await routeFor(joined, spectate), joined);
    } catch (error) {
      report(`${what} failed: ${describeJoinError(error)}`, true);
    }
  };

  const join = (room: RoomAvailable<Listing>): void => {
    void go("Joining", () => link.join((client) => client.joinById(room.roomId, {})));
  };
  const watch = (room: RoomAvailable<Listing>, delaySeconds: number): void => {
    const late = delaySeconds > 0 ? { delaySeconds } : {};
    void go(
      delaySeconds > 0 ? `Joining as a spectator ${delaySeconds} s late` : "Joining as a spectator",
      () => link.join((client) => client.joinById(room.roomId, { spectator: true, ...late })),
      late,
    );
  };
  // Each room's delay choice, kept across the list's redraws (every change to any room redraws it).
  const delays = new Map<string, number>();
  const rowActions: RowActions = {
    join,
    watch,
    delayOf: (roomId) => delays.get(roomId) ?? 0,
    chooseDelay: (roomId, seconds) => {
      delays.set(roomId, seconds);
    },
  };

  const rooms = new Map<string, RoomAvailable<Listing>>();
  const tableBody = el("tbody");
  const empty = el("p", { class: "muted", "data-testid": "no-rooms" }, "No public rooms right now. Start one!");
  const renderRooms = (): void => {
    empty.hidden = rooms.size > 0;
    tableBody.replaceChildren(...[...rooms.values()].map((room) => roomRow(room, gameNamed.get(room.name), rowActions)));
    for (const roomId of delays.keys()) if (!rooms.has(roomId)) delays.delete(roomId);
  };
  // colyseus-internal: lobby-room-internals
  lobby.onMessage("rooms", (list: RoomAvailable<Listing>[]) => {
    rooms.clear();
    for (const room of list) if (gameNamed.has(room.name)) rooms.set(room.roomId, room);
    renderRooms();
  });
  lobby.onMessage("+", ([roomId, room]: [string, RoomAvailable<Listing>]) => {
    if (!gameNamed.has(room.name)) return;
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
  // Your ratings and matches: the profile of the player the guest token names (set by the lobby's join above).
  const profileLink = el("a", { "data-testid": "my-profile" }, "Your profile");
  const showProfileLink = (): void => {
    const me = myPlayerId(link);
    profileLink.hidden = me === undefined;
    if (me !== undefined) profileLink.href = formatRoute({ view: "profile", id: me });
  };
  showProfileLink();
  nameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (name === "") return;
    link.rename(name).then(
      () => {
        showProfileLink();
        report(`You are now ${name}.`);
      },
      (error: unknown) => report(describeJoinError(error), true),
    );
  });

  // Quick play: each game's own links, or one that joins or creates a room of its type.
  const quick = el(
    "div",
    { class: "row" },
    ...games.flatMap((type) =>
      (gameViewOf(type.name).quickPlay ?? [{ label: type.title, route: roomRoute(type.name) }]).map(({ label, route }) =>
        el("a", { class: "button", href: formatRoute(route), "data-testid": `play-${type.name}` }, label),
      ),
    ),
  );

  // Create: the type, its own join options (a field each, from its schema), private or not.
  const typeSelect = el("select", { name: "type", "aria-label": "Room type" }, ...games.map((type) => el("option", { value: type.name }, type.title)));
  const privateBox = el("input", { type: "checkbox", name: "private" });
  const privateLabel = el("label", {}, privateBox, " private (join by code)");
  const ownFields = el("span", { class: "options" });
  let readOwnOptions: () => Record<string, unknown> = () => ({});
  const showOptions = (): void => {
    const type = gameNamed.get(typeSelect.value);
    privateLabel.hidden = type?.privateRooms !== true;
    const fields = type === undefined ? [] : optionFields(type.joinOptions);
    ownFields.replaceChildren(...fields.map((field) => field.element));
    readOwnOptions = () => Object.fromEntries(fields.flatMap((field) => field.read()));
  };
  typeSelect.addEventListener("change", showOptions);
  showOptions();
  const createForm = el(
    "form",
    { class: "row", "data-testid": "create-form" },
    typeSelect,
    ownFields,
    privateLabel,
    el("button", { type: "submit" }, "Create"),
  );
  createForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const type = gameNamed.get(typeSelect.value);
    if (type === undefined) return;
    const secret = type.privateRooms && privateBox.checked;
    const options = gameViewOf(type.name).prepareCreate?.({ ...readOwnOptions() }) ?? readOwnOptions();
    void go(`Creating ${withArticle(`${secret ? "private " : ""}${type.title.toLowerCase()}`)} room`, () =>
      link.join((client) => client.create(type.name, { ...options, ...(secret ? { private: true } : {}) })),
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
  // The ranked games table, less any game this server does not host.
  const rankedGames = RANKED_GAME_NAMES.filter((game) => context.catalog.roomTypes.some((type) => type.name === game));
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
    const title = context.catalog.roomTypes.find((type) => type.name === game)?.title ?? game;
    const looking = `Looking for ${withArticle(title.toLowerCase())} match`;
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
        // The queue makes ranked matches: the game view shows the rating change at the end.
        markRanked(joined);
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
        card("You", nameForm, el("p", { class: "row profile-links" }, profileLink, el("a", { href: formatRoute({ view: "leaderboards" }) }, "Leaderboards"))),
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

/** What a row of the room list does. */
interface RowActions {
  join(room: RoomAvailable<Listing>): void;
  watch(room: RoomAvailable<Listing>, delaySeconds: number): void;
  delayOf(roomId: string): number;
  chooseDelay(roomId: string, seconds: number): void;
}

function roomRow(room: RoomAvailable<Listing>, type: RoomTypeInfo | undefined, actions: RowActions): HTMLTableRowElement {
  const listing = room.metadata ?? {};
  const detail = [listing.mode, listing.region, room.name === "chat" ? `#${listing.channel ?? ""}` : undefined]
    .filter((part) => part !== undefined && part !== "")
    .join(" · ");
  const players = listing.players ?? room.clients;
  // A room with a phase takes players only while waiting; others while a seat is free.
  const closed = listing.status === "full" || (type?.phase !== undefined && listing.status !== "waiting");
  const join = el("button", { disabled: closed ? true : undefined }, "Join");
  join.addEventListener("click", () => actions.join(room));
  const watchable = (type?.maxSpectators ?? 0) > 0;
  const watch = el("button", { disabled: watchable ? undefined : true }, "Watch");
  const chosen = actions.delayOf(room.roomId);
  const delay = el(
    "select",
    { name: "delay", "aria-label": "How late to watch", "data-testid": "watch-delay", disabled: watchable ? undefined : true },
    ...WATCH_DELAYS.map((seconds) =>
      el("option", { value: seconds, selected: seconds === chosen ? true : undefined }, seconds === 0 ? "live" : `${seconds} s late`),
    ),
  );
  delay.addEventListener("change", () => actions.chooseDelay(room.roomId, Number(delay.value)));
  watch.addEventListener("click", () => actions.watch(room, Number(delay.value)));
  return el(
    "tr",
    { "data-room-id": room.roomId, "data-room-type": room.name },
    el("td", {}, el("strong", {}, type?.title ?? room.name), detail ? ` ${detail}` : ""),
    el("td", {}, `${players}/${listing.maxPlayers ?? room.maxClients}`),
    el("td", {}, String(listing.spectators ?? 0)),
    el("td", {}, listing.status ?? ""),
    el("td", { class: "actions" }, join, watch, delay),
  );
}

/** One create-form field for a room type's own join option, and how to read what was entered. */
interface OptionField {
  readonly element: HTMLElement;
  /** `[key, value]` when the player entered something, else nothing (the room type's default applies). */
  read(): Array<[string, unknown]>;
}

/**
 * Fields for a room type's own join options, from their JSON Schema: a choice for an
 * enum, a box for a boolean, a number field within its bounds, a text field otherwise.
 * What the server will refuse is its to say (400 with the reason, shown in the status line).
 */
function optionFields(schema: JsonSchema): OptionField[] {
  const fields: OptionField[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (BASE_OPTIONS.has(key)) continue;
    const label = (control: HTMLElement): HTMLElement => el("label", { class: "option" }, `${key} `, control);
    if (property.enum !== undefined) {
      const select = el(
        "select",
        { name: key },
        ...property.enum.map((value) => el("option", { value: String(value), selected: value === property.default ? true : undefined }, String(value))),
      );
      fields.push({ element: label(select), read: () => [[key, property.enum!.find((value) => String(value) === select.value)]] });
    } else if (property.type === "boolean") {
      const box = el("input", { type: "checkbox", name: key, checked: property.default === true ? true : undefined });
      fields.push({ element: label(box), read: () => [[key, box.checked]] });
    } else if (property.type === "integer" || property.type === "number") {
      const input = el("input", {
        type: "number",
        name: key,
        min: property.minimum,
        max: property.maximum,
        step: property.type === "integer" ? 1 : "any",
        value: typeof property.default === "number" ? property.default : undefined,
      });
      fields.push({ element: label(input), read: () => (input.value === "" ? [] : [[key, Number(input.value)]]) });
    } else {
      const input = el("input", {
        name: key,
        maxlength: property.maxLength,
        placeholder: typeof property.default === "string" && property.default !== "" ? property.default : key,
      });
      fields.push({ element: label(input), read: () => (input.value.trim() === "" ? [] : [[key, input.value.trim()]]) });
    }
  }
  return fields;
}

function card(title: string, ...body: Node[]): HTMLElement {
  return el("div", { class: "card" }, el("h3", {}, title), ...body);
}
