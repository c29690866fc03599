import { z } from "zod";

/**
 * Settings a room receives from the server (through `defineRoom(Room, { settings })`),
 * never from a client: Colyseus merges handler options over client options, so the
 * server's `settings` key always replaces anything a client sends under that name.
 */
export const roomSettingsSchema = z.object({
  /** Seconds a dropped client's seat (and entity) is held for the SDK to reconnect. @default 20 */
  reconnectionSeconds: z.number().min(0).max(3600).default(20),
  /** Rooms one process hosts at most; creating one more answers 503. @default 2000 */
  maxRoomsPerProcess: z.number().int().min(1).default(2000),
  queue: z
    .object({
      /** Players per team in queued arena matches (two teams). @default 2 */
      arenaTeamSize: z.number().int().min(1).max(8).default(2),
      /** Rating gap two tickets accept at once. @default 100 */
      baseGap: z.number().min(0).default(100),
      /** Gap added per second waited. @default 50 */
      gapPerSecond: z.number().min(0).default(50),
      /** Largest gap ever accepted. @default 1000 */
      maxGap: z.number().min(0).default(1000),
    })
    .default({ arenaTeamSize: 2, baseGap: 100, gapPerSecond: 50, maxGap: 1000 }),
});

export type RoomSettings = Readonly<z.infer<typeof roomSettingsSchema>>;

export const defaultRoomSettings: RoomSettings = Object.freeze(roomSettingsSchema.parse({}));

/** Read the server-provided settings out of `onCreate` options; defaults when a test creates a room bare. */
export function readRoomSettings(createOptions: unknown): RoomSettings {
  const settings = typeof createOptions === "object" && createOptions !== null ? (createOptions as { settings?: unknown }).settings : undefined;
  return Object.freeze(roomSettingsSchema.parse(settings ?? {}));
}
