import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newRating, ordinal, RATING_SCALE, type Rating, rate } from "../../server/store/wengLin.ts";

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe("Weng-Lin team ratings (Bradley-Terry, full pairing)", () => {
  it("moves two newcomers apart by the same amount, and makes both surer", () => {
    const [[winner], [loser]] = rate([[newRating()], [newRating()]], [1, 2]) as [[Rating], [Rating]];
    assert.ok(winner.mu > RATING_SCALE.mu && loser.mu < RATING_SCALE.mu);
    close(winner.mu - RATING_SCALE.mu, RATING_SCALE.mu - loser.mu, 1e-9, "symmetric");
    assert.ok(winner.sigma < RATING_SCALE.sigma && loser.sigma < RATING_SCALE.sigma);
    assert.equal(winner.sigma, loser.sigma);
  });

  it("matches OpenSkill's numbers on its own scale (mu 25, sigma 25/3) once rescaled", () => {
    // OpenSkill's documented first example, rate([[a],[b]]) for two default players:
    // winner mu 27.63523138347365, sigma 8.065506316323548; loser mirrored.
    // Our scale is OpenSkill's times 40 (mu 1000, sigma 1000/3, beta 1000/6), tau aside:
    // OpenSkill's default tau is 25/300, ours 1000/300, the same ratio.
    const [[winner]] = rate([[newRating()], [newRating()]], [1, 2]) as [[Rating]];
    close(winner.mu / 40, 27.63523138347365, 0.01, "winner mu");
    close(winner.sigma / 40, 8.065506316323548, 0.01, "winner sigma");
  });

  it("rewards an upset more than an expected win", () => {
    const strong = { mu: 1400, sigma: 100 };
    const weak = { mu: 900, sigma: 100 };
    const [[expectedWin]] = rate([[strong], [weak]], [1, 2]) as [[Rating]];
    const [, [upsetWin]] = rate([[strong], [weak]], [2, 1]) as [unknown, [Rating]];
    assert.ok(upsetWin.mu - weak.mu > expectedWin.mu - strong.mu);
  });

  it("pulls a draw between unequal players toward each other", () => {
    const [[high], [low]] = rate([[{ mu: 1200, sigma: 200 }], [{ mu: 800, sigma: 200 }]], [1, 1]) as [[Rating], [Rating]];
    assert.ok(high.mu < 1200 && low.mu > 800);
  });

  it("splits a team's change by each member's uncertainty", () => {
    const sure = { mu: 1000, sigma: 50 };
    const unsure = { mu: 1000, sigma: 300 };
    const [[a, b]] = rate([[sure, unsure], [newRating()]], [1, 2]) as [[Rating, Rating]];
    assert.ok(b.mu - unsure.mu > a.mu - sure.mu, "the uncertain member moves more");
  });

  it("ranks by a rating the player is very likely above", () => {
    assert.equal(ordinal({ mu: 1000, sigma: 100 }), 700);
  });

  it("refuses a match it cannot rate", () => {
    assert.throws(() => rate([[newRating()]], [1]), /two teams/);
    assert.throws(() => rate([[newRating()], [newRating()]], [1]), /one place per team/);
  });
});
