import { Predict } from "@colyseus/sdk";
import { ARENA, shotEventOf } from "../../../rooms/arena/shapes.ts";
import type { ArenaPlayer, ArenaState } from "../../../schema/ArenaState.ts";
import { type ArenaSession, arenaNetcode } from "../../arena.ts";
import { onPatchEvents } from "../../events.ts";
import { RealtimeSession } from "../../netcode.ts";
import { el } from "../elements.ts";
import { type NetStatsReading, PingProbe } from "../netStatsOverlay.ts";
import type { Route } from "../routes.ts";
import { type DrawnPlayer, drawArena, type FadingShot, SHOT_FADE_MS } from "./arenaCanvas.ts";
import { ArenaControls } from "./arenaControls.ts";
import { openRoom, type View } from "./context.ts";

type ArenaRoute = Extract<Route, { view: "arena" }>;

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

/**
 * The arena: a canvas of the 1024 x 1024 world, WASD/arrows to move, mouse to aim, click
 * or space to fire. The local player is predicted with the server's own rules
 * (client/arena.ts), everyone else is interpolated behind the server clock (the delay
 * adapts to the link); shots draw tracers and hit flashes; a scoreboard sits beside it.
 * Spectators see everyone interpolated.
 */
export const arenaView: View<ArenaRoute> = async (container, route, context) => {
  const joined = await openRoom<ArenaState>(context, { view: "arena", roomId: route.roomId, spectate: route.spectate, options: { mode: route.mode } });
  const { room } = joined;
  context.settle({ view: "arena", roomId: room.roomId, mode: route.mode, spectate: joined.spectator });
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
  const controls = joined.spectator ? undefined : new ArenaControls(canvas, ARENA.width, ARENA.height);
  const scoreboard = el("tbody");
  const ping = joined.spectator ? new PingProbe(room) : undefined;

  let drawn: DrawnPlayer[] = [];
  const shots: FadingShot[] = [];
  let shotsSeen = 0;
  onPatchEvents(
    room,
    (state) => state.shots,
    (events) => {
      const now = performance.now();
      for (const shot of events.map((travelled) => shotEventOf(travelled, room.state.players))) {
        shotsSeen++;
        const target = shot.target === "" ? undefined : drawn.find((player) => player.id === shot.target);
        shots.push({
          ...shot,
          at: now,
          endX: target?.x ?? shot.x + Math.cos(shot.angle) * ARENA.shotRange,
          endY: target?.y ?? shot.y + Math.sin(shot.angle) * ARENA.shotRange,
        });
      }
    },
  );

  let frame = 0;
  const loop = (now: number): void => {
    if (session !== undefined && controls !== undefined) {
      // Aim from where the player is drawn, read before the frame's inputs go out: a
      // prediction read between the SDK's tick and its sends is one step stale.
      const x = session.localValue("x");
      const y = session.localValue("y");
      const angle = session.localValue("angle");
      session.frame(now, (input) => controls.fill(input, x, y, angle));
    }
    lens.advance(now);
    const players: DrawnPlayer[] = [];
    room.state.players?.forEach((player: ArenaPlayer, id: string) => {
      players.push({
        id,
        name: player.name,
        hp: player.hp,
        alive: player.alive,
        connected: player.connected,
        team: player.team,
        local: id === room.sessionId,
        x: lens.value(player, id, "x"),
        y: lens.value(player, id, "y"),
        angle: lens.value(player, id, "angle"),
      });
    });
    drawn = players;
    while (shots.length > 0 && now - shots[0]!.at > SHOT_FADE_MS) shots.shift();
    drawArena(context2d, players, shots, now);
    frame = requestAnimationFrame(loop);
  };
  frame = requestAnimationFrame(loop);

  const scoreHead = el("thead", {});
  const renderScores = (): void => {
    // A Team column only where there are teams: free-for-all would show it empty.
    const teams = room.state.mode === "teams";
    scoreHead.replaceChildren(el("tr", {}, ...["Player", ...(teams ? ["Team"] : []), "Score", "HP", ""].map((title) => el("th", {}, title))));
    const rows: HTMLTableRowElement[] = [];
    room.state.players?.forEach((player: ArenaPlayer, id: string) => {
      rows.push(
        el(
          "tr",
          { class: id === room.sessionId ? "me" : undefined, "data-player": id, "data-score": player.score },
          el("td", {}, player.name, id === room.sessionId ? " (you)" : ""),
          ...(teams ? [el("td", {}, `team ${player.team}`)] : []),
          el("td", { class: "number" }, String(player.score)),
          el("td", { class: "number" }, player.alive ? String(player.hp) : "dead"),
          el("td", {}, player.connected ? "" : "reconnecting"),
        ),
      );
    });
    rows.sort((a, b) => Number(b.dataset.score) - Number(a.dataset.score));
    scoreboard.replaceChildren(...rows);
  };
  const scoreTimer = setInterval(renderScores, 250);
  renderScores();

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

  container.replaceChildren(
    el(
      "section",
      { class: "arena-view", "data-view": "arena" },
      el("div", { class: "arena-stage" }, canvas),
      el(
        "aside",
        { class: "arena-side" },
        el("h1", {}, joined.spectator ? "Arena (watching)" : "Arena"),
        el("p", { class: "muted" }, joined.spectator ? "You are watching." : "WASD or arrows to move, mouse to aim, click or space to fire."),
        el("table", { class: "scores", "data-testid": "scoreboard" }, scoreHead, scoreboard),
        el("a", { class: "button", href: "#/" }, "Leave"),
      ),
    ),
  );
  canvas.focus();

  return () => {
    cancelAnimationFrame(frame);
    clearInterval(scoreTimer);
    controls?.dispose();
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
