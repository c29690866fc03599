import { z } from "zod";
import { seatingOptions } from "../base/seating.ts";

/** Oldest messages fall off past this many. */
export const HISTORY_LIMIT = 100;
export const TEXT_MAX_LENGTH = 500;
export const NAME_MAX_LENGTH = 32;

export const chatJoinOptions = z.object({
  name: z.string().trim().min(1).max(NAME_MAX_LENGTH).optional(),
  /** Rooms are matched by channel; no channel is the public lobby channel "". */
  channel: z
    .string()
    .trim()
    .max(32)
    .regex(/^[\w-]*$/, "letters, digits, _ and - only")
    .default(""),
  private: seatingOptions.private,
});
export type ChatJoinOptions = z.output<typeof chatJoinOptions>;

/**
 * Any string is a well-formed `say`: "too long" is a refusal the player sees
 * (`TEXT_TOO_LONG`), not a disconnect. The transport's frame limit bounds the size.
 */
export const sayMessage = z.object({ text: z.string() });
export type SayMessage = z.output<typeof sayMessage>;
