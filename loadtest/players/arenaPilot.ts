import { ARENA } from "../../rooms/arena/shapes.ts";
import type { ArenaInput, ArenaPlayer, ArenaState } from "../../schema/ArenaState.ts";

/**
 * How the arena bots play, one input per 60 Hz step: wander with a smoothly turning stick,
 * aim at the nearest living player and fire when one is in range. Shared by the load-test
 * bots (loadtest/arena.ts) and the deploy benchmark's players.
 */
export class ArenaPilot {
  #heading: number;

  constructor(random: () => number = Math.random) {
    this.#heading = random() * Math.PI * 2;
  }

  /** Write this step's input for the player `sessionId` standing at `me`, from the synced state. */
  fill(input: ArenaInput, state: ArenaState, sessionId: string, me: Pick<ArenaPlayer, "x" | "y">): void {
    this.#heading += (Math.random() - 0.5) * 0.2;
    let aim = this.#heading;
    let nearest = Infinity;
    state.players.forEach((other, id) => {
      if (id === sessionId || !other.alive) return;
      const distance = Math.hypot(other.x - me.x, other.y - me.y);
      if (distance < nearest) {
        nearest = distance;
        aim = Math.atan2(other.y - me.y, other.x - me.x);
      }
    });
    input.x = Math.cos(this.#heading);
    input.y = Math.sin(this.#heading);
    input.angle = aim;
    input.fire = nearest < ARENA.shotRange * 0.8;
  }
}
