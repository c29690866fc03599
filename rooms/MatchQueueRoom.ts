import { type Client, matchMaker, ServerError } from "@colyseus/core";
import { HttpStatus } from "../shared/errors.ts";
import { type QueuedMessage, type QueueSeat, type QueueWaiting, RANKED_GAMES, type RankedGameName } from "../shared/rankedQueue.ts";
import { identityOf } from "./base/identity.ts";
import type { CreateOptions, JoinOptions } from "./base/joinOptions.ts";
import { roomType } from "./base/TickroomRoom.ts";
import { type FormedMatch, formMatches, type MatchShape } from "./queue/rules.ts";
import { queueJoinOptions } from "./queue/shapes.ts";
import { TicketBook } from "./queue/tickets.ts";

/** How often tickets are grouped. */
const CYCLE_MS = 500;

/**
 * The ranked queue, one room per game of `RANKED_GAMES` (`filterBy(["game"])`). Each
 * connection is one player; friends pass the same `party` key and `partySize`, and their
 * ticket is complete once all of them are here. Every cycle, complete tickets are grouped
 * by rating (the gap widening with waiting time); for each group the match room is
 * created with its teams, every member gets a seat (`seat` message) and joins it.
 * Leaving cancels the ticket.
 *
 * All queue state lives in this room instance: with a shared (Redis) matchmaker every
 * process reaches the one queue room per game, and match rooms may be created anywhere.
 */
export class MatchQueueRoom extends roomType({
  title: "Ranked queue",
  joinOptions: queueJoinOptions,
  maxPlayers: 10_000,
  privateRooms: false,
  maxMessagesPerSecond: 5,
}) {
  private game!: RankedGameName;
  private shape!: MatchShape;
  private readonly book = new TicketBook();
  /** A cycle awaits room creation (possibly on another process): never two at once. */
  private cycling = false;
  /** What the last "waiting" broadcast said, and whether anyone has joined since (and has not heard it). */
  private lastWaiting = -1;
  private joinedSince = false;
  /** Verified players in the queue, by account: one ticket each (two tabs of one account would be paired with itself). */
  private readonly queuedAccounts = new Map<string, string>();

  override async onCreate(options: CreateOptions<typeof queueJoinOptions>): Promise<void> {
    this.game = options.game;
    const { teams, teamSize } = RANKED_GAMES[this.game];
    this.shape = { teams, teamSize: this.services.settings.queue.teamSizes[this.game] ?? teamSize };
    // A queue is not a room to browse.
    await this.setMatchmaking({ unlisted: true });
    this.clock.setInterval(() => {
      void this.cycle();
    }, CYCLE_MS);
  }

  protected async onPlayerJoin(client: Client, { party, partySize }: JoinOptions<typeof queueJoinOptions>): Promise<void> {
    if (partySize > this.shape.teamSize) {
      throw new ServerError(HttpStatus.INVALID_REQUEST, `a party of ${partySize} does not fit a team of ${this.shape.teamSize}`);
    }
    const playerId = identityOf(client.auth)?.id;
    if (playerId !== undefined) {
      if (this.queuedAccounts.has(playerId)) throw new ServerError(HttpStatus.ROOM_FULL, "this account is already in the queue (another tab?)");
      this.queuedAccounts.set(playerId, client.sessionId);
    }
    let rating: number;
    try {
      rating = await this.services.ratings.ratingOf({ sessionId: client.sessionId, playerId, game: this.game });
    } catch (error) {
      if (playerId !== undefined) this.queuedAccounts.delete(playerId);
      throw error;
    }
    // After the await, in one synchronous step: party members joining at once see one ticket.
    const joined = this.book.join(client.sessionId, rating, party, partySize, this.clock.currentTime);
    if (!joined.ok) {
      if (playerId !== undefined) this.queuedAccounts.delete(playerId);
      throw joined.refusal === "PARTY_COMPLETE"
        ? new ServerError(HttpStatus.ROOM_FULL, `party "${party}" is already complete`)
        : new ServerError(HttpStatus.INVALID_REQUEST, `party "${party}" was opened with size ${joined.partySize}`);
    }
    client.send("queued", { game: this.game, rating, party: joined.members, partySize } satisfies QueuedMessage);
    this.joinedSince = true;
  }

  /**
   * Tell everyone how many wait, when that changed or someone joined since: from the
   * cycle, not the join, so a newcomer's page has its handlers by then (a message sent
   * with the join confirmation reaches the client before any can be registered).
   */
  private announceWaiting(): void {
    const waiting = this.clients.length;
    if (waiting === this.lastWaiting && !this.joinedSince) return;
    this.lastWaiting = waiting;
    this.joinedSince = false;
    this.broadcast("waiting", { waiting, playersPerMatch: this.shape.teams * this.shape.teamSize } satisfies QueueWaiting);
  }

  protected onPlayerLeave(client: Client): void {
    this.book.leave(client.sessionId);
    const playerId = identityOf(client.auth)?.id;
    if (playerId !== undefined && this.queuedAccounts.get(playerId) === client.sessionId) this.queuedAccounts.delete(playerId);
  }

  // colyseus-internal: uncaught-exception-wrapping
  private async cycle(): Promise<void> {
    if (this.cycling) return;
    this.cycling = true;
    try {
      for (const match of formMatches(this.book.complete(), this.clock.currentTime, this.shape, this.services.settings.queue)) {
        // Every member must still be here: a member away inside its reconnection window
        // could not receive its seat (its ticket simply waits for the next cycle).
        const members = match.tickets.flatMap((ticket) => ticket.members);
        if (members.some((member) => this.clients.getById(member) === undefined)) continue;
        const putBack = this.book.take(match.tickets.map((ticket) => ticket.id));
        try {
          await this.seat(match);
          this.book.seated(members);
        } catch (error) {
          putBack();
          this.onUncaughtException(error as never, "setInterval");
        }
      }
    } catch (error) {
      this.onUncaughtException(error as never, "setInterval");
    } finally {
      this.cycling = false;
      this.announceWaiting();
    }
  }

  /** Create the match room with its teams, reserve a seat per member under its queue session id, send the seats. */
  // colyseus-internal: queue-server-side-seats
  private async seat(match: FormedMatch): Promise<void> {
    const roster: Record<string, number> = {};
    match.teams.forEach((team, index) => {
      for (const member of team) roster[member] = index + 1;
    });
    // Private: a ranked match is for the players the queue chose, never a public joinOrCreate.
    // Created server-side: no onAuth, so the roster (which clients can never send) arrives intact.
    const listing = await matchMaker.createRoom(this.game, { ...RANKED_GAMES[this.game].matchOptions, private: true, roster });
    const members = Object.keys(roster);
    const reserved = await matchMaker.reserveMultipleSeatsFor(
      listing,
      members.map((sessionId) => ({ sessionId, options: {}, auth: this.clients.getById(sessionId)?.auth })),
    );
    if (!Array.isArray(reserved) || reserved.some((ok) => ok !== true)) throw new Error(`could not reserve every seat in ${listing.roomId}`);
    for (const sessionId of members) {
      const client = this.clients.getById(sessionId);
      const message: QueueSeat = { seat: matchMaker.buildSeatReservation(listing, sessionId), team: roster[sessionId] ?? 0 };
      client?.send("seat", message);
    }
  }
}
