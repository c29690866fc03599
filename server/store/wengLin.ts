/**
 * Team ratings by Weng & Lin, "A Bayesian Approximation Method for Online Ranking" (JMLR
 * 2011), the Bradley-Terry full-pairing model, as OpenSkill implements it (its defaults for
 * gamma and kappa). Written here rather than taken from `openskill` (5.x pulls about 160
 * `@stdlib` packages) because the update is forty lines of arithmetic. Pure.
 *
 * A rating is a mean `mu` and an uncertainty `sigma`; teams are rated by the sum of their
 * members' means and variances, every team is compared with every other, and each member
 * moves by its share of its team's variance (an uncertain newcomer moves most).
 */

export interface Rating {
  readonly mu: number;
  readonly sigma: number;
}

/** The scale: a new player is 1000 +- 333 (the queue's guest rating is 1000). */
export const RATING_SCALE = Object.freeze({
  mu: 1000,
  sigma: 1000 / 3,
  /** The skill gap that gives the better side a 76% chance (half the initial sigma, as in TrueSkill). */
  beta: 1000 / 6,
  /** Uncertainty added before every match: skills drift, so sigma never settles at zero. */
  tau: 1000 / 300,
  /** Floor of a variance's shrink factor (OpenSkill's kappa): one match never makes a rating certain. */
  kappa: 0.0001,
});

export function newRating(): Rating {
  return { mu: RATING_SCALE.mu, sigma: RATING_SCALE.sigma };
}

/** What leaderboards sort by: a rating the player is very likely above (mu - 3 sigma). */
export function ordinal(rating: Rating): number {
  return rating.mu - 3 * rating.sigma;
}

/**
 * New ratings after one match. `teams[i]` are the members' ratings, `places[i]` the team's
 * place (1 = first; equal places are a draw between those teams). Returns the members'
 * new ratings, in the same shape.
 */
export function rate(teams: ReadonlyArray<ReadonlyArray<Rating>>, places: readonly number[]): Rating[][] {
  if (teams.length < 2) throw new Error("a rated match needs at least two teams");
  if (places.length !== teams.length) throw new Error("one place per team");
  const { beta, tau, kappa } = RATING_SCALE;
  // Drift first: every member's uncertainty grows a little before the evidence shrinks it.
  const drifted = teams.map((members) => members.map(({ mu, sigma }) => ({ mu, sigma: Math.sqrt(sigma * sigma + tau * tau) })));
  const teamMu = drifted.map((members) => members.reduce((sum, member) => sum + member.mu, 0));
  const teamVariance = drifted.map((members) => members.reduce((sum, member) => sum + member.sigma * member.sigma, 0));

  return drifted.map((members, i) => {
    let omega = 0;
    let delta = 0;
    for (let q = 0; q < drifted.length; q++) {
      if (q === i) continue;
      const c = Math.sqrt(teamVariance[i]! + teamVariance[q]! + 2 * beta * beta);
      const pIq = 1 / (1 + Math.exp((teamMu[q]! - teamMu[i]!) / c));
      const score = places[q]! > places[i]! ? 1 : places[q]! < places[i]! ? 0 : 0.5;
      omega += (teamVariance[i]! / c) * (score - pIq);
      const gamma = Math.sqrt(teamVariance[i]!) / c;
      delta += ((gamma * teamVariance[i]!) / (c * c)) * pIq * (1 - pIq);
    }
    return members.map(({ mu, sigma }) => {
      const share = (sigma * sigma) / teamVariance[i]!;
      return { mu: mu + share * omega, sigma: sigma * Math.sqrt(Math.max(1 - share * delta, kappa)) };
    });
  });
}
