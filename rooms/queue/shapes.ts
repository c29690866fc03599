import { z } from "zod";
import { RANKED_GAME_NAMES } from "../../shared/rankedQueue.ts";

/** One queue room per ranked game (`filterBy(["game"])`). */
export const queueJoinOptions = z.object({
  game: z.enum(RANKED_GAME_NAMES),
  /** Friends share a party key (any agreed word) and the party size; they land on one team. */
  party: z
    .string()
    .regex(/^[\w-]{1,32}$/, "1-32 of letters, digits, _ and -")
    .optional(),
  partySize: z.number().int().min(1).max(8).default(1),
});
