import type { Client, Room } from "@colyseus/sdk";
import type { QueueSeat, RankedGameName } from "../shared/rankedQueue.ts";

export interface QueueOptions {
  /** One of the ranked games (`RANKED_GAMES` in shared/rankedQueue.ts). */
  readonly game: RankedGameName;
  /** Friends enter with the same party key and size; they land in one match, on one team. */
  readonly party?: string;
  readonly partySize?: number;
}

export interface QueueTicket {
  /** The connection to the queue (messages: "queued", then "seat"). */
  readonly queue: Room;
  /** Resolves once the match is formed and joined. */
  readonly match: Promise<{ readonly room: Room; readonly team: number }>;
  /** Leave the queue; the ticket is cancelled (`match` rejects). */
  cancel(): Promise<void>;
}

/** Enter the ranked queue; the returned ticket's `match` is the joined match room. */
export async function enterQueue(client: Client, options: QueueOptions): Promise<QueueTicket> {
  const queue: Room = await client.joinOrCreate("queue", { ...options });
  let settled = false;
  const match = new Promise<{ room: Room; team: number }>((resolve, reject) => {
    queue.onMessage("seat", (message: QueueSeat) => {
      settled = true;
      client
        // colyseus-internal: queue-server-side-seats
        .consumeSeatReservation(message.seat as never)
        .then((room) => {
          // Hand the match over at once: whatever it sends while the queue is being left
          // (its first state, a message) reaches handlers the caller registers now.
          resolve({ room, team: message.team });
          void queue.leave().catch(() => undefined);
        })
        .catch(reject);
    });
    queue.onLeave((code: number) => {
      if (!settled) reject(new Error(`left the queue before a match was found (close code ${code})`));
    });
  });
  return {
    queue,
    match,
    cancel: async () => {
      await queue.leave();
    },
  };
}
