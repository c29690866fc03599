import { z } from "zod";

/**
 * Join options every room with players and spectators accepts. Spread into a room's
 * join-options schema and pass it through `withSeating`.
 */
export const seatingOptions = {
  /** Watch instead of play: receive state, act on nothing, take no player slot. */
  spectator: z.boolean().default(false),
  /** With `create`: a private room, reachable only through its join code. */
  private: z.boolean().default(false),
};

/**
 * Adds `open`, the key rooms are matched on (`filterBy([... "open"])`): a player asks for
 * a room with a free player slot (`open: true`), a spectator for one without, a running
 * game. Rooms keep their own `open` metadata current.
 */
export function withSeating<S extends z.ZodObject<z.ZodRawShape & typeof seatingOptions>>(schema: S) {
  return schema.transform((options) => ({ ...options, open: !options.spectator }));
}
