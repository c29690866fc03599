/**
 * Pure queue rules: how tickets (a solo player or a whole party) become matches. Groups
 * form by rating proximity; the gap each ticket accepts widens the longer it waits;
 * a party is never split and always lands on one team.
 */

export interface Ticket {
  /** The party key, or the session id of a solo player. */
  readonly id: string;
  /** Session ids of everyone on this ticket. */
  readonly members: readonly string[];
  /** Average rating of the members. */
  readonly rating: number;
  /** When the ticket became complete (all party members queued), ms on the room clock. */
  readonly readyAt: number;
}

export interface MatchShape {
  readonly teams: number;
  readonly teamSize: number;
}

export interface Widening {
  /** Rating gap accepted at once. */
  readonly baseGap: number;
  /** Added to the gap for every second waited. */
  readonly gapPerSecond: number;
  /** The gap never grows past this. */
  readonly maxGap: number;
}

export interface FormedMatch {
  /** Session ids per team; party members always share a team. */
  readonly teams: readonly (readonly string[])[];
  readonly tickets: readonly Ticket[];
}

export function acceptedGap(waitedMs: number, widening: Widening): number {
  return Math.min(widening.maxGap, widening.baseGap + (widening.gapPerSecond * Math.max(0, waitedMs)) / 1000);
}

/**
 * Form as many matches as the tickets allow at `now`. Oldest tickets anchor first; two
 * tickets may play together only when the rating gap between them is within what both
 * accept by now (a newcomer is not thrown at an outlier just because the outlier waited).
 * Candidates are taken closest-rated first and packed into teams whole.
 */
export function formMatches(tickets: readonly Ticket[], now: number, shape: MatchShape, widening: Widening): FormedMatch[] {
  const waiting = [...tickets].sort((a, b) => a.readyAt - b.readyAt || a.id.localeCompare(b.id));
  const used = new Set<string>();
  const matches: FormedMatch[] = [];
  for (const anchor of waiting) {
    if (used.has(anchor.id)) continue;
    const anchorGap = acceptedGap(now - anchor.readyAt, widening);
    const candidates = waiting
      .filter((t) => t !== anchor && !used.has(t.id))
      .filter((t) => Math.abs(t.rating - anchor.rating) <= Math.min(anchorGap, acceptedGap(now - t.readyAt, widening)))
      .sort((a, b) => Math.abs(a.rating - anchor.rating) - Math.abs(b.rating - anchor.rating) || a.readyAt - b.readyAt);
    const teams = pack([anchor, ...candidates], shape);
    if (teams === undefined) continue;
    for (const ticket of teams.tickets) used.add(ticket.id);
    matches.push(teams);
  }
  return matches;
}

/** Fill every team exactly, tickets whole, in the given order (first ticket always in). */
function pack(ordered: readonly Ticket[], shape: MatchShape): FormedMatch | undefined {
  const teams: string[][] = Array.from({ length: shape.teams }, () => []);
  const taken: Ticket[] = [];
  for (const ticket of ordered) {
    // The emptiest team that still fits the whole ticket.
    let best: string[] | undefined;
    for (const team of teams) {
      if (team.length + ticket.members.length <= shape.teamSize && (best === undefined || team.length < best.length)) best = team;
    }
    if (best === undefined) {
      if (taken.length === 0) return undefined;
      continue;
    }
    best.push(...ticket.members);
    taken.push(ticket);
    if (teams.every((team) => team.length === shape.teamSize)) return { teams, tickets: taken };
  }
  return undefined;
}
