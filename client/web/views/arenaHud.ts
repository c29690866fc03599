import { ARENA } from "../../../rooms/arena/shapes.ts";
import { el } from "../elements.ts";

/** How long a dead player stays dead on the server: the client counts down from the kill's arrival. */
const RESPAWN_MS = (ARENA.respawnTicks / ARENA.tickRate) * 1000;
/** A kill-feed line fades out over its last second and is gone after this long. */
const FEED_MS = 5000;
const FEED_LINES = 5;

/**
 * When each dead player died (as this page learnt it) and who killed it, for the
 * countdowns. The kill event arrives in the same patch as `alive` turning false, so
 * counting `RESPAWN_MS` from its arrival ends within a patch of the respawn. A player
 * seen dead without a kill event (joined or reconnected mid-death) counts from then.
 */
export class Deaths {
  readonly #since = new Map<string, number>();
  readonly #killer = new Map<string, string>();

  killed(id: string, killerName: string, now: number): void {
    this.#since.set(id, now);
    this.#killer.set(id, killerName);
  }

  /** Note `id` alive or dead this frame; returns the whole seconds left until its respawn (0 when alive or due). */
  observe(id: string, alive: boolean, now: number): number {
    if (alive) {
      if (this.#since.has(id)) {
        this.#since.delete(id);
        this.#killer.delete(id);
      }
      return 0;
    }
    let since = this.#since.get(id);
    if (since === undefined) {
      since = now;
      this.#since.set(id, now);
    }
    // Never more than the respawn delay: a frame's time (the frame's start) can come before
    // the moment the kill event was handled, which would show "3" for a 2 s respawn.
    return Math.max(0, Math.ceil(Math.min(RESPAWN_MS, since + RESPAWN_MS - now) / 1000));
  }

  killerOf(id: string): string | undefined {
    return this.#killer.get(id);
  }

  /** Drop players no longer in the room. */
  forget(present: (id: string) => boolean): void {
    for (const id of this.#since.keys()) {
      if (!present(id)) {
        this.#since.delete(id);
        this.#killer.delete(id);
      }
    }
  }
}

/**
 * "Ada ✕ Bob" lines over the canvas, newest on top, at most five, each fading out after
 * five seconds (a CSS animation; `prune` removes it once done). Names go in as text, never
 * as markup: a player's name is whatever that player typed.
 */
export class KillFeed {
  readonly element = el("ol", { class: "arena-feed", "data-testid": "kill-feed", "aria-live": "polite" });
  /** Arrival times, oldest last (the same order as the list's children). */
  readonly #times: number[] = [];

  add(killer: string, victim: string, now: number, mine: "killer" | "victim" | undefined): void {
    const line = el(
      "li",
      { class: mine === undefined ? undefined : `mine-${mine}` },
      el("span", { class: "who" }, killer),
      el("span", { class: "cross", "aria-label": "eliminated" }, " ✕ "),
      el("span", { class: "who" }, victim),
    );
    this.element.prepend(line);
    this.#times.unshift(now);
    while (this.#times.length > FEED_LINES) this.#drop();
  }

  /** Remove lines that have faded out; cheap when there is nothing to remove (called every frame). */
  prune(now: number): void {
    while (this.#times.length > 0 && now - this.#times[this.#times.length - 1]! >= FEED_MS) this.#drop();
  }

  #drop(): void {
    this.#times.pop();
    this.element.lastElementChild?.remove();
  }
}

/** The local player's "You were eliminated by Ada — respawning in 2…" overlay. */
export class RespawnNotice {
  readonly #killer = el("span", { class: "who" });
  readonly #countdown = el("span", { class: "countdown" });
  readonly element = el(
    "div",
    { class: "arena-respawn", "data-testid": "respawn-overlay", role: "status", hidden: true },
    el("strong", { class: "headline" }, "You were eliminated", this.#killer),
    el("span", { class: "dash" }, " — "),
    this.#countdown,
  );
  #shownKiller: string | undefined = "";
  #shownSeconds = -1;

  /** Show the notice; the DOM is touched only when the killer or the whole second changes, not every frame. */
  show(killer: string | undefined, secondsLeft: number): void {
    if (this.element.hidden) this.element.hidden = false;
    if (killer !== this.#shownKiller) {
      this.#shownKiller = killer;
      this.#killer.textContent = killer === undefined ? "" : ` by ${killer}`;
    }
    if (secondsLeft !== this.#shownSeconds) {
      this.#shownSeconds = secondsLeft;
      this.#countdown.textContent = secondsLeft > 0 ? `respawning in ${secondsLeft}…` : "respawning…";
    }
  }

  hide(): void {
    if (!this.element.hidden) this.element.hidden = true;
  }
}

/** "First to 20 · 3:12 left" for a ranked match (either part alone when only one limit is set); undefined without limits (casual play). */
export function describeLimits(scoreLimit: number, endTick: number, tick: number, tickRate: number = ARENA.tickRate): string | undefined {
  const parts: string[] = [];
  if (scoreLimit > 0) parts.push(`First to ${scoreLimit}`);
  if (endTick > 0) {
    const seconds = Math.max(0, Math.ceil((endTick - tick) / tickRate));
    parts.push(`${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} left`);
  }
  return parts.length === 0 ? undefined : parts.join(" · ");
}

/** A player as the end of a match sees it. */
export interface FinalScore {
  readonly id: string;
  readonly name: string;
  readonly team: number;
  readonly score: number;
}

/** Who won a finished match: the headline, the score, and what it means for `me` (undefined: a spectator). */
export interface ArenaOutcome {
  /** "Team 1 wins", "Ada wins", "Draw". */
  readonly headline: string;
  /** "20 – 14" (sides best first). */
  readonly score: string;
  readonly verdict: "won" | "lost" | "draw" | undefined;
}

/** The winning side of a finished match: teams by their summed kills in team mode, else players by their own. */
export function arenaOutcome(players: readonly FinalScore[], mode: string, me: string | undefined): ArenaOutcome {
  const teams = mode === "teams";
  const sides = new Map<string, { label: string; score: number; members: string[] }>();
  for (const player of players) {
    const key = teams ? `team:${player.team}` : player.id;
    const side = sides.get(key) ?? { label: teams ? `Team ${player.team}` : player.name, score: 0, members: [] };
    side.score += player.score;
    side.members.push(player.id);
    sides.set(key, side);
  }
  const ranked = [...sides.values()].sort((a, b) => b.score - a.score);
  const best = ranked[0]?.score ?? 0;
  const winners = ranked.filter((side) => side.score === best);
  const score = ranked.map((side) => String(side.score)).join(" – ");
  const mine = me === undefined ? undefined : ranked.find((side) => side.members.includes(me));
  const verdict = mine === undefined ? undefined : mine.score < best ? "lost" : winners.length > 1 ? "draw" : "won";
  return { headline: winners.length === 1 ? `${winners[0]!.label} wins` : "Draw", score, verdict };
}

const VERDICT_WORDS = {
  teams: { won: "Your team won!", lost: "Your team lost.", draw: "A draw." },
  ffa: { won: "You won!", lost: "You lost.", draw: "A draw." },
} as const;

/**
 * The "Match over" overlay of a ranked match: the winning side, the score, what it means for
 * this player, and (`extra`) the rating change once the store has it.
 */
export class MatchOver {
  readonly #headline = el("strong", { class: "headline" });
  readonly #score = el("span", { class: "final-score" });
  readonly #verdict = el("span", { class: "verdict" });
  readonly element: HTMLElement;

  constructor(extra: HTMLElement) {
    this.element = el(
      "div",
      { class: "arena-over", "data-testid": "match-over", role: "status", hidden: true },
      el("span", { class: "title" }, "Match over"),
      this.#headline,
      this.#score,
      this.#verdict,
      extra,
      el("a", { class: "button", href: "#/" }, "Back to the lobby"),
    );
  }

  show(outcome: ArenaOutcome, mode: string): void {
    this.#headline.textContent = outcome.headline;
    this.#score.textContent = outcome.score;
    this.#verdict.textContent = outcome.verdict === undefined ? "" : VERDICT_WORDS[mode === "teams" ? "teams" : "ffa"][outcome.verdict];
    this.#verdict.dataset.verdict = outcome.verdict ?? "";
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
