/**
 * What one fixed step of a real-time room needs from the room, as the rules see it: the
 * inputs due now and, with lag compensation, what each player saw. Pure (no Colyseus):
 * rules take it as a parameter; `RealtimeRoom` builds it once, and tests build their own.
 */

/** The keys of `E` whose values are numbers (what lag compensation can rewind). */
export type NumericKeys<E> = { [K in keyof E]: E[K] extends number ? K : never }[keyof E] & string;

export interface TickInputs<I> {
  /**
   * Call `apply` for each input of `playerId` due this tick, oldest first (none while its
   * socket is down). Read a frame inside `apply` only: the room reuses it once applied.
   */
  forEach(playerId: string, apply: (input: I) => void): void;
  /**
   * The value of `target`'s `field` on `viewerId`'s screen when it sent the input being
   * applied (lag compensation, bounded by the room's `maxRewindMs`); the live value in a
   * room without lag compensation. Read it at once: the next call may re-aim the view.
   */
  seen<E extends object>(viewerId: string, target: E, field: NumericKeys<E>): number;
}
