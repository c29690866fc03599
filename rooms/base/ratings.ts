/**
 * Where a queued player's rating comes from. An interface so that a persisted rating store
 * plugs in without touching the queue. Runs once per player when it enters the queue;
 * `playerId` is the verified identity's id (undefined for an anonymous guest).
 */
export interface RatingSource {
  ratingOf(player: { readonly sessionId: string; readonly playerId: string | undefined; readonly game: string }): Promise<number>;
}

/** Everyone is a guest at the same rating: the default without a store. */
export class GuestRatings implements RatingSource {
  constructor(private readonly guestRating = 1000) {}

  async ratingOf(): Promise<number> {
    return this.guestRating;
  }
}

/** Ratings looked up by verified player id, everyone else at a default: for tests and small deployments. */
export class RatingsById implements RatingSource {
  constructor(
    private readonly byId: ReadonlyMap<string, number>,
    private readonly guestRating = 1000,
  ) {}

  async ratingOf(player: { readonly playerId: string | undefined }): Promise<number> {
    return (player.playerId !== undefined ? this.byId.get(player.playerId) : undefined) ?? this.guestRating;
  }
}
