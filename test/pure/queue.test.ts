import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptedGap, formMatches, type Ticket } from "../../rooms/queue/rules.ts";

const widening = { baseGap: 100, gapPerSecond: 50, maxGap: 1000 };
const solo = (id: string, rating: number, readyAt = 0): Ticket => ({ id, members: [id], rating, readyAt });
const party = (id: string, members: string[], rating: number, readyAt = 0): Ticket => ({ id, members, rating, readyAt });
const duel = { teams: 2, teamSize: 1 };

describe("queue rules", () => {
  it("widens the accepted gap with waiting time, up to a cap", () => {
    assert.equal(acceptedGap(0, widening), 100);
    assert.equal(acceptedGap(4000, widening), 300);
    assert.equal(acceptedGap(60_000, widening), 1000);
  });

  it("pairs the closest ratings", () => {
    const matches = formMatches([solo("a", 1000), solo("b", 1600), solo("c", 1020), solo("d", 1580)], 0, duel, widening);
    const pairs = matches.map((m) => m.teams.flat().sort().join("+")).sort();
    assert.deepEqual(pairs, ["a+c", "b+d"]);
  });

  it("leaves too distant players waiting, then matches them once both have waited long enough", () => {
    const tickets = [solo("a", 1000, 0), solo("b", 1400, 0)];
    assert.equal(formMatches(tickets, 1000, duel, widening).length, 0, "gap 400 > 150 after 1 s");
    assert.equal(formMatches(tickets, 6000, duel, widening).length, 1, "gap 400 <= 400 after 6 s");
  });

  it("does not throw a newcomer at an outlier who merely waited long", () => {
    const tickets = [solo("old", 1000, 0), solo("new", 1500, 10_000)];
    assert.equal(formMatches(tickets, 10_000, duel, widening).length, 0, "the newcomer accepts only 100 yet");
  });

  it("keeps a party whole and on one team", () => {
    const shape = { teams: 2, teamSize: 2 };
    const matches = formMatches([party("p", ["p1", "p2"], 1000), solo("s1", 1010), solo("s2", 990)], 0, shape, widening);
    assert.equal(matches.length, 1);
    const teams = matches[0]!.teams.map((t) => [...t].sort());
    assert.ok(
      teams.some((t) => t.join() === "p1,p2"),
      JSON.stringify(teams),
    );
  });

  it("never splits a party that does not fit what is left", () => {
    const shape = { teams: 2, teamSize: 2 };
    // Two solos and a party of two leave one team of two for the party: fine. Three solos and a party: one solo waits.
    const matches = formMatches([solo("s1", 1000), solo("s2", 1000), solo("s3", 1000), party("p", ["p1", "p2"], 1000)], 0, shape, widening);
    assert.equal(matches.length, 1);
    const seated = matches[0]!.teams.flat();
    assert.equal(seated.length, 4);
    assert.ok(seated.includes("p1") === seated.includes("p2"), "both party members or neither");
  });

  it("forms nothing while there are too few players", () => {
    assert.deepEqual(formMatches([solo("a", 1000)], 0, duel, widening), []);
  });
});

describe("ticket book", () => {
  it("completes a party once every member is in, and averages its rating", async () => {
    const { TicketBook } = await import("../../rooms/queue/tickets.ts");
    const book = new TicketBook();
    assert.deepEqual(book.join("a", 1000, "crew", 2, 10), { ok: true, members: 1 });
    assert.deepEqual(book.complete(), [], "half a party waits");
    assert.deepEqual(book.join("b", 1200, "crew", 2, 20), { ok: true, members: 2 });
    assert.deepEqual(book.complete(), [{ id: "party:crew", members: ["a", "b"], rating: 1100, readyAt: 20 }]);
    assert.deepEqual(book.join("c", 900, "crew", 2, 30), { ok: false, refusal: "PARTY_COMPLETE", partySize: 2 });
    assert.deepEqual(book.join("d", 900, "crew", 3, 30), { ok: false, refusal: "PARTY_SIZE_MISMATCH", partySize: 2 });
  });

  it("a member leaving makes the party wait again; a stranger leaving changes nothing", async () => {
    const { TicketBook } = await import("../../rooms/queue/tickets.ts");
    const book = new TicketBook();
    book.join("a", 1000, "crew", 2, 0);
    book.join("b", 1000, "crew", 2, 0);
    book.leave("nobody");
    assert.equal(book.complete().length, 1);
    book.leave("a");
    assert.deepEqual(book.complete(), []);
    book.join("a2", 1000, "crew", 2, 50);
    assert.deepEqual(
      book.complete().map((t) => [t.members, t.readyAt]),
      [[["b", "a2"], 50]],
    );
  });

  it("put back after a failed seating keeps only members still queued", async () => {
    const { TicketBook } = await import("../../rooms/queue/tickets.ts");
    const book = new TicketBook();
    book.join("s", 1000, undefined, 1, 0);
    book.join("a", 1000, "crew", 2, 0);
    book.join("b", 1000, "crew", 2, 0);
    const putBack = book.take(["s", "party:crew"]);
    assert.deepEqual(book.complete(), []);
    book.leave("b");
    putBack();
    assert.deepEqual(
      book.complete().map((t) => t.id),
      ["s"],
      "the party lost a member: back, but incomplete",
    );
    book.join("b2", 1000, "crew", 2, 5);
    assert.deepEqual(
      book
        .complete()
        .map((t) => t.id)
        .sort(),
      ["party:crew", "s"],
    );
  });
});
