import { Predict } from "@colyseus/sdk";
import { pongNetcode } from "../../../rooms/pong/rules.ts";
import { PONG } from "../../../rooms/pong/shapes.ts";
import type { PongInput, PongPaddle, PongState } from "../../../schema/PongState.ts";
import { RealtimeSession } from "../../netcode.ts";
import { el } from "../elements.ts";
import { type NetStatsReading, PingProbe } from "../netStatsOverlay.ts";
import { watchDelayOf } from "../routes.ts";
import { type GameViewEntry, headingElement, openRoom, type ServerRoomOf, type View, watchingNote } from "./context.ts";
import { RatingChangeLine } from "./ratingChange.ts";

type PongSession = RealtimeSession<PongPaddle, PongInput, PongState>;

/** What the page exposes of pong on `window.tickroom.pong`, for devtools and the browser tests. */
export interface PongProbe {
  readonly sessionId: string;
  /** The local paddle as drawn (predicted), world units; undefined for a spectator. */
  localY(): number | undefined;
  /** Scores by player name. */
  scores(): Readonly<Record<string, number>>;
}

/** Keys that move the paddle, and which way. */
const MOVES: Readonly<Record<string, number>> = { KeyW: -1, ArrowUp: -1, KeyS: 1, ArrowDown: 1 };

/** Within this many world units of the finger the paddle stops, instead of shaking around it. */
const TOUCH_DEAD_ZONE = 6;

/**
 * Keyboard and touch to a paddle move: W/S or the arrows, or a finger (or a held mouse
 * button) anywhere on the court, which the paddle follows at full speed. Keys typed in a
 * form field are not moves; losing focus releases everything.
 */
class PongControls {
  readonly #held = new Set<string>();
  /** Where the pointer holds the paddle's target, in world units; undefined when no pointer is down. */
  #target: number | undefined;
  #pointer: number | undefined;
  readonly #dispose: Array<() => void> = [];

  constructor(canvas: HTMLCanvasElement) {
    this.#on(window, "keydown", (event) => {
      const key = event as KeyboardEvent;
      const target = key.target as HTMLElement | null;
      if (target?.closest("input, textarea, select") != null) return;
      if (key.code in MOVES) {
        key.preventDefault();
        this.#held.add(key.code);
      }
    });
    this.#on(window, "keyup", (event) => this.#held.delete((event as KeyboardEvent).code));
    this.#on(window, "blur", () => this.release());
    const follow = (event: Event): void => {
      const pointer = event as PointerEvent;
      if (this.#pointer !== pointer.pointerId) return;
      const box = canvas.getBoundingClientRect();
      this.#target = ((pointer.clientY - box.top) / box.height) * PONG.height;
    };
    this.#on(canvas, "pointerdown", (event) => {
      const pointer = event as PointerEvent;
      if (this.#pointer !== undefined) return;
      this.#pointer = pointer.pointerId;
      canvas.setPointerCapture(pointer.pointerId);
      follow(event);
    });
    this.#on(canvas, "pointermove", follow);
    const lift = (event: Event): void => {
      if ((event as PointerEvent).pointerId !== this.#pointer) return;
      this.#pointer = undefined;
      this.#target = undefined;
    };
    this.#on(canvas, "pointerup", lift);
    this.#on(canvas, "pointercancel", lift);
  }

  /** The move for this step, given where the paddle is now (predicted). */
  fill(input: PongInput, paddleY: number): void {
    if (this.#target !== undefined) {
      const gap = this.#target - paddleY;
      // Proportional near the target, so the paddle settles on the finger instead of overshooting a step.
      input.move = Math.abs(gap) < TOUCH_DEAD_ZONE ? 0 : Math.max(-1, Math.min(1, gap / ((PONG.paddleSpeed / PONG.tickRate) * 2)));
      return;
    }
    let move = 0;
    for (const code of this.#held) move += MOVES[code] ?? 0;
    input.move = Math.max(-1, Math.min(1, move));
  }

  release(): void {
    this.#held.clear();
    this.#pointer = undefined;
    this.#target = undefined;
  }

  dispose(): void {
    for (const undo of this.#dispose) undo();
    this.#dispose.length = 0;
  }

  #on(target: EventTarget, type: string, listener: (event: Event) => void): void {
    target.addEventListener(type, listener, { passive: false });
    this.#dispose.push(() => target.removeEventListener(type, listener));
  }
}

/** What the status line says: who serves, who won, who is missing. */
function describePong(state: PongState, me: string, spectator: boolean): string {
  switch (state.status) {
    case "waiting":
      return spectator ? "Waiting for two players." : "Waiting for an opponent to join…";
    case "playing":
      return state.serveIn > 0 ? "Serve…" : `First to ${state.scoreLimit}.`;
    case "finished": {
      const winner = state.players.get(state.winner);
      if (!spectator && state.winner === me) return state.players.size < 2 ? "You won: your opponent left." : "You won!";
      if (!spectator && state.players.has(me)) return "You lost.";
      return winner === undefined ? "Game over." : `${winner.name} wins.`;
    }
  }
}

/**
 * Pong: the court on a canvas; your paddle is predicted with the server's own rules
 * (rooms/pong/rules.ts), the other is interpolated, and the ball is drawn from the last
 * patch moved on by its velocity (it bounces off the walls only; a paddle's return comes
 * with the next patch). W/S or the arrows move, or hold a finger on the court.
 */
const pongView: View = async (container, route, context) => {
  const joined = await openRoom<PongState, ServerRoomOf<"pong">>(context, {
    type: "pong",
    roomId: route.address,
    spectate: route.spectate,
    delaySeconds: watchDelayOf(route),
    options: {},
  });
  const { room } = joined;
  context.settle({ ...route, address: room.roomId, spectate: joined.spectator });
  let session: PongSession | undefined;
  try {
    session = joined.spectator ? undefined : await RealtimeSession.attach(room, pongNetcode);
  } catch (error) {
    void joined.leave();
    throw error;
  }
  // Spectators predict nothing: both paddles are interpolated.
  // colyseus-internal: reconciler-replay
  const spectating = session === undefined ? Predict.get(room, { mode: "lerp", delay: 100 }) : undefined;
  spectating?.attachAll("players" as never, { y: "lerp" } as never);
  const paddleY = (paddle: PongPaddle, id: string): number => {
    if (session === undefined) return spectating!.value(paddle as never, "y" as never) as number;
    return id === room.sessionId ? session.localValue("y") : session.remoteValue(paddle, "y");
  };

  const canvas = el("canvas", { width: PONG.width, height: PONG.height, class: "pong", "data-testid": "pong-canvas", tabindex: 0 });
  const draw = canvas.getContext("2d");
  if (draw === null) throw new Error("this browser has no 2D canvas");
  const controls = session === undefined ? undefined : new PongControls(canvas);
  const status = el("p", { class: "status", role: "status", "data-testid": "pong-status" });
  const score = el("p", { class: "versus", "data-testid": "pong-score" });
  const code = el("p", { class: "join-code", hidden: true });
  joined.onJoinCode((joinCode) => {
    code.replaceChildren("Private game: share the code ", el("strong", { "data-testid": "join-code" }, joinCode));
    code.hidden = room.state.status !== "waiting";
  });
  const ping = session === undefined ? new PingProbe(room) : undefined;
  // A ranked match's rating change, under the result once the store has it.
  const ratingLine = new RatingChangeLine(context.link, joined);

  // The ball as last patched, and when: drawn moved on by its velocity until the next patch.
  let ballAt = performance.now();
  let ballX = 0;
  let ballY = 0;
  room.onStateChange((state) => {
    if (state.ball === undefined) return;
    if (state.ball.x !== ballX || state.ball.y !== ballY) ballAt = performance.now();
    ballX = state.ball.x;
    ballY = state.ball.y;
    status.textContent = describePong(state, room.sessionId, joined.spectator);
    status.dataset.status = state.status;
    if (state.status === "finished") ratingLine.finished();
    else ratingLine.playing();
    const sides: string[] = ["…", "…"];
    state.players?.forEach((paddle, id) => {
      sides[paddle.side - 1] = `${paddle.name}${id === room.sessionId ? " (you)" : ""} ${paddle.score}`;
    });
    score.textContent = `${sides[0]} : ${sides[1]}`;
    if (state.status !== "waiting") code.hidden = true;
  });

  let frame = 0;
  const loop = (now: number): void => {
    const state = room.state;
    if (session !== undefined && controls !== undefined) {
      const y = session.localValue("y");
      session.frame(now, (input) => controls.fill(input, y));
    }
    spectating?.tick(now);
    draw.fillStyle = "#0f172a";
    draw.fillRect(0, 0, PONG.width, PONG.height);
    draw.strokeStyle = "#334155";
    draw.setLineDash([12, 12]);
    draw.lineWidth = 4;
    draw.beginPath();
    draw.moveTo(PONG.width / 2, 0);
    draw.lineTo(PONG.width / 2, PONG.height);
    draw.stroke();
    draw.setLineDash([]);
    state.players?.forEach((paddle, id) => {
      draw.fillStyle = id === room.sessionId ? "#38bdf8" : paddle.connected ? "#e2e8f0" : "#64748b";
      const y = paddleY(paddle, id);
      draw.fillRect(paddle.x - PONG.paddleWidth / 2, y - PONG.paddleHeight / 2, PONG.paddleWidth, PONG.paddleHeight);
    });
    if (state.ball !== undefined && state.status === "playing" && state.serveIn === 0) {
      // At most a patch and a half ahead: past that the next patch is late and guessing further only misleads.
      const ahead = Math.min(now - ballAt, 75) / 1000;
      const x = ballX + state.ball.vx * ahead;
      const y = reflect(ballY + state.ball.vy * ahead, PONG.ballRadius, PONG.height - PONG.ballRadius);
      draw.fillStyle = "#fbbf24";
      draw.beginPath();
      draw.arc(x, y, PONG.ballRadius, 0, Math.PI * 2);
      draw.fill();
    }
    frame = requestAnimationFrame(loop);
  };
  frame = requestAnimationFrame(loop);

  const unwatch = context.banner.watch(room);
  const hideStats = context.stats.show((): NetStatsReading => {
    const traffic = joined.traffic.rates();
    if (session === undefined) return { ...traffic, rttMs: ping?.rttMs, jitterMs: room.clock.jitter() };
    const stats = session.stats();
    return { ...traffic, rttMs: stats.rttMs, jitterMs: stats.jitterMs, corrections: stats.corrections, inputsPending: stats.inputsPending };
  });
  const probe: PongProbe = {
    sessionId: room.sessionId,
    localY: () => session?.localValue("y"),
    scores: () => {
      const scores: Record<string, number> = {};
      room.state.players?.forEach((paddle) => {
        scores[paddle.name] = paddle.score;
      });
      return scores;
    },
  };
  window.tickroom = { ...window.tickroom, pong: probe };

  container.replaceChildren(
    el(
      "section",
      { class: "pong-view", "data-view": "pong" },
      headingElement("Pong", joined),
      el("div", { class: "row pong-head" }, score, status),
      code,
      ratingLine.element,
      el("div", { class: "pong-stage" }, canvas),
      el(
        "div",
        { class: "row pong-foot" },
        el("a", { class: "button", href: "#/" }, "Leave"),
        el(
          "span",
          { class: "muted" },
          joined.spectator ? watchingNote(joined) : "W/S or the arrows move your paddle; on a touch screen, hold a finger where it should go.",
        ),
      ),
    ),
  );
  canvas.focus();

  return () => {
    ratingLine.stop();
    cancelAnimationFrame(frame);
    controls?.dispose();
    ping?.stop();
    hideStats();
    unwatch();
    if (window.tickroom?.pong === probe) window.tickroom = { ...window.tickroom, pong: undefined };
    void joined.leave();
  };
};

/** `value` folded back into [low, high], as a ball bounces off the walls. */
function reflect(value: number, low: number, high: number): number {
  if (value < low) return low + (low - value);
  if (value > high) return high - (value - high);
  return value;
}

export const pongGame: GameViewEntry = { mount: pongView, showsReplays: true };
