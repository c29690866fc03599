import type { Client, Room } from "@colyseus/sdk";
import type { QueuedMessage, QueueSeat, QueueWaiting, RankedGameName } from "../shared/rankedQueue.ts";

export interface QueueOptions {
  /** One of the ranked games (`RANKED_GAMES` in shared/rankedQueue.ts). */
  readonly game: RankedGameName;
  /** Friends enter with the same party key and size; they land in one match, on one team. */
  readonly party?: string;
  readonly partySize?: number;
}

/** How a search stands: who waits, how many a match takes, when it started. */
export interface QueueStatus {
  /** Players in this game's queue, this one included (0 until the queue has said). */
  readonly waiting: number;
  /** Players one match takes (0 until the queue has said). */
  readonly playersPerMatch: number;
  /** This player's rating as the queue pairs it (undefined until the queue has said). */
  readonly rating: number | undefined;
  /** When the search started (`performance.now()`). */
  readonly since: number;
}

export interface QueueTicket {
  /** The connection to the queue (messages: "queued", "waiting", then "seat"). */
  readonly queue: Room;
  /** The search as the queue last described it. */
  status(): QueueStatus;
  /** Called whenever the queue says something new about the search. */
  onStatus(listener: (status: QueueStatus) => void): void;
  /** Resolves once the match is formed and joined. */
  readonly match: Promise<{ readonly room: Room; readonly team: number }>;
  /** Leave the queue; the ticket is cancelled (`match` rejects). */
  cancel(): Promise<void>;
}

/** Enter the ranked queue; the returned ticket's `match` is the joined match room. */
export async function enterQueue(client: Client, options: QueueOptions): Promise<QueueTicket> {
  const since = performance.now();
  const queue: Room = await client.joinOrCreate("queue", { ...options });
  let status: QueueStatus = { waiting: 0, playersPerMatch: 0, rating: undefined, since };
  const listeners = new Set<(status: QueueStatus) => void>();
  const update = (change: Partial<QueueStatus>): void => {
    status = { ...status, ...change };
    for (const listener of listeners) listener(status);
  };
  queue.onMessage("queued", (message: QueuedMessage) => update({ rating: message.rating }));
  queue.onMessage("waiting", (message: QueueWaiting) => update({ waiting: message.waiting, playersPerMatch: message.playersPerMatch }));
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
    status: () => status,
    onStatus: (listener) => {
      listeners.add(listener);
    },
    match,
    cancel: async () => {
      await queue.leave();
    },
  };
}
