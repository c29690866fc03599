/**
 * Where a queued player's rating comes from. An interface so that a persisted rating store
 * (or a verified token's claim, once authentication exists) plugs in without touching the
 * queue. Runs once per player when it enters the queue.
 */
export interface RatingSource {
  ratingOf(player: { readonly sessionId: string; readonly token: string | undefined }): Promise<number>;
}

/** Everyone is a guest at the same rating: the default until accounts exist. */
export class GuestRatings implements RatingSource {
  constructor(private readonly guestRating = 1000) {}

  async ratingOf(): Promise<number> {
    return this.guestRating;
  }
}

/** Ratings looked up by bearer token, guests at a default: for tests and small deployments. */
export class TokenRatings implements RatingSource {
  constructor(private readonly byToken: ReadonlyMap<string, number>, private readonly guestRating = 1000) {}

  async ratingOf(player: { readonly token: string | undefined }): Promise<number> {
    return (player.token !== undefined ? this.byToken.get(player.token) : undefined) ?? this.guestRating;
  }
}
