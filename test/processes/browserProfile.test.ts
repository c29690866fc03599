import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { chromiumOrSkip, PHONE, type Player, pageTestBed, screenshot, sidewaysOverflow, viewShown } from "../support/browser.ts";

/**
 * Ratings on the page (issue 17): two pages meet in the ranked queue, play tic-tac-toe to a
 * win, and each sees its rating change; the winner's profile lists the match, the
 * leaderboard lists both, and both views fit a phone. A real server with an embedded store.
 */

const installed = await chromiumOrSkip();

/** The player id the page signed in as, from the lobby's "Your profile" link. */
async function myId(page: Page): Promise<string> {
  const href = (await page.getByTestId("my-profile").getAttribute("href", { timeout: 5000 })) ?? "";
  const id = /^#\/players\/(.+)$/.exec(href)?.[1];
  assert.ok(id !== undefined, `the lobby links the player's profile: "${href}"`);
  return decodeURIComponent(id);
}

describe("ratings in the web client", { skip: !installed && "no /usr/bin/chromium" }, () => {
  const bed = pageTestBed({ STORE_ENABLED: "true" });
  const { player, done } = bed;

  it("a ranked game moves both ratings; the profile and the leaderboard show it, on a phone too", async () => {
    const [wanda, lars] = [await player("Wanda"), await player("Lars")];
    const ids = new Map<Player, string>();
    for (const each of [wanda, lars]) {
      await each.page.goto(`${bed.base}/#/`);
      await viewShown(each.page, "lobby");
      ids.set(each, await myId(each.page));
      await each.page.getByTestId("queue-button").click();
    }
    for (const each of [wanda, lars]) await viewShown(each.page, "tictactoe", 15_000);
    assert.equal(new URL(wanda.page.url()).hash, new URL(lars.page.url()).hash, "the queue put both in the same game");
    const roomId = /#\/tictactoe\/([\w-]+)/.exec(wanda.page.url())?.[1];
    assert.ok(roomId !== undefined);

    // The queue decides who is X: X moves first and plays the winning row.
    const first = await Promise.race(
      [wanda, lars].map((each) =>
        each.page
          .getByText("Your turn: you are X.")
          .waitFor({ timeout: 5000 })
          .then(() => each),
      ),
    );
    const [winner, loser] = first === wanda ? [wanda, lars] : [lars, wanda];
    const [winnerId, loserId] = [ids.get(winner)!, ids.get(loser)!];
    const [winnerName, loserName] = winner === wanda ? ["Wanda", "Lars"] : ["Lars", "Wanda"];
    for (const [page, index] of [
      [winner.page, 0],
      [loser.page, 3],
      [winner.page, 1],
      [loser.page, 4],
      [winner.page, 2],
    ] as const) {
      await page.locator(`[data-cell="${index}"]`).click({ timeout: 5000 });
      const other = page === winner.page ? loser.page : winner.page;
      await other.locator(`[data-cell="${index}"][data-mark="${page === winner.page ? "X" : "O"}"]`).waitFor({ timeout: 5000 });
    }
    await winner.page.getByText("You won!").waitFor({ timeout: 5000 });
    await loser.page.getByText("You lost.").waitFor({ timeout: 5000 });

    // Once the store has the result, each page shows its rating change near the result.
    const up = winner.page.locator('[data-testid=rating-change][data-sign="up"]');
    const down = loser.page.locator('[data-testid=rating-change][data-sign="down"]');
    await up.waitFor({ timeout: 12_000 });
    await down.waitFor({ timeout: 12_000 });
    assert.match((await up.textContent()) ?? "", /^Rating 1000 → 1\d{3} \(\+\d+\) · Your profile$/);
    assert.match((await down.textContent()) ?? "", /^Rating 1000 → \d{3,4} \(-\d+\) · Your profile$/);
    await screenshot(winner.page, "rating-change");

    // The winner's profile lists the match: a win, a positive change, the loser linked.
    await winner.page.getByTestId("rating-profile").click();
    await viewShown(winner.page, "profile");
    assert.equal(await winner.page.getByTestId("profile-name").textContent(), `${winnerName} (you)`);
    const rating = winner.page.locator('[data-testid=ratings] [data-game="tictactoe"]');
    assert.match((await rating.textContent()) ?? "", /1\d{3} ± \d+.*1-0-0 \(W-L-D\) · 1 played/);
    const match = winner.page.locator(`[data-testid=matches] li[data-match-id^="${roomId}:"]`);
    assert.equal(await match.getAttribute("data-result"), "win");
    assert.ok(Number(await match.locator(".change").getAttribute("data-change")) > 0, "a positive change");
    assert.match((await match.locator(".change").textContent()) ?? "", /^\+\d+ → 1\d{3}$/);
    const opponent = match.getByRole("link", { name: loserName });
    assert.equal(await opponent.getAttribute("href"), `#/players/${encodeURIComponent(loserId)}`);
    await screenshot(winner.page, "profile-desktop");
    // ... and the link leads to the loser's profile, with the loss on it.
    await opponent.click();
    await winner.page.waitForFunction((id) => document.querySelector("[data-view=profile]")?.getAttribute("data-player-id") === id, loserId, {
      timeout: 5000,
    });
    assert.equal(await winner.page.getByTestId("profile-name").textContent(), loserName);
    assert.equal(await winner.page.locator(`[data-testid=matches] li[data-match-id^="${roomId}:"]`).getAttribute("data-result"), "loss");

    // The leaderboard (from the header) lists both, the winner first and highlighted on its own page.
    await winner.page.locator('nav a[data-view="leaderboards"]').click();
    await viewShown(winner.page, "leaderboards");
    const rows = winner.page.locator("[data-testid=leaderboard] tbody tr");
    await rows.nth(1).waitFor({ timeout: 5000 });
    assert.deepEqual(await rows.evaluateAll((all) => all.map((row) => (row as HTMLElement).dataset.playerId)), [winnerId, loserId]);
    assert.equal(await winner.page.locator("[data-testid=leaderboard] tr.me").getAttribute("data-player-id"), winnerId);
    assert.match((await rows.nth(0).textContent()) ?? "", new RegExp(`^1${winnerName} \\(you\\)1\\d{3} ±\\d+1-0-01$`));
    assert.equal(await winner.page.getByTestId("leaderboard-next").isDisabled(), true, "one page holds both");
    await screenshot(winner.page, "leaderboard-desktop");

    // "Find me": the page around the loser, its row highlighted.
    await loser.page.goto(`${bed.base}/#/leaderboards/tictactoe`);
    await viewShown(loser.page, "leaderboards");
    await loser.page.locator("[data-testid=leaderboard] tbody tr").nth(1).waitFor({ timeout: 5000 });
    const around = loser.page.waitForResponse((response) => response.url().includes(`around=${encodeURIComponent(loserId)}`));
    await loser.page.getByTestId("find-me").click();
    assert.equal((await around).status(), 200);
    assert.equal(await loser.page.locator("[data-testid=leaderboard] tr.me").getAttribute("data-player-id"), loserId);
    assert.equal(await loser.page.getByTestId("leaderboard-status").textContent(), "");

    // A phone: the leaderboard and the profile fit 390 px without sideways scrolling.
    const phone = await player("Pia", PHONE);
    await phone.page.goto(`${bed.base}/#/leaderboards/tictactoe`);
    await viewShown(phone.page, "leaderboards");
    await phone.page.locator("[data-testid=leaderboard] tbody tr").nth(1).waitFor({ timeout: 5000 });
    assert.equal(await sidewaysOverflow(phone.page), 0, "the leaderboard scrolls sideways on a phone");
    await screenshot(phone.page, "leaderboard-phone");
    await phone.page.goto(`${bed.base}/#/players/${encodeURIComponent(winnerId)}`);
    await viewShown(phone.page, "profile");
    await phone.page.locator(`[data-testid=matches] li[data-match-id^="${roomId}:"]`).waitFor({ timeout: 5000 });
    assert.equal(await sidewaysOverflow(phone.page), 0, "the profile scrolls sideways on a phone");
    await screenshot(phone.page, "profile-phone");

    // A game nobody has played ranked yet says so; a server that keeps no ratings says that.
    await phone.page.goto(`${bed.base}/#/leaderboards/pong`);
    await viewShown(phone.page, "leaderboards");
    await phone.page.getByTestId("leaderboard-empty").getByText("No one is on the Pong (1v1) leaderboard yet.").waitFor({ timeout: 5000 });
    assert.equal(await sidewaysOverflow(phone.page), 0);
    // (As a server without a store answers: its record routes do not exist.)
    await phone.page.route("**/leaderboards/**", (route) => route.fulfill({ status: 404, contentType: "text/html", body: "<pre>Cannot GET</pre>" }));
    await phone.page.goto(`${bed.base}/#/leaderboards/arena`);
    await viewShown(phone.page, "leaderboards");
    await phone.page.getByRole("alert").getByText("This server keeps no ratings (STORE_ENABLED=false).").waitFor({ timeout: 5000 });
    await done(wanda, lars, phone);
  });
});
