import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TickInputs } from "../../rooms/base/tickInputs.ts";
import {
  freeSide,
  guessLateInput,
  type Match,
  movePaddle,
  type Paddle,
  paddleX,
  removePaddle,
  sanitizeInput,
  seatPaddle,
  serve,
  stepPong,
} from "../../rooms/pong/rules.ts";
import { PONG } from "../../rooms/pong/shapes.ts";
import type { PongInput } from "../../schema/PongState.ts";
import { type Random, seededRandom } from "../../shared/random.ts";

const DT = 1 / PONG.tickRate;
const R = PONG.ballRadius;

type TestMatch = Match & { players: Map<string, Paddle> };

function match(scoreLimit = 5): TestMatch {
  return { players: new Map(), ball: { x: 0, y: 0, vx: 0, vy: 0 }, status: "waiting", scoreLimit, serveIn: 0, winner: "", tick: 0 };
}

function paddle(): Paddle {
  return { side: 0, x: 0, y: 0, score: 0 };
}

/** A match of "left" and "right", started, the serve countdown over. */
function started(random: Random = seededRandom(1), scoreLimit = 5): TestMatch {
  const m = match(scoreLimit);
  for (const [id, side] of [
    ["left", 1],
    ["right", 2],
  ] as const) {
    const p = paddle();
    m.players.set(id, p);
    seatPaddle(m, p, side, random);
  }
  m.serveIn = 0;
  return m;
}

/** Each player's move for this tick (none: the paddle holds). */
function moves(perPlayer: Readonly<Record<string, number>> = {}): TickInputs<PongInput> {
  return {
    forEach: (id, apply) => {
      const move = perPlayer[id];
      if (move !== undefined) apply({ move } as PongInput);
    },
    seen: (_viewer, target, field) => target[field] as number,
  };
}

function run(m: TestMatch, ticks: number, inputs = moves(), random: Random = seededRandom(2)): void {
  for (let i = 0; i < ticks; i++) stepPong(m, inputs, DT, random);
}

describe("pong paddles", () => {
  it("move at most paddleSpeed x dt a tick, float32-exact, and never past a wall", () => {
    const p = { y: 250 };
    movePaddle(p, { move: 1 }, DT);
    assert.equal(p.y, Math.fround(250 + PONG.paddleSpeed * DT));
    movePaddle(p, { move: 7 }, DT);
    assert.equal(p.y, Math.fround(Math.fround(250 + PONG.paddleSpeed * DT) + PONG.paddleSpeed * DT), "a move past 1 counts as 1");
    for (let i = 0; i < 200; i++) movePaddle(p, { move: -1 }, DT);
    assert.equal(p.y, PONG.paddleHeight / 2);
    for (let i = 0; i < 200; i++) movePaddle(p, { move: 1 }, DT);
    assert.equal(p.y, PONG.height - PONG.paddleHeight / 2);
  });

  it("sanitize makes any frame legal and leaves a legal one alone", () => {
    for (const [raw, legal] of [
      [Number.NaN, 0],
      [Infinity, 0],
      [-Infinity, 0],
      [5, 1],
      [-5, -1],
      [0.25, 0.25],
    ] as const) {
      const input = { move: raw };
      sanitizeInput(input);
      assert.equal(input.move, legal, String(raw));
    }
  });

  it("guess a late frame as the last one's move (lateInput)", () => {
    const into = { move: 0 };
    guessLateInput({ move: -0.5 }, into);
    assert.equal(into.move, -0.5);
  });

  it("seat the first on the left, the second on the right, or where the queue put them", () => {
    const m = match();
    assert.equal(freeSide(m, undefined), 1);
    assert.equal(freeSide(m, 2), 2);
    const right = paddle();
    m.players.set("r", right);
    seatPaddle(m, right, 2, seededRandom(1));
    assert.equal(freeSide(m, 2), 1, "a taken side is not given twice");
    assert.equal(right.x, paddleX(2));
    assert.equal(m.status, "waiting");
  });
});

describe("pong matches", () => {
  it("start when the second player sits: the ball centred, the countdown running", () => {
    const m = match();
    const random = seededRandom(3);
    for (const side of [1, 2]) {
      const p = paddle();
      m.players.set(`p${side}`, p);
      seatPaddle(m, p, side, random);
    }
    assert.equal(m.status, "playing");
    assert.deepEqual([m.ball.x, m.ball.y], [PONG.width / 2, PONG.height / 2]);
    assert.equal(m.serveIn, PONG.serveDelayTicks);
    run(m, PONG.serveDelayTicks);
    assert.deepEqual([m.ball.x, m.ball.y], [PONG.width / 2, PONG.height / 2], "the ball waits out the countdown");
    run(m, 1);
    assert.notEqual(m.ball.x, PONG.width / 2);
  });

  it("bounce the ball off the top and bottom walls", () => {
    const m = started();
    Object.assign(m.ball, { x: 400, y: R + 2, vx: 0, vy: -300 });
    run(m, 1);
    assert.ok(m.ball.vy > 0, "heading down after the top wall");
    assert.ok(m.ball.y >= R);
    Object.assign(m.ball, { x: 400, y: PONG.height - R - 2, vx: 0, vy: 300 });
    run(m, 1);
    assert.ok(m.ball.vy < 0, "heading up after the bottom wall");
    assert.ok(m.ball.y <= PONG.height - R);
  });

  it("return a ball that meets a paddle, faster, at an angle set by where it hit", () => {
    const m = started();
    const left = m.players.get("left")!;
    left.y = 250;
    Object.assign(m.ball, { x: 80, y: 250, vx: -400, vy: 0 });
    run(m, 10);
    assert.ok(m.ball.vx > 0, "returned");
    assert.ok(Math.abs(m.ball.vy) < 1e-3, "a centre hit leaves straight");
    assert.ok(Math.abs(m.ball.vx - Math.fround(400 * PONG.speedUp)) < 1e-2, "faster by speedUp");

    Object.assign(m.ball, { x: 80, y: 250 + PONG.paddleHeight / 2, vx: -400, vy: 0 });
    run(m, 10);
    assert.ok(m.ball.vx > 0 && m.ball.vy > 0, "an edge hit leaves at an angle, away from the centre");
  });

  it("never let a ball at full speed tunnel through a paddle in its path (seeded)", () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const m = started();
      const left = m.players.get("left")!;
      left.y = PONG.paddleHeight / 2 + random() * (PONG.height - PONG.paddleHeight);
      // Anywhere on the paddle's face, from anywhere across the court, at the fastest speed.
      const aimY = left.y + (random() * 2 - 1) * (PONG.paddleHeight / 2);
      const startX = 100 + random() * 600;
      const ticks = (startX - paddleX(1)) / (PONG.maxBallSpeed * DT);
      Object.assign(m.ball, { x: startX, y: aimY, vx: -PONG.maxBallSpeed, vy: 0 });
      run(m, Math.ceil(ticks) + 2);
      assert.ok(m.ball.vx > 0, `trial ${trial}: the ball aimed at y=${aimY.toFixed(1)} got through a paddle at ${left.y.toFixed(1)}`);
    }
  });

  it("score a missed ball for the other side and serve it to the side that conceded", () => {
    const m = started();
    m.players.get("left")!.y = PONG.paddleHeight / 2;
    Object.assign(m.ball, { x: 100, y: 400, vx: -600, vy: 0 });
    run(m, 20);
    assert.equal(m.players.get("right")!.score, 1);
    assert.equal(m.players.get("left")!.score, 0);
    assert.equal(m.serveIn > 0, true, "a countdown before the next serve");
    assert.ok(m.ball.vx < 0, "served toward the left, who conceded");
  });

  it("end at the score limit with the winner; a finished match moves the ball no more", () => {
    const m = started(seededRandom(1), 1);
    m.players.get("right")!.y = PONG.paddleHeight / 2;
    Object.assign(m.ball, { x: 700, y: 400, vx: 600, vy: 0 });
    run(m, 20);
    assert.equal(m.status, "finished");
    assert.equal(m.winner, "left");
    const at = { ...m.ball };
    run(m, 30);
    assert.deepEqual({ ...m.ball }, at);
  });

  it("give the match to the one who stays when the other leaves mid-match; before it starts, free the side", () => {
    const m = started();
    removePaddle(m, "left");
    assert.equal(m.status, "finished");
    assert.equal(m.winner, "right");

    const waiting = match();
    const p = paddle();
    waiting.players.set("a", p);
    seatPaddle(waiting, p, 1, seededRandom(1));
    removePaddle(waiting, "a");
    assert.equal(waiting.status, "waiting");
    assert.equal(freeSide(waiting, undefined), 1);
  });

  it("keep every invariant through random play, and replay exactly from a seed", () => {
    const play = (seed: number): TestMatch => {
      const random = seededRandom(seed);
      const m = started(random, 3);
      const inputs: TickInputs<PongInput> = {
        forEach: (id, apply) => {
          const mine = m.players.get(id)!;
          // Follow the ball, but slowly and not always: some points are won, some lost.
          const move = random() < 0.5 ? 0 : Math.sign(m.ball.y - mine.y) * 0.5;
          const frame = { move: random() < 0.02 ? Number.NaN : move };
          sanitizeInput(frame);
          apply(frame as PongInput);
        },
        seen: (_viewer, target, field) => target[field] as number,
      };
      for (let tick = 0; tick < 5 * 60 * PONG.tickRate && m.status === "playing"; tick++) {
        stepPong(m, inputs, DT, random);
        const { ball } = m;
        assert.ok(ball.y >= R - 1e-3 && ball.y <= PONG.height - R + 1e-3, `seed ${seed} tick ${tick}: ball y ${ball.y}`);
        assert.ok(Math.hypot(ball.vx, ball.vy) <= PONG.maxBallSpeed + 1e-2, `seed ${seed}: ball speed`);
        for (const p of m.players.values()) {
          assert.ok(p.y >= PONG.paddleHeight / 2 && p.y <= PONG.height - PONG.paddleHeight / 2, `seed ${seed}: paddle y ${p.y}`);
          assert.ok(p.score <= m.scoreLimit);
        }
      }
      return m;
    };
    for (let seed = 1; seed <= 20; seed++) {
      const m = play(seed);
      assert.equal(m.status, "finished", `seed ${seed}: a match to 3 ends within five minutes`);
      assert.equal(m.players.get(m.winner)?.score, 3);
    }
    const snapshot = (m: TestMatch) => JSON.stringify({ ...m, players: [...m.players] });
    assert.equal(snapshot(play(5)), snapshot(play(5)));
  });

  it("serve within the serve angle, at serve speed, toward the side asked", () => {
    const random = seededRandom(9);
    for (let i = 0; i < 100; i++) {
      const ball = { x: 0, y: 0, vx: 0, vy: 0 };
      const toward = i % 2 === 0 ? 1 : 2;
      serve(ball, toward, random);
      assert.equal(Math.sign(ball.vx), toward === 1 ? -1 : 1);
      assert.ok(Math.abs(Math.atan2(ball.vy, Math.abs(ball.vx))) <= PONG.maxServeAngle + 1e-6);
      assert.ok(Math.abs(Math.hypot(ball.vx, ball.vy) - PONG.serveSpeed) < 1e-3);
    }
  });
});
