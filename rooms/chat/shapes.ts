import { z } from "zod";
import { CHANNEL_PATTERN, CHANNEL_RULE } from "../../shared/limits.ts";

/** Oldest messages fall off past this many. */
export const HISTORY_LIMIT = 100;
export const TEXT_MAX_LENGTH = 500;

/** Rooms are matched by channel (`filterBy(["channel"])`); no channel is the public lobby channel "". */
export const chatJoinOptions = z.object({
  channel: z.string().trim().regex(CHANNEL_PATTERN, CHANNEL_RULE).default(""),
});

/**
 * Any string is a well-formed `say`: "too long" is a refusal the player sees
 * (`TEXT_TOO_LONG`), not a disconnect. The transport's frame limit bounds the size.
 */
export const sayMessage = z.object({ text: z.string() });
