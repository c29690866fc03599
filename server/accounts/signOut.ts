import { matchMaker } from "@colyseus/core";
import { type Identity, identityOf } from "../../rooms/base/identity.ts";
import { socketsClosedForProtocolViolations } from "../../rooms/base/protocolViolations.ts";
import { CloseCode } from "../../shared/errors.ts";

/**
 * Close every connection, in this process's rooms, of a player whose identity `matches`
 * (a signed-out session, a deleted account), with `CloseCode.SIGNED_OUT`. The seat is not
 * held for a reconnection: the reconnection token would bring the signed-out session back
 * without matchmaking's token check. Answers how many were closed.
 *
 * With several processes (REDIS_URL), connections held by the others stay open until they
 * end; their next join is refused (matchmaking reads the session on every join).
 */
export async function closeConnectionsOf(matches: (identity: Identity) => boolean): Promise<number> {
  // colyseus-internal: local-rooms-by-process
  // The matchmaker has no public list of its local rooms: the listings of this process
  // (unlisted and private ones included) name them, and each is then a local room.
  const listings = await matchMaker.query({ processId: matchMaker.processId }).catch(() => []);
  let closed = 0;
  for (const { roomId } of listings) {
    const room = matchMaker.getLocalRoomById(roomId);
    if (room === undefined) continue;
    for (const client of [...room.clients]) {
      const identity = identityOf(client.auth);
      if (identity === undefined || !matches(identity)) continue;
      // colyseus-internal: client-socket-ref
      // Marked like a socket closed for a protocol violation: TickroomRoom.onDrop then
      // frees the seat at once instead of holding it for a reconnection.
      socketsClosedForProtocolViolations.add(client.ref);
      client.leave(CloseCode.SIGNED_OUT, "signed out");
      closed++;
    }
  }
  return closed;
}
