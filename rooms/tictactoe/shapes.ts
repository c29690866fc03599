import { z } from "zod";

/** A cell index outside 0..8 is not a move at all: the client is closed (4002). */
export const moveMessage = z.object({ index: z.number().int().min(0).max(8) });

/** Ask to play again once the game is over; sent with no payload (or an empty object). */
export const rematchMessage = z.object({}).strict().optional();
