import { TEXT_MAX_LENGTH } from "../../../rooms/chat/shapes.ts";
import type { ChatMessage, ChatState } from "../../../schema/ChatState.ts";
import type { RoomError } from "../../../shared/errors.ts";
import { CHANNEL_INPUT_PATTERN, CHANNEL_MAX_LENGTH, CHANNEL_PATTERN, CHANNEL_RULE } from "../../../shared/limits.ts";
import { el } from "../elements.ts";
import { type RoomRoute, roomRoute } from "../routes.ts";
import { followRoom, type GameViewEntry, openRoom, type ServerRoomOf, type View } from "./context.ts";

/** The channel a chat address names: `#/chat/<channel>`, `#/chat` is #general. */
const channelOf = (route: RoomRoute): string => route.address ?? "general";

/** Chat: one channel, its shared history (the last 100 lines), its members, a line to type in. */
const chatView: View = async (container, route, context) => {
  const channel = channelOf(route);
  // Refused here, in words, rather than by the server after a round trip (or, as links
  // once did, by silently showing #general instead).
  if (!CHANNEL_PATTERN.test(channel)) throw new Error(`"${channel}" is not a channel name: ${CHANNEL_RULE}`);
  const joined = await openRoom<ChatState, ServerRoomOf<"chat">>(context, { type: "chat", address: channel, spectate: false, options: { channel } });
  const { room } = joined;

  const history = el("ol", { class: "messages", "data-testid": "messages", "aria-live": "polite" });
  const members = el("ul", { class: "members", "data-testid": "members" });
  const input = el("input", { name: "text", maxlength: TEXT_MAX_LENGTH, autocomplete: "off", placeholder: "Say something…", "aria-label": "Message" });
  const notice = el("p", { class: "notice", role: "alert", "data-testid": "chat-error" });
  const form = el("form", { class: "row say" }, input, el("button", { type: "submit" }, "Send"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (text.trim() === "") return;
    room.send("say", { text });
    input.value = "";
  });
  const channelInput = el("input", {
    name: "channel",
    value: channel,
    maxlength: CHANNEL_MAX_LENGTH,
    pattern: CHANNEL_INPUT_PATTERN,
    "aria-label": "Channel",
  });
  const channelForm = el("form", { class: "row" }, el("span", {}, "#"), channelInput, el("button", { type: "submit" }, "Switch"));
  channelForm.addEventListener("submit", (event) => {
    event.preventDefault();
    context.navigate(roomRoute("chat", { address: channelInput.value.trim() }));
  });
  const code = el("p", { class: "join-code", hidden: true });
  joined.onJoinCode((joinCode) => {
    code.hidden = false;
    code.replaceChildren("Private channel. Share the code ", el("strong", { "data-testid": "join-code" }, joinCode));
  });

  // Lines are keyed by id: the history is re-read on every change, only new lines are added.
  const shown = new Map<number, HTMLLIElement>();
  const render = (state: ChatState): void => {
    // Joining resolves before the first state: the collections arrive with it.
    if (state.messages === undefined || state.members === undefined) return;
    const present = new Set<number>();
    state.messages.forEach((message: ChatMessage) => {
      present.add(message.id);
      if (shown.has(message.id)) return;
      const mine = message.sessionId === room.sessionId;
      const line = el(
        "li",
        { class: mine ? "mine" : undefined, "data-message-id": message.id },
        el("time", { datetime: new Date(message.at).toISOString() }, new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })),
        el("strong", {}, message.name),
        " ",
        el("span", { class: "text" }, message.text),
      );
      shown.set(message.id, line);
      history.append(line);
    });
    for (const [id, line] of shown)
      if (!present.has(id)) {
        line.remove();
        shown.delete(id);
      }
    history.scrollTop = history.scrollHeight;
    const names: HTMLLIElement[] = [];
    state.members.forEach((member, sessionId) => {
      // A seat held for a dropped connection is marked: that member may not read the channel right now.
      names.push(
        el(
          "li",
          { class: sessionId === room.sessionId ? "me" : member.connected ? undefined : "away" },
          member.name,
          sessionId === room.sessionId ? " (you)" : member.connected ? "" : " (reconnecting)",
        ),
      );
    });
    members.replaceChildren(...names);
    title.textContent = `Chat #${state.channel || "lobby"}`;
  };
  const title = el("h1", {}, `Chat #${channel}`);
  room.onStateChange(render);
  room.onMessage("error", (error: RoomError) => {
    notice.textContent = `${error.code}: ${error.message}`;
    setTimeout(() => {
      notice.textContent = "";
    }, 4000);
  });

  const unfollow = followRoom(joined, context);

  container.replaceChildren(
    el(
      "section",
      { class: "chat", "data-view": "chat" },
      title,
      code,
      channelForm,
      el("div", { class: "chat-layout" }, el("div", { class: "chat-main" }, history, form, notice), el("aside", {}, el("h3", {}, "Members"), members)),
    ),
  );
  if (room.state !== undefined) render(room.state);
  input.focus();
  return () => {
    unfollow();
    void joined.leave();
  };
};

export const chatGame: GameViewEntry = {
  mount: chatView,
  // Rooms are matched by channel: the address is the channel, so a link joins the channel, not one room.
  addressOf: async (joined) => ((await joined.ready) as ChatState).channel,
  quickPlay: [{ label: "Chat #general", route: roomRoute("chat", { address: "general" }) }],
  // A new room needs a channel of its own: with none, it would share the public "" channel's address.
  prepareCreate: (options) => ({ ...options, channel: options.channel ?? `room-${Math.floor(Math.random() * 1e6)}` }),
};
