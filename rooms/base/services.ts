import type { SessionCheck } from "./identity.ts";
import type { RoomObserver } from "./observer.ts";
import type { RatingSource } from "./ratings.ts";
import type { RecordingStore } from "./recordings.ts";
import type { ResultSink } from "./results.ts";
import type { RoomSettings } from "./settings.ts";

/**
 * What a server hands every room it hosts: its settings and the seams rooms talk to.
 * Each is an interface with a local default and a scaled alternative, like Colyseus's
 * `LocalPresence`/`RedisPresence`. Rooms never build them: `server/roomTypes.ts` gives
 * each room its server's.
 */
export interface RoomServices {
  readonly settings: RoomSettings;
  /** Where rooms report ticks, refusals and reconnections (the server's metrics). */
  readonly observer: RoomObserver;
  /** Where queued players' ratings come from. */
  readonly ratings: RatingSource;
  /** Where finished matches' results go (the store's outbox). */
  readonly results: ResultSink;
  /** Whether a returning player's session was signed out meanwhile. */
  readonly sessions: SessionCheck;
  /** Where match recordings are kept, and the replay room reads them. */
  readonly recordings: RecordingStore;
  /** The state class of each registered room type: what decodes its recordings. */
  stateOf(roomType: string): (new () => object) | undefined;
}
