import type { Ticket } from "./rules.ts";

/** Why a player could not be added to a ticket. */
export type JoinRefusal = "PARTY_SIZE_MISMATCH" | "PARTY_COMPLETE";

interface OpenTicket {
  members: string[];
  readonly partySize: number;
  /** When the last member arrived; undefined while the party is incomplete. */
  readyAt: number | undefined;
}

/**
 * The queue's open tickets: who waits, with whom, at what rating. Pure bookkeeping, no
 * clock or client: times are passed in. A solo player is a ticket of one; party members
 * share the ticket of their party key, complete once `partySize` members are in.
 */
export class TicketBook {
  readonly #tickets = new Map<string, OpenTicket>();
  readonly #ticketOf = new Map<string, string>();
  readonly #ratingOf = new Map<string, number>();

  /** Add a player; `party` undefined means solo. */
  join(
    sessionId: string,
    rating: number,
    party: string | undefined,
    partySize: number,
    now: number,
  ): { ok: true; members: number } | { ok: false; refusal: JoinRefusal; partySize: number } {
    const key = party === undefined ? sessionId : `party:${party}`;
    const ticket = this.#tickets.get(key) ?? { members: [], partySize, readyAt: undefined };
    if (ticket.partySize !== partySize) return { ok: false, refusal: "PARTY_SIZE_MISMATCH", partySize: ticket.partySize };
    if (ticket.members.length >= partySize) return { ok: false, refusal: "PARTY_COMPLETE", partySize };
    ticket.members.push(sessionId);
    if (ticket.members.length === partySize) ticket.readyAt = now;
    this.#tickets.set(key, ticket);
    this.#ticketOf.set(sessionId, key);
    this.#ratingOf.set(sessionId, rating);
    return { ok: true, members: ticket.members.length };
  }

  /** A player left: its ticket is cancelled (a party's waits, incomplete, for the member to return). */
  leave(sessionId: string): void {
    const key = this.#ticketOf.get(sessionId);
    this.#ticketOf.delete(sessionId);
    this.#ratingOf.delete(sessionId);
    const ticket = key === undefined ? undefined : this.#tickets.get(key);
    if (key === undefined || ticket === undefined) return;
    const index = ticket.members.indexOf(sessionId);
    if (index === -1) return;
    ticket.members.splice(index, 1);
    ticket.readyAt = undefined;
    if (ticket.members.length === 0) this.#tickets.delete(key);
  }

  /** Complete tickets, with their members' average rating. */
  complete(): Ticket[] {
    const complete: Ticket[] = [];
    for (const [id, ticket] of this.#tickets) {
      if (ticket.readyAt === undefined) continue;
      const total = ticket.members.reduce((sum, member) => sum + (this.#ratingOf.get(member) ?? 0), 0);
      complete.push({ id, members: [...ticket.members], rating: total / ticket.members.length, readyAt: ticket.readyAt });
    }
    return complete;
  }

  /** Take tickets out to seat them; returns a function that puts back whoever is still queued. */
  take(ids: readonly string[]): () => void {
    const taken = ids.map((id) => [id, this.#tickets.get(id)] as const);
    for (const id of ids) this.#tickets.delete(id);
    return () => {
      for (const [id, ticket] of taken) {
        if (ticket === undefined) continue;
        const still = ticket.members.filter((member) => this.#ticketOf.get(member) === id);
        if (still.length === 0) continue;
        this.#tickets.set(id, { members: still, partySize: ticket.partySize, readyAt: still.length === ticket.partySize ? ticket.readyAt : undefined });
      }
    };
  }

  /** Seated players are no longer queued. */
  seated(sessionIds: readonly string[]): void {
    for (const sessionId of sessionIds) {
      this.#ticketOf.delete(sessionId);
      this.#ratingOf.delete(sessionId);
    }
  }
}
