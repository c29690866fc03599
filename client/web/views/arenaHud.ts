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
    return Math.max(0, Math.ceil((since + RESPAWN_MS - now) / 1000));
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
