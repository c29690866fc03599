import { z } from "zod";

/**
 * Settings a room receives from the server (through `defineRoom(Room, { settings })`),
 * never from a client: Colyseus merges handler options over client options, so the
 * server's `settings` key always replaces anything a client sends under that name.
 */
export const roomSettingsSchema = z.object({
  /** Seconds a dropped client's seat (and entity) is held for the SDK to reconnect. @default 20 */
  reconnectionSeconds: z.number().min(0).max(3600).default(20),
});

export type RoomSettings = Readonly<z.infer<typeof roomSettingsSchema>>;

export const defaultRoomSettings: RoomSettings = Object.freeze(roomSettingsSchema.parse({}));

/** Read the server-provided settings out of `onCreate` options; defaults when a test creates a room bare. */
export function readRoomSettings(createOptions: unknown): RoomSettings {
  const settings = typeof createOptions === "object" && createOptions !== null
    ? (createOptions as { settings?: unknown }).settings
    : undefined;
  return Object.freeze(roomSettingsSchema.parse(settings ?? {}));
}
