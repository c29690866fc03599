import { z } from "zod";

/** Tunables of pong. Rules read them; rooms never change them at run time. */
export const PONG = Object.freeze({
  tickRate: 60,
  spectators: 8,
  width: 800,
  height: 500,
  paddleHeight: 90,
  paddleWidth: 12,
  /** From a wall to the centre of its paddle. */
  paddleInset: 30,
  /** Units per second at full input. */
  paddleSpeed: 480,
  ballRadius: 8,
  /** Units per second of a fresh serve. */
  serveSpeed: 360,
  /** Every return is this much faster, up to `maxBallSpeed`. */
  speedUp: 1.06,
  maxBallSpeed: 900,
  /** A ball hitting a paddle's edge leaves at this angle from the horizontal; its centre, straight. */
  maxBounceAngle: Math.PI / 3,
  /** A serve leaves within this angle of the horizontal. */
  maxServeAngle: Math.PI / 6,
  /** One second between a point and the next serve. */
  serveDelayTicks: 60,
});

/** Pong's own join options: the score that wins, chosen by whoever creates the room. */
export const pongJoinOptions = z.object({
  scoreLimit: z.number().int().min(1).max(21).default(5),
});
