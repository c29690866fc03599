/**
 * What a room shows in listings and the lobby (Colyseus listing metadata). Flat keys only:
 * Colyseus filters and sorts on top-level metadata. `open` is what player matchmaking
 * filters on; a room type adds its own filter keys (the arena's `mode` and `region`, a
 * chat's `channel`) from its create options.
 */
// colyseus-internal: listing-metadata-filters
export interface ListingMetadata {
  /** The room type (the name it is registered under). */
  type: string;
  /** `open`/`full` by default; turn-based games show their phase (`waiting`, `playing`, `finished`). */
  status: string;
  players: number;
  maxPlayers: number;
  spectators: number;
  /** A player asking for a seat may join: a free player slot in a game that still seats players. */
  open: boolean;
  /** Private rooms only: the code friends join with. */
  code?: string;
  [filterKey: string]: string | number | boolean | undefined;
}
