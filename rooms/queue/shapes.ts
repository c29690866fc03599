import { z } from "zod";

/** The games the queue forms matches for: which room it creates, with which teams. */
export const QUEUE_GAMES = ["tictactoe", "arena"] as const;
export type QueueGame = (typeof QUEUE_GAMES)[number];

export const queueJoinOptions = z.object({
  game: z.enum(QUEUE_GAMES),
  /** Friends share a party key (any agreed word) and the party size; they land on one team. */
  party: z
    .string()
    .regex(/^[\w-]{1,32}$/, "1-32 of letters, digits, _ and -")
    .optional(),
  partySize: z.number().int().min(1).max(8).default(1),
});
export type QueueJoinOptions = z.output<typeof queueJoinOptions>;

/** Sent to each member when its match is ready: a seat reservation for `consumeSeatReservation`. */
export interface QueueSeat {
  readonly seat: unknown;
  readonly team: number;
}
