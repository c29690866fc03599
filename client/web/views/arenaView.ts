import { Predict } from "@colyseus/sdk";
import { ARENA, shotEventOf } from "../../../rooms/arena/shapes.ts";
import type { ArenaInput, ArenaPlayer, ArenaState } from "../../../schema/ArenaState.ts";
import { type ArenaSession, arenaNetcode } from "../../arena.ts";
import { onPatchEvents } from "../../events.ts";
import { RealtimeSession } from "../../netcode.ts";
import { el } from "../elements.ts";
import { type NetStatsReading, PingProbe } from "../netStatsOverlay.ts";
import { roomRoute, watchDelayOf } from "../routes.ts";
import "./arena.css";
import { ArenaPainter, type DrawnPlayer, type FadingShot, SHOT_FADE_MS } from "./arenaCanvas.ts";
import { ArenaControls } from "./arenaControls.ts";
import { arenaOutcome, Deaths, describeLimits, KillFeed, MatchOver, RespawnNotice } from "./arenaHud.ts";
import { type GameViewEntry, headingElement, openRoom, type ServerRoomOf, type View, watchingNote } from "./context.ts";
import { RatingChangeLine } from "./ratingChange.ts";

/** What the page exposes of the arena on `window.tickroom.arena`, for devtools and the browser tests. */
export interface ArenaProbe {
  readonly sessionId: string;
  readonly spectator: boolean;
  /** Players as drawn in the last frame (local predicted, others interpolated). */
  players(): readonly DrawnPlayer[];
  /** Shots received so far. */
  shotsSeen(): number;
}

/** Where a field of a player is drawn: the prediction for the local player, interpolation for the rest. */
interface Lens {
  value(player: ArenaPlayer, id: string, field: "x" | "y" | "angle"): number;
  advance(now: number): void;
}

/** A drawn player, reused frame to frame (the probe hands out the same objects read-only). */
type MutableDrawn = { -readonly [K in keyof DrawnPlayer]: DrawnPlayer[K] };

const KEYBOARD_HELP = "WASD or arrows to move, mouse to aim, click or space to fire.";
const TOUCH_HELP = "Left thumb moves, right thumb aims and fires while held.";

/**
 * The arena: a canvas of the 1024 x 1024 world, WASD/arrows to move, mouse to aim, click
 * or space to fire, or twin touch sticks on a phone. The local player is predicted with
 * the server's own rules (client/arena.ts), everyone else is interpolated behind the
 * server clock (the delay adapts to the link); shots draw tracers and hit flashes, kills
 * fill a kill feed, and the dead see who got them and when they are back. The scoreboard
 * sits beside the canvas (below it on a phone). Spectators see everyone interpolated.
 * A ranked match shows its limits ("First to 20 · 3:12 left") and, once one is reached,
 * a "Match over" overlay with the winning side and the rating change; inputs stop then.
 */
const arenaView: View = async (container, route, context) => {
  // `?mode=teams` picks the mode of a new match; joining a room by id takes its mode.
  const mode = route.query.mode === "teams" ? "teams" : "ffa";
  const joined = await openRoom<ArenaState, ServerRoomOf<"arena">>(context, {
    type: "arena",
    roomId: route.address,
    spectate: route.spectate,
    delaySeconds: watchDelayOf(route),
    options: { mode },
  });
  const { room } = joined;
  context.settle({ ...route, address: room.roomId, spectate: joined.spectator });
  let session: ArenaSession | undefined;
  try {
    session = joined.spectator ? undefined : await RealtimeSession.attach(room, arenaNetcode);
  } catch (error) {
    void joined.leave();
    throw error;
  }

  const lens: Lens = session !== undefined ? playerLens(session, room.sessionId) : spectatorLens(room);
  const canvas = el("canvas", { width: ARENA.width, height: ARENA.height, class: "arena", "data-testid": "arena-canvas", tabindex: 0 });
  const context2d = canvas.getContext("2d");
  if (context2d === null) throw new Error("this browser has no 2D canvas");
  const painter = new ArenaPainter(context2d);
  const help = el("p", { class: "muted arena-help" }, joined.spectator ? watchingNote(joined) : KEYBOARD_HELP);
  const view = el("section", { class: "arena-view", "data-view": "arena" });
  const feed = new KillFeed();
  const notice = new RespawnNotice();
  const deaths = new Deaths();
  const ratingLine = new RatingChangeLine(context.link, joined);
  const matchOver = new MatchOver(ratingLine.element);
  const stage = el("div", { class: "arena-stage" }, el("div", { class: "arena-screen" }, canvas, feed.element, notice.element, matchOver.element));
  // Thumbs land anywhere on the stage (the canvas and, on a phone, the pad below it).
  const controls = joined.spectator
    ? undefined
    : new ArenaControls(canvas, stage, ARENA.width, ARENA.height, () => {
        view.classList.add("touch");
        help.textContent = TOUCH_HELP;
      });
  if (controls !== undefined) stage.append(controls.touchLayer);
  const scoreboard = el("tbody");
  const ping = joined.spectator ? new PingProbe(room) : undefined;
  // Text and strokes are sized in screen pixels: the painter needs the canvas's shown width, read on resize only.
  const resized = new ResizeObserver(() => painter.setScale(canvas.clientWidth / ARENA.width));
  resized.observe(canvas);

  const drawn: MutableDrawn[] = [];
  const drawnById = new Map<string, MutableDrawn>();
  const shots: FadingShot[] = [];
  let shotsSeen = 0;
  const nameOf = (id: string): string => room.state.players?.get(id)?.name ?? "someone";
  const stopShots = onPatchEvents(
    room,
    (state) => state.shots,
    (events) => {
      const now = performance.now();
      for (const travelled of events) {
        const shot = shotEventOf(travelled, room.state.players);
        shotsSeen++;
        const target = shot.target === "" ? undefined : drawnById.get(shot.target);
        shots.push({
          ...shot,
          at: now,
          endX: target?.x ?? shot.x + Math.cos(shot.angle) * ARENA.shotRange,
          endY: target?.y ?? shot.y + Math.sin(shot.angle) * ARENA.shotRange,
        });
        if (shot.killed && shot.target !== "") {
          const killer = nameOf(shot.shooter);
          deaths.killed(shot.target, killer, now);
          const mine = shot.shooter === room.sessionId ? "killer" : shot.target === room.sessionId ? "victim" : undefined;
          feed.add(killer, nameOf(shot.target), now, mine);
        }
      }
    },
  );

  // The frame loop's helpers are made once, not per frame: `frameNow` and `aimFrom` carry the frame's values to them.
  let frameNow = 0;
  const aimFrom = { x: 0, y: 0, angle: 0 };
  const fill = (input: ArenaInput): void => controls?.fill(input, aimFrom.x, aimFrom.y, aimFrom.angle);
  const collect = (player: ArenaPlayer, id: string): void => {
    let entry = drawnById.get(id);
    if (entry === undefined) {
      entry = { id, name: "", x: 0, y: 0, angle: 0, hp: 0, alive: true, connected: true, team: 0, local: id === room.sessionId, respawnIn: 0 };
      drawnById.set(id, entry);
    }
    entry.name = player.name;
    entry.hp = player.hp;
    entry.alive = player.alive;
    entry.connected = player.connected;
    entry.team = player.team;
    entry.x = lens.value(player, id, "x");
    entry.y = lens.value(player, id, "y");
    entry.angle = lens.value(player, id, "angle");
    entry.respawnIn = deaths.observe(id, player.alive, frameNow);
    drawn.push(entry);
  };
  let wasDead = false;
  /** The ranked match reached a limit: nothing moves any more, and no input is sent. */
  let over = false;

  let frame = 0;
  const loop = (now: number): void => {
    frameNow = now;
    if (session !== undefined && controls !== undefined && !over) {
      // Aim from where the player is drawn, read before the frame's inputs go out: a
      // prediction read between the SDK's tick and its sends is one step stale.
      aimFrom.x = session.localValue("x");
      aimFrom.y = session.localValue("y");
      aimFrom.angle = session.localValue("angle");
      session.frame(now, fill);
    } else if (over) session?.checkAcknowledgement();
    lens.advance(now);
    drawn.length = 0;
    room.state.players?.forEach(collect);
    while (shots.length > 0 && now - shots[0]!.at > SHOT_FADE_MS) shots.shift();
    painter.draw(drawn, shots, now);
    feed.prune(now);
    const me = joined.spectator ? undefined : drawnById.get(room.sessionId);
    const dead = me !== undefined && !me.alive;
    if (dead && !over) notice.show(deaths.killerOf(me.id), me.respawnIn);
    else notice.hide();
    if (dead !== wasDead) {
      wasDead = dead;
      stage.classList.toggle("dead", dead);
    }
    frame = requestAnimationFrame(loop);
  };
  frame = requestAnimationFrame(loop);

  const scoreHead = el("thead", {});
  let shownScores = "";
  const renderScores = (): void => {
    const players = room.state.players;
    const present = (id: string): boolean => players?.has(id) === true;
    // Players who left: their drawn entries, name tags and death clocks go too.
    for (const id of drawnById.keys()) if (!present(id)) drawnById.delete(id);
    deaths.forget(present);
    painter.forget(present);

    // A Team column only where there are teams: free-for-all would show it empty.
    const teams = room.state.mode === "teams";
    const entries: Array<{ id: string; player: ArenaPlayer }> = [];
    players?.forEach((player: ArenaPlayer, id: string) => {
      entries.push({ id, player });
    });
    entries.sort((a, b) => b.player.score - a.player.score);
    // Rebuilt only when something shown changed: four times a second the table would otherwise flicker under a hovering mouse for nothing.
    const summary = JSON.stringify([
      teams,
      entries.map(({ id, player }) => [id, player.name, player.team, player.score, player.hp, player.alive, player.connected]),
    ]);
    if (summary === shownScores) return;
    shownScores = summary;
    scoreHead.replaceChildren(el("tr", {}, ...["Player", ...(teams ? ["Team"] : []), "Score", "HP"].map((title) => el("th", {}, title))));
    scoreboard.replaceChildren(
      ...entries.map(({ id, player }) => {
        const mine = id === room.sessionId;
        const name = `${player.name}${mine ? " (you)" : ""}${player.connected ? "" : " · reconnecting"}`;
        return el(
          "tr",
          {
            class: [mine ? "me" : "", player.alive ? "" : "dead", player.connected ? "" : "away"].join(" ").trim() || undefined,
            "data-player": id,
            "data-score": player.score,
          },
          // The full name on hover: the cell cuts a long one short with an ellipsis rather than wrap.
          el("td", { class: "name", title: name }, name),
          ...(teams ? [el("td", {}, `team ${player.team}`)] : []),
          el("td", { class: "number" }, String(player.score)),
          el("td", { class: "number" }, player.alive ? String(player.hp) : "dead"),
        );
      }),
    );
  };
  // A ranked match's limits, casual play none (both 0).
  const limits = el("p", { class: "arena-limits", "data-testid": "arena-limits", hidden: true });
  const renderLimits = (): void => {
    const state = room.state;
    const text = state.status === "finished" ? undefined : describeLimits(state.scoreLimit ?? 0, state.endTick ?? 0, state.tick ?? 0);
    limits.hidden = text === undefined;
    if (text !== undefined && limits.textContent !== text) limits.textContent = text;
  };
  const endMatch = (state: ArenaState): void => {
    // A replay sought back from the end: the match is on again (a replay has no controls to bring back).
    if (over && joined.replay && state.status !== "finished") {
      over = false;
      matchOver.hide();
      return;
    }
    if (over || state.status !== "finished" || state.players === undefined) return;
    over = true;
    if (session !== undefined) session.flushInputs();
    controls?.release();
    controls?.dispose();
    if (controls !== undefined) controls.touchLayer.hidden = true;
    const players: Array<{ id: string; name: string; team: number; score: number }> = [];
    state.players.forEach((player: ArenaPlayer, id: string) => {
      players.push({ id, name: player.name, team: player.team, score: player.score });
    });
    matchOver.show(arenaOutcome(players, state.mode, joined.spectator ? undefined : room.sessionId), state.mode);
    ratingLine.finished();
    renderLimits();
  };
  room.onStateChange(endMatch);
  const scoreTimer = setInterval(() => {
    renderScores();
    renderLimits();
  }, 250);
  renderScores();
  renderLimits();
  endMatch(room.state);

  const unwatch = context.banner.watch(room);
  const hideStats = context.stats.show((): NetStatsReading => {
    const traffic = joined.traffic.rates();
    if (session === undefined) return { ...traffic, rttMs: ping?.rttMs, jitterMs: room.clock.jitter() };
    const stats = session.stats();
    return {
      ...traffic,
      rttMs: stats.rttMs,
      jitterMs: stats.jitterMs,
      corrections: stats.corrections,
      lastCorrection: stats.lastCorrection,
      maxCorrection: stats.maxCorrection,
      inputsPending: stats.inputsPending,
      interpolationDelayMs: stats.interpolationDelayMs,
      extrapolatingMs: stats.extrapolatingMs,
    };
  });
  const probe: ArenaProbe = { sessionId: room.sessionId, spectator: joined.spectator, players: () => drawn, shotsSeen: () => shotsSeen };
  window.tickroom = { ...window.tickroom, arena: probe };

  view.replaceChildren(
    stage,
    el(
      "aside",
      { class: "arena-side" },
      headingElement("Arena", joined),
      help,
      limits,
      el("table", { class: "scores", "data-testid": "scoreboard" }, scoreHead, scoreboard),
      el("a", { class: "button", href: "#/" }, "Leave"),
    ),
  );
  container.replaceChildren(view);
  canvas.focus();

  return () => {
    ratingLine.stop();
    cancelAnimationFrame(frame);
    clearInterval(scoreTimer);
    stopShots();
    resized.disconnect();
    if (!over) controls?.dispose();
    ping?.stop();
    hideStats();
    unwatch();
    if (window.tickroom?.arena === probe) window.tickroom = { ...window.tickroom, arena: undefined };
    void joined.leave();
  };
};

function playerLens(session: ArenaSession, me: string): Lens {
  return {
    value: (player, id, field) => (id === me ? session.localValue(field) : session.remoteValue(player, field)),
    advance: () => undefined,
  };
}

/** Spectators predict nothing: everyone is interpolated, as other players are for a player. */
function spectatorLens(room: ArenaSession["room"]): Lens {
  // colyseus-internal: reconciler-replay
  const predict = Predict.get(room, { mode: "lerp", delay: 100 });
  predict.attachAll("players" as never, { x: "lerp", y: "lerp", angle: { mode: "lerp", angle: true } } as never);
  return {
    value: (player, _id, field) => predict.value(player as never, field as never) as number,
    advance: (now) => {
      predict.tick(now);
    },
  };
}

export const arenaGame: GameViewEntry = {
  mount: arenaView,
  showsReplays: true,
  quickPlay: [
    { label: "Arena (free-for-all)", route: roomRoute("arena") },
    { label: "Arena (teams)", route: roomRoute("arena", { query: { mode: "teams" } }) },
  ],
};
