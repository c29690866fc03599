import type { Room } from "@colyseus/sdk";
import { listenUntil } from "./signals.ts";

/**
 * Hand `listener` the events of each patch that carried some, from a state list the room
 * type declares as per-patch `events` (the arena's `shots`). The server empties those
 * lists once each patch is sent, so after every patch the list holds exactly the events
 * of that patch, decoded in the same frame as the state they explain (a hit arrives with
 * the hp it took). Returns a function that stops listening.
 */
export function onPatchEvents<S, E>(
  room: Room<unknown, S>,
  list: (state: S) => ArrayLike<E> | undefined,
  listener: (events: readonly E[]) => void,
): () => void {
  return listenUntil(room.onStateChange, (state: S) => {
    const events = list(state);
    if (events !== undefined && events.length > 0) listener(Array.from(events));
    return false;
  });
}
