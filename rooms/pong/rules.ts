import type { NetcodeSpec } from "../../client/netcode.ts";
import { PongInput, type PongPaddle } from "../../schema/PongState.ts";
import type { Random } from "../../shared/random.ts";
import type { Standings } from "../base/results.ts";
import type { TickInputs } from "../base/tickInputs.ts";
import { PONG } from "./shapes.ts";

/**
 * Pure rules of pong: functions of the state, inputs, time and a random source; no I/O,
 * no clock, no Client. `movePaddle` is the one step function the server runs in its fixed
 * tick and the client runs to predict its own paddle: it gives bit-identical results for
 * identical inputs. The ball is the server's alone.
 */

/** The paddle fields the rules read and write (a `PongPaddle` or a plain object). */
export interface Paddle {
  side: number;
  x: number;
  y: number;
  score: number;
}

export interface Ball {
  x: number;
  y: number;
  vx: number;
  vy: number;
}

/** What the rules see of a match (a `PongState` or a plain object in tests). */
export interface Match {
  readonly players: { get(id: string): Paddle | undefined; readonly size: number; forEach(each: (paddle: Paddle, id: string) => void): void };
  readonly ball: Ball;
  status: "waiting" | "playing" | "finished";
  scoreLimit: number;
  serveIn: number;
  winner: string;
  tick: number;
}

const HALF_PADDLE = PONG.paddleHeight / 2;

/** Make any decoded frame legal, in place: a non-finite move holds still; the move is at most 1 either way. */
export function sanitizeInput(input: { move: number }): void {
  input.move = Number.isFinite(input.move) ? Math.min(Math.max(input.move, -1), 1) : 0;
}

/** A late frame's stand-in (`lateInput`): the paddle keeps moving as the last frame moved it. */
export function guessLateInput(last: Readonly<{ move: number }>, into: { move: number }): void {
  into.move = last.move;
}

/** Move a paddle by one input for `dt` seconds: at most `paddleSpeed * dt`, never past a wall; float32-exact. */
export function movePaddle(paddle: { y: number }, input: { move: number }, dt: number): void {
  const move = Math.min(Math.max(input.move, -1), 1);
  paddle.y = Math.fround(Math.min(Math.max(paddle.y + move * PONG.paddleSpeed * dt, HALF_PADDLE), PONG.height - HALF_PADDLE));
}

/** The x of a side's paddle centre. */
export function paddleX(side: number): number {
  return side === 1 ? PONG.paddleInset : PONG.width - PONG.paddleInset;
}

/** The side a newcomer takes: the one asked for (the ranked queue's team) if free, else the first free. */
export function freeSide(match: Match, asked: number | undefined): number | undefined {
  const taken = new Set<number>();
  match.players.forEach((paddle) => {
    taken.add(paddle.side);
  });
  if ((asked === 1 || asked === 2) && !taken.has(asked)) return asked;
  return [1, 2].find((side) => !taken.has(side));
}

/** Put a paddle on its side, centred; the second one starts the match. */
export function seatPaddle(match: Match, paddle: Paddle, side: number, random: Random): void {
  paddle.side = side;
  paddle.x = paddleX(side);
  paddle.y = PONG.height / 2;
  paddle.score = 0;
  if (match.players.size === 2 && match.status === "waiting") {
    match.status = "playing";
    serve(match.ball, random() < 0.5 ? 1 : 2, random);
    match.serveIn = PONG.serveDelayTicks;
  }
}

/** The ball back in the centre, heading for `towardSide` at serve speed, within `maxServeAngle` of the horizontal. */
export function serve(ball: Ball, towardSide: number, random: Random): void {
  const angle = (random() * 2 - 1) * PONG.maxServeAngle;
  ball.x = PONG.width / 2;
  ball.y = PONG.height / 2;
  ball.vx = Math.fround((towardSide === 1 ? -1 : 1) * PONG.serveSpeed * Math.cos(angle));
  ball.vy = Math.fround(PONG.serveSpeed * Math.sin(angle));
}

/**
 * One fixed tick: every paddle moves by its inputs due now; while the match is on, the
 * ball waits out the serve countdown, then moves, bounces off the walls and the paddles
 * (swept, so no speed tunnels through), and a ball past a goal line scores for the other
 * side; the score limit ends the match.
 */
export function stepPong(match: Match, inputs: TickInputs<PongInput>, dt: number, random: Random): void {
  match.tick++;
  match.players.forEach((paddle, id) => {
    inputs.forEach(id, (input) => movePaddle(paddle, input, dt));
  });
  if (match.status !== "playing") return;
  if (match.serveIn > 0) {
    match.serveIn--;
    return;
  }
  const ball = match.ball;
  const fromX = ball.x;
  const fromY = ball.y;
  let x = fromX + ball.vx * dt;
  let y = fromY + ball.vy * dt;
  const r = PONG.ballRadius;
  if (y < r) {
    y = 2 * r - y;
    ball.vy = -ball.vy;
  } else if (y > PONG.height - r) {
    y = 2 * (PONG.height - r) - y;
    ball.vy = -ball.vy;
  }
  const side = ball.vx < 0 ? 1 : 2;
  const paddle = paddleOn(match, side);
  if (paddle !== undefined) {
    // The plane the ball's leading edge must not cross: the paddle's face, offset by the radius.
    const face = side === 1 ? paddle.x + PONG.paddleWidth / 2 + r : paddle.x - PONG.paddleWidth / 2 - r;
    const crossed = side === 1 ? fromX >= face && x < face : fromX <= face && x > face;
    if (crossed) {
      const along = (face - fromX) / (x - fromX);
      const atY = fromY + (y - fromY) * along;
      const offset = (atY - paddle.y) / (HALF_PADDLE + r);
      if (Math.abs(offset) <= 1) {
        const speed = Math.min(Math.hypot(ball.vx, ball.vy) * PONG.speedUp, PONG.maxBallSpeed);
        const angle = offset * PONG.maxBounceAngle;
        ball.vx = Math.fround((side === 1 ? 1 : -1) * speed * Math.cos(angle));
        ball.vy = Math.fround(speed * Math.sin(angle));
        x = face;
        y = atY;
      }
    }
  }
  ball.x = Math.fround(x);
  ball.y = Math.fround(y);
  if (x < -r) score(match, 2, random);
  else if (x > PONG.width + r) score(match, 1, random);
}

function paddleOn(match: Match, side: number): Paddle | undefined {
  let found: Paddle | undefined;
  match.players.forEach((paddle) => {
    if (paddle.side === side) found = paddle;
  });
  return found;
}

/** A point for `side`; the match ends at the limit, else the ball is served to the side that conceded. */
function score(match: Match, side: number, random: Random): void {
  let scorer = "";
  match.players.forEach((paddle, id) => {
    if (paddle.side !== side) return;
    paddle.score++;
    scorer = id;
  });
  if (scorer !== "" && (match.players.get(scorer)?.score ?? 0) >= match.scoreLimit) {
    match.status = "finished";
    match.winner = scorer;
    return;
  }
  serve(match.ball, side === 1 ? 2 : 1, random);
  match.serveIn = PONG.serveDelayTicks;
}

/** A player left for good (after any reconnection window): mid-match, the other wins. */
export function removePaddle(match: Match & { players: { delete(id: string): unknown } }, sessionId: string): void {
  match.players.delete(sessionId);
  if (match.status !== "playing") return;
  match.status = "finished";
  match.players.forEach((_paddle, id) => {
    match.winner = id;
  });
}

/** How a client predicts its own paddle and interpolates the other (`RealtimeSession.attach(room, pongNetcode)`). */
export const pongNetcode: NetcodeSpec<PongPaddle, PongInput> = {
  collection: "players",
  step: movePaddle,
  // `x` never changes; it is listed so corrections are measured as a distance on the board.
  predictedFields: ["x", "y"],
  positionFields: ["x", "y"],
  interpolatedFields: { y: {} },
  input: PongInput,
  sanitize: sanitizeInput,
  inputNumberFields: ["move"],
  // A paddle reverses often: guess it on for a short stall only.
  extrapolation: { maxMs: 150, catchUpSpeed: PONG.paddleSpeed },
};

/** Once the match is over: the winner first, the other second. */
export function standings(match: Match): Standings | undefined {
  if (match.status !== "finished") return undefined;
  const places: Record<string, number> = {};
  match.players.forEach((_paddle, id) => {
    places[id] = id === match.winner ? 1 : 2;
  });
  return places;
}
