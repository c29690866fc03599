import { z } from "zod";

/** Oldest messages fall off past this many. */
export const HISTORY_LIMIT = 100;
export const TEXT_MAX_LENGTH = 500;
export const NAME_MAX_LENGTH = 32;

/**
 * Raw text bound checked at the boundary. Kept above TEXT_MAX_LENGTH so that "too long"
 * is a refusal the player sees (`TEXT_TOO_LONG`), not a disconnect; anything past this is
 * not a chat message but junk.
 */
const RAW_TEXT_BOUND = 2048;

export const chatJoinOptions = z.object({
  name: z.string().trim().min(1).max(NAME_MAX_LENGTH).optional(),
  /** Rooms are matched by channel; no channel is the public lobby channel "". */
  channel: z.string().trim().max(32).regex(/^[\w-]*$/, "letters, digits, _ and - only").default(""),
});
export type ChatJoinOptions = z.output<typeof chatJoinOptions>;

export const sayMessage = z.object({ text: z.string().max(RAW_TEXT_BOUND) });
export type SayMessage = z.output<typeof sayMessage>;
