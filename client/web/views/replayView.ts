import { MatchMakeError, type Room, ServerError } from "@colyseus/sdk";
import { REPLAY_SPEED, type ReplayPlayback, type ReplayTimeline } from "../../../rooms/replay/shapes.ts";
import { HttpStatus } from "../../../shared/errors.ts";
import { listenUntil } from "../../signals.ts";
import { el } from "../elements.ts";
import { type HandedRoom, JoinedRoom } from "../joinedRoom.ts";
import { type Route, roomRoute } from "../routes.ts";
import { withArticle } from "../words.ts";
import type { ServerRoomOf, Unmount, View, ViewContext } from "./context.ts";
import { genericView } from "./genericView.ts";
import { gameViewOf } from "./registry.ts";

/** What the page exposes of a replay on `window.tickroom.replay`, for devtools and the browser tests. */
export interface ReplayProbe {
  readonly matchId: string;
  readonly roomType: string;
  readonly durationMs: number;
  /** Where the playhead is now, as shown (the server's last word moved on at its speed). */
  positionMs(): number;
  playing(): boolean;
  speed(): number;
}

type ReplayRoute = Extract<Route, { view: "replay" }>;
/** Its state is the recorded room type's, which only the view that shows it names. */
type ReplayRoom = Room<ServerRoomOf<"replay">, unknown>;

/** Speeds offered: doubling from the slowest the replay room allows to the fastest (0.25× to 8×). */
const SPEEDS: readonly number[] = (() => {
  const speeds: number[] = [];
  for (let speed = REPLAY_SPEED.min; speed <= REPLAY_SPEED.max; speed *= 2) speeds.push(speed);
  return speeds;
})();

/**
 * The room closes a socket past 10 messages a second: a dragged scrubber seeks at most this
 * often, and the last position it was dragged to always goes out.
 */
const SEEK_EVERY_MS = 150;

/**
 * How far a key moves the scrubber, ms: its step is "any" (so that End reaches the very last
 * frame), where the browser's own arrows would move it a millisecond.
 */
const KEY_STEPS_MS: Readonly<Record<string, number>> = {
  ArrowLeft: -1000,
  ArrowDown: -1000,
  ArrowRight: 1000,
  ArrowUp: 1000,
  PageDown: -10_000,
  PageUp: 10_000,
};

/**
 * A recorded match played back (`#/replay/<matchId>`): the replay room's state is the
 * recorded room type's, so that room type's own view shows it, handed the replay as a
 * read-only spectator's room (tic-tac-toe, pong, the arena; other room types the generic
 * view). Above it a control bar: play/pause, the position and the duration, a scrubber with
 * the joins and leaves marked on it, and the speed. Each viewer has its own playhead on the
 * server; between its messages the position moves on here at its speed.
 */
export const replayView: View<ReplayRoute> = async (container, route, context) => {
  let room: ReplayRoom;
  try {
    room = await context.link.join((client) => client.joinOrCreate<"replay", unknown>("replay", { matchId: route.matchId }));
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === undefined) throw error;
    container.replaceChildren(refusalSection(route.matchId, refusal));
    return () => undefined;
  }
  const joined = new JoinedRoom<unknown, ServerRoomOf<"replay">>(room, true, context.seats, { replay: true });

  // The playhead as the server last told it, and when: it may speak before the timeline, and so before the bar shows it.
  let told: ReplayPlayback = { positionMs: 0, speed: 1, playing: true, patches: 0 };
  let toldAt = performance.now();
  let showPlayback: (() => void) | undefined;
  room.onMessage("playback", (playback: ReplayPlayback) => {
    told = playback;
    toldAt = performance.now();
    showPlayback?.();
  });
  let timeline: ReplayTimeline;
  try {
    timeline = await timelineOf(room);
  } catch (error) {
    void joined.leave();
    throw error;
  }
  const { durationMs } = timeline;
  const positionAt = (now: number): number => (told.playing ? Math.min(durationMs, told.positionMs + (now - toldAt) * told.speed) : told.positionMs);

  const play = el("button", { type: "button", class: "replay-play", "data-testid": "replay-play" });
  const time = el("span", { class: "replay-time", "data-testid": "replay-time" });
  const scrubber = el("input", {
    type: "range",
    min: 0,
    max: durationMs,
    step: "any",
    value: 0,
    "aria-label": "Position in the match",
    "data-testid": "replay-scrubber",
  });
  const marks = el("div", { class: "replay-marks", "data-testid": "replay-marks" }, ...timeline.marks.map((mark) => markOf(mark, durationMs)));
  const speed = el(
    "select",
    { name: "speed", "aria-label": "Speed", "data-testid": "replay-speed" },
    ...SPEEDS.map((each) => el("option", { value: String(each) }, `${each}×`)),
  );
  const stage = el("div", { class: "replay-stage" }, el("p", { class: "loading" }, "Loading…"));
  const title = context.catalog.roomTypes.find((type) => type.name === timeline.roomType)?.title ?? timeline.roomType;
  const joins = timeline.marks.filter((mark) => mark.event === "join").length;
  const leaves = timeline.marks.length - joins;
  const section = el(
    "section",
    { class: "replay", "data-view": "replay", "data-match-id": timeline.matchId, "data-room-type": timeline.roomType },
    el(
      "p",
      { class: "muted replay-about" },
      `Replay of ${withArticle(title.toLowerCase())} match recorded `,
      el("time", { datetime: new Date(timeline.startedAt).toISOString() }, new Date(timeline.startedAt).toLocaleString()),
      `, ${plural(joins, "join")} and ${plural(leaves, "leave")} marked on the timeline.`,
    ),
    el(
      "div",
      { class: "replay-bar", "data-testid": "replay-controls" },
      play,
      time,
      el("div", { class: "replay-track" }, scrubber, marks),
      el("label", { class: "replay-speed" }, el("span", { class: "replay-speed-word" }, "Speed "), speed),
    ),
    stage,
  );

  showPlayback = (): void => {
    play.textContent = told.playing ? "Pause" : "Play";
    play.disabled = false;
    if (speed.value !== String(told.speed)) speed.value = String(told.speed);
    section.dataset.playing = String(told.playing);
    section.dataset.speed = String(told.speed);
    section.dataset.positionMs = String(told.positionMs);
  };
  showPlayback();

  // Until the server answers, another press would only stack up messages against its limit.
  play.addEventListener("click", () => {
    play.disabled = true;
    if (told.playing) room.send("pause", {});
    else room.send("resume", {});
  });
  speed.addEventListener("change", () => room.send("speed", { speed: Number(speed.value) }));

  // While a finger or the mouse holds the thumb, or a seek waits its turn, the thumb shows
  // where it was put, not the playhead.
  let holding = false;
  let lastSeekAt = Number.NEGATIVE_INFINITY;
  let seekDue: ReturnType<typeof setTimeout> | undefined;
  const seekNow = (): void => {
    seekDue = undefined;
    lastSeekAt = performance.now();
    const positionMs = scrubber.valueAsNumber;
    room.send("seek", { positionMs });
    told = { ...told, positionMs };
    toldAt = lastSeekAt;
  };
  const seekSoon = (): void => {
    if (seekDue === undefined) seekDue = setTimeout(seekNow, Math.max(0, lastSeekAt + SEEK_EVERY_MS - performance.now()));
  };
  scrubber.addEventListener("input", () => {
    holding = true;
    seekSoon();
  });
  scrubber.addEventListener("change", () => {
    holding = false;
    seekSoon();
  });
  scrubber.addEventListener("keydown", (event) => {
    const step = KEY_STEPS_MS[event.key];
    if (step === undefined) return;
    event.preventDefault();
    scrubber.valueAsNumber = Math.min(durationMs, Math.max(0, scrubber.valueAsNumber + step));
    seekSoon();
  });

  let frame = 0;
  const draw = (now: number): void => {
    const positionMs = holding || seekDue !== undefined ? scrubber.valueAsNumber : positionAt(now);
    if (!holding && seekDue === undefined) scrubber.valueAsNumber = positionMs;
    const text = `${clockOf(positionMs)} / ${clockOf(durationMs)}`;
    if (time.textContent !== text) time.textContent = text;
    frame = requestAnimationFrame(draw);
  };
  frame = requestAnimationFrame(draw);
  container.replaceChildren(section);

  // The recorded room type's view, handed the replay as its room; the address stays the replay's.
  const entry = gameViewOf(timeline.roomType);
  const mount = entry.showsReplays === true ? entry.mount : genericView;
  let handoff: HandedRoom | undefined = joined;
  const recordedContext: ViewContext = {
    ...context,
    settle: () => undefined,
    takeHandoff: () => {
      const taken = handoff;
      handoff = undefined;
      return taken;
    },
  };
  let unmountRecorded: Unmount;
  try {
    unmountRecorded = await mount(stage, roomRoute(timeline.roomType, { spectate: true }), recordedContext);
  } catch (error) {
    cancelAnimationFrame(frame);
    clearTimeout(seekDue);
    void joined.leave();
    throw error;
  }

  const probe: ReplayProbe = {
    matchId: timeline.matchId,
    roomType: timeline.roomType,
    durationMs,
    positionMs: () => positionAt(performance.now()),
    playing: () => told.playing,
    speed: () => told.speed,
  };
  window.tickroom = { ...window.tickroom, replay: probe };
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(seekDue);
    showPlayback = undefined;
    if (window.tickroom?.replay === probe) window.tickroom = { ...window.tickroom, replay: undefined };
    unmountRecorded();
  };
};

/** The replay room's first word: what it plays back. Rejects if the room closes before. */
function timelineOf(room: ReplayRoom): Promise<ReplayTimeline> {
  return new Promise((resolve, reject) => {
    const stopWaiting = listenUntil(room.onLeave, (code) => {
      reject(new Error(`the replay closed before it began (code ${code})`));
      return true;
    });
    room.onMessage("timeline", (timeline: ReplayTimeline) => {
      stopWaiting();
      resolve(timeline);
    });
  });
}

/** A replay the server refused: its status, what a player reads, and the server's own words. */
interface Refusal {
  readonly status: number;
  readonly text: string;
  readonly detail: string;
}

/** The refusal of a replay that does not exist or cannot be played; undefined for any other failure (the shell reports those). */
function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof MatchMakeError || error instanceof ServerError)) return undefined;
  if (error.code === HttpStatus.NOT_FOUND)
    return { status: error.code, text: "There is no recording of this match: the link is wrong, or the recording has expired.", detail: error.message };
  if (error.code === HttpStatus.UNPROCESSABLE)
    return { status: error.code, text: "This recording cannot be played back: it is damaged, or another version of the game made it.", detail: error.message };
  return undefined;
}

function refusalSection(matchId: string, refusal: Refusal): HTMLElement {
  return el(
    "section",
    { class: "failure", "data-view": "replay", "data-testid": "replay-error", "data-status": refusal.status, "data-match-id": matchId },
    el("h1", {}, "No replay"),
    el("p", { role: "alert" }, refusal.text),
    el("p", { class: "muted" }, `The server said: ${refusal.detail} (${refusal.status})`),
    el("a", { class: "button", href: "#/" }, "Back to the lobby"),
  );
}

/** A join or a leave on the scrubber, where it happened. */
function markOf(mark: ReplayTimeline["marks"][number], durationMs: number): HTMLElement {
  const at = Math.min(durationMs, Math.max(0, mark.t));
  const who = mark.name ?? (mark.spectator ? "A spectator" : "A player");
  return el("span", {
    class: "replay-mark",
    "data-event": mark.event,
    "data-spectator": mark.spectator,
    style: `left: ${durationMs === 0 ? 0 : (at / durationMs) * 100}%`,
    title: `${who} ${mark.event === "join" ? "joined" : "left"} at ${clockOf(at)}`,
  });
}

/** "1:05.3": minutes, seconds and tenths (a tic-tac-toe game can be over in a second). */
function clockOf(ms: number): string {
  const tenths = Math.floor(ms / 100);
  return `${Math.floor(tenths / 600)}:${String(Math.floor((tenths % 600) / 10)).padStart(2, "0")}.${tenths % 10}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
