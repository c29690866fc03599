import type { JsonSchema, RoomTypeInfo } from "../../../shared/catalog.ts";
import type { RoomError } from "../../../shared/errors.ts";
import { el } from "../elements.ts";
import { watchDelayOf } from "../routes.ts";
import { followRoom, headingElement, openRoom, type View } from "./context.ts";

/** What the page exposes of a room shown by the generic view, for devtools and the browser tests. */
export interface GenericProbe {
  readonly type: string;
  readonly sessionId: string;
  /** The room's state as plain JSON, as last drawn. */
  state(): unknown;
}

/** Past this many characters the state tree is cut: a page that freezes on a big state helps nobody. */
const STATE_TEXT_LIMIT = 20_000;
/** The state tree is redrawn at most this often. */
const REDRAW_MS = 250;
/** Messages from the server kept on screen. */
const RECEIVED_KEPT = 20;

/**
 * A payload that satisfies `schema`, to start from in the message box: each property's
 * default, else the smallest value its bounds allow (a string of its minimum length).
 * Optional properties are left out. Pure.
 */
export function examplePayload(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return schema.enum[0];
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (choice !== undefined) return examplePayload(choice);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const example: Record<string, unknown> = {};
      for (const key of schema.required ?? []) {
        const property = schema.properties?.[key];
        if (property !== undefined) example[key] = examplePayload(property);
      }
      return example;
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
    case "boolean":
      return false;
    case "string":
      return "a".repeat(schema.minLength ?? 0);
    case "null":
      return null;
    default:
      return {};
  }
}

/** The members of a room whose type declares its player entities: name (if the entity has one), and whether connected. */
function membersOf(state: unknown, field: string | undefined): Array<{ id: string; name: string; connected: boolean }> {
  if (field === undefined || typeof state !== "object" || state === null) return [];
  const entities = (state as Record<string, unknown>)[field];
  if (typeof entities !== "object" || entities === null) return [];
  return Object.entries(entities as Record<string, unknown>).map(([id, entity]) => {
    const fields = (typeof entity === "object" && entity !== null ? entity : {}) as { name?: unknown; connected?: unknown };
    return { id, name: typeof fields.name === "string" ? fields.name : id, connected: fields.connected !== false };
  });
}

/**
 * Any room type with no view of its own: its state tree as it changes, its members (from
 * the declared player entities), a box to send each message it declares (payload checked
 * as JSON here, validated by the room on arrival: a refusal shows as its `error`), and what
 * the room sends back. A developer sees a new room type working before writing any UI.
 */
export const genericView: View = async (container, route, context) => {
  const info: RoomTypeInfo | undefined = context.catalog.roomTypes.find((type) => type.name === route.type);
  if (info === undefined) {
    const known = context.catalog.roomTypes.filter((type) => type.listed).map((type) => type.name);
    throw new Error(`this server has no room type "${route.type}" (it hosts ${known.join(", ")})`);
  }
  const joined = await openRoom<object>(context, {
    type: info.name,
    roomId: route.address,
    spectate: route.spectate,
    delaySeconds: watchDelayOf(route),
    options: {},
  });
  const { room } = joined;
  context.settle({ ...route, address: room.roomId, spectate: joined.spectator });

  const tree = el("pre", { class: "state-tree", "data-testid": "state-tree" });
  const members = el("ul", { class: "members", "data-testid": "members" });
  const received = el("ol", { class: "received", "data-testid": "received" });
  const notice = el("p", { class: "notice", role: "alert", "data-testid": "send-error" });
  let plain: unknown = {};

  const render = (): void => {
    plain = (room.state as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? {};
    const text = JSON.stringify(plain, null, 2);
    tree.textContent = text.length > STATE_TEXT_LIMIT ? `${text.slice(0, STATE_TEXT_LIMIT)}\n… (cut at ${STATE_TEXT_LIMIT} characters)` : text;
    const list = membersOf(plain, info.entities);
    members.replaceChildren(
      ...(list.length === 0
        ? [el("li", { class: "muted" }, info.entities === undefined ? "This room type declares no player entities." : "No one yet.")]
        : list.map((member) =>
            el(
              "li",
              { class: member.id === room.sessionId ? "me" : undefined },
              member.name,
              member.id === room.sessionId ? " (you)" : "",
              member.connected ? "" : " (reconnecting)",
            ),
          )),
    );
  };
  // A real-time room patches 20 times a second: redrawing its whole tree at most 4 times a
  // second keeps the page responsive whatever the state's size.
  let due: ReturnType<typeof setTimeout> | undefined;
  let drawnAt = 0;
  room.onStateChange(() => {
    if (due !== undefined) return;
    due = setTimeout(
      () => {
        due = undefined;
        drawnAt = performance.now();
        render();
      },
      Math.max(0, drawnAt + REDRAW_MS - performance.now()),
    );
  });

  const log = (kind: string, payload: unknown): void => {
    const line = el("li", { class: kind === "error" ? "error" : undefined }, el("strong", {}, kind), " ", JSON.stringify(payload) ?? "");
    received.prepend(line);
    while (received.children.length > RECEIVED_KEPT) received.lastElementChild?.remove();
  };
  room.onMessage("error", (error: RoomError) => log("error", error));
  room.onMessage("*", (type: string | number, payload: unknown) => {
    if (type !== "error") log(String(type), payload);
  });

  const types = Object.keys(info.messages);
  const typeSelect = el("select", { name: "type", "aria-label": "Message type" }, ...types.map((type) => el("option", { value: type }, type)));
  const payload = el("textarea", { name: "payload", rows: 4, spellcheck: "false", "aria-label": "Payload (JSON)" });
  const prefill = (): void => {
    const schema = info.messages[typeSelect.value];
    payload.value = schema === undefined ? "{}" : JSON.stringify(examplePayload(schema));
  };
  typeSelect.addEventListener("change", prefill);
  prefill();
  const form = el(
    "form",
    { class: "send", "data-testid": "send-form" },
    el("div", { class: "row" }, typeSelect, el("button", { type: "submit", disabled: joined.spectator || types.length === 0 ? true : undefined }, "Send")),
    payload,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = payload.value.trim() === "" ? undefined : JSON.parse(payload.value);
    } catch (error) {
      notice.textContent = `Not sent: the payload is not JSON (${error instanceof Error ? error.message : String(error)}).`;
      return;
    }
    notice.textContent = "";
    (room.send as (type: string, message?: unknown) => void)(typeSelect.value, parsed);
    log(`sent ${typeSelect.value}`, parsed);
  });

  const unfollow = followRoom(joined, context);
  const probe: GenericProbe = { type: info.name, sessionId: room.sessionId, state: () => plain };
  window.tickroom = { ...window.tickroom, room: probe };

  const limits = `${info.maxPlayers} players${info.maxSpectators > 0 ? `, ${info.maxSpectators} spectators` : ""}${info.realtime !== undefined ? `, ${info.realtime.tickRate} Hz` : ""}`;
  container.replaceChildren(
    el(
      "section",
      { class: "generic", "data-view": "generic", "data-room-type": info.name },
      headingElement(info.title, joined),
      el(
        "p",
        { class: "muted" },
        `${limits}. This room type has no view of its own yet, so the page shows it as data: add one in client/web/views/ (one file, one line in registry.ts).`,
      ),
      el(
        "div",
        { class: "generic-layout" },
        el("div", {}, el("h3", {}, "State"), tree),
        el(
          "aside",
          {},
          el("h3", {}, "Members"),
          members,
          el("h3", {}, "Send a message"),
          types.length === 0 ? el("p", { class: "muted" }, "This room type declares no messages.") : form,
          notice,
          el("h3", {}, "Received"),
          received,
        ),
      ),
      el("a", { class: "button", href: "#/" }, "Leave"),
    ),
  );
  if (room.state !== undefined) render();
  return () => {
    clearTimeout(due);
    unfollow();
    if (window.tickroom?.room === probe) window.tickroom = { ...window.tickroom, room: undefined };
    void joined.leave();
  };
};
