import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Room } from "@colyseus/sdk";
import type { Page } from "playwright-core";
import type { HistoryEntry, PlayerProfile } from "../../client/web/views/records.ts";
import type { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { chromiumOrSkip, PHONE, pageTestBed, screenshot, sidewaysOverflow, viewShown } from "../support/browser.ts";
import { WatchedRecordings } from "../support/recordings.ts";
import { playTopRowWin } from "../support/ticTacToe.ts";

/**
 * Replays and late spectators on the page: two SDK clients play a recorded tic-tac-toe game
 * while a page watches it 30 s late from the lobby; then the page plays the recording back,
 * pauses it, changes its speed and seeks it, on a laptop and a phone, and an unknown match
 * is refused in words.
 */

const installed = await chromiumOrSkip();

/** The board as the page draws it: each cell's mark, "" when empty. */
function boardOf(page: Page): Promise<string[]> {
  return page.locator("[data-testid=board] .cell").evaluateAll((cells) => cells.map((cell) => (cell as HTMLElement).dataset.mark ?? ""));
}

/** X took the top row, O two cells of the middle one (test/support/ticTacToe.ts). */
const FINAL_BOARD = ["X", "X", "X", "O", "O", "", "", "", ""];
const EMPTY_BOARD = ["", "", "", "", "", "", "", "", ""];

/** Xavi's profile with two matches: the recorded one (`matchId`) and an older one with no recording. */
function historyOf(matchId: string): PlayerProfile {
  const match = (id: string, endedAt: number, replayId: string | null): HistoryEntry => ({
    matchId: id,
    game: "tictactoe",
    endedAt,
    durationMs: 5000,
    ranked: false,
    result: "win",
    place: 1,
    team: 1,
    forfeited: false,
    ratingChange: undefined,
    ratingAfter: undefined,
    players: [
      { playerId: "p-xavi", name: "Xavi", team: 1, place: 1, result: "win" },
      { playerId: "p-olga", name: "Olga", team: 2, place: 2, result: "loss" },
    ],
    replayId,
  });
  const now = Date.now();
  return {
    id: "p-xavi",
    name: "Xavi",
    guest: true,
    createdAt: now - 86_400_000,
    ratings: [],
    recent: [match(matchId, now, matchId), match("older-room:1", now - 3_600_000, null)],
  };
}

async function boardShows(page: Page, board: readonly string[], timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (wanted) => [...document.querySelectorAll<HTMLElement>("[data-testid=board] .cell")].map((cell) => cell.dataset.mark ?? "").join() === wanted,
    board.join(),
    { timeout },
  );
}

/** Wait for the server's word on the page's playhead (`data-*` of the replay view). */
async function playback(page: Page, attribute: "playing" | "speed" | "position-ms", value: string): Promise<void> {
  await page.locator(`[data-view=replay][data-${attribute}="${value}"]`).waitFor({ timeout: 10_000 });
}

describe("replays and late spectators in the web client", { skip: !installed && "no /usr/bin/chromium" }, () => {
  const rooms: Room[] = [];
  // Registered before the test bed's: the players leave while the server is still there to hear it.
  after(async () => {
    await Promise.all(rooms.map((room) => room.leave().catch(() => undefined)));
  });
  const recordings = new WatchedRecordings();
  const bed = pageTestBed({ RECORD_MATCHES: "all" }, { recordings });
  const { player, done } = bed;

  it("watches a game 30 s late from the lobby, then replays it: played, paused, sped up and sought to the end", async () => {
    const x = await bed.server.client().create<TicTacToeState>("tictactoe", { name: "Xavi" });
    rooms.push(x);

    // The lobby lists the game; its row offers how late to watch.
    const vera = await player("Vera");
    await vera.page.goto(`${bed.base}/#/`);
    await viewShown(vera.page, "lobby");
    const row = vera.page.locator(`[data-testid=room-list] tbody tr[data-room-id="${x.roomId}"]`);
    await row.waitFor({ timeout: 5000 });
    assert.deepEqual(await row.getByTestId("watch-delay").locator("option").allTextContents(), ["live", "30 s late", "60 s late", "120 s late"]);
    await row.getByTestId("watch-delay").selectOption("30");
    await screenshot(vera.page, "lobby-watch-delay-desktop");
    await row.getByRole("button", { name: "Watch" }).click();
    await viewShown(vera.page, "tictactoe");
    await vera.page.getByRole("heading", { name: "Tic-tac-toe (watching 30 s late)" }).waitFor({ timeout: 5000 });
    // The room is younger than 30 s: nothing of it has reached this page yet, and the page says why.
    assert.match((await vera.page.getByTestId("ttt-status").textContent()) ?? "", /^You are watching 30 s late/);
    assert.match(new URL(vera.page.url()).hash, new RegExp(`^#/tictactoe/${x.roomId}\\?delay=30&spectate$`), "a reload watches as late");
    await screenshot(vera.page, "watch-late-desktop");

    // The game, recorded from the room's start: the lobby's visit above is its opening seconds.
    const o = await bed.server.client().joinById<TicTacToeState>(x.roomId, { name: "Olga" });
    rooms.push(o);
    await playTopRowWin(x, o);
    const matchId = `${x.roomId}:1`;
    await recordings.kept(matchId);

    // A player's history links the recording (this server keeps no history: the page reads it
    // as a server with a store answers), and the link opens the replay.
    await vera.page.route("**/players/p-xavi", (route) => route.fulfill({ json: historyOf(matchId) }));
    await vera.page.goto(`${bed.base}/#/players/p-xavi`);
    await viewShown(vera.page, "profile");
    const replayLinks = vera.page.getByTestId("watch-replay");
    await replayLinks.first().waitFor({ timeout: 5000 });
    assert.equal(await replayLinks.count(), 1, "only the recorded match links a replay");
    assert.equal(await replayLinks.getAttribute("href"), `#/replay/${encodeURIComponent(matchId)}`);
    await screenshot(vera.page, "profile-replay-link-desktop");
    await replayLinks.click();

    // Played from the start to the end at 1x.
    await viewShown(vera.page, "replay");
    await vera.page.getByRole("heading", { name: "Tic-tac-toe (replay)" }).waitFor({ timeout: 5000 });
    // Olga's and the spectator's joins are marked (the creator's only when its join came after the recording's first keyframe).
    const marks = vera.page.getByTestId("replay-marks");
    assert.equal(await marks.locator(".replay-mark[data-event=join][data-spectator]").count(), 1, "the late spectator's join is marked");
    assert.match(
      (await marks.locator(".replay-mark[data-event=join]:not([data-spectator])").last().getAttribute("title")) ?? "",
      /^Olga joined at 0:\d\d\.\d$/,
    );
    const durationMs = Number(await (await vera.page.waitForFunction(() => window.tickroom?.replay?.durationMs, undefined, { timeout: 5000 })).jsonValue());
    assert.ok(durationMs > 0, "the recording lasts");
    // At 1x the end comes the recording's length after the start (on a loaded machine the
    // game above, lobby visit included, may have lasted more than ten seconds).
    await boardShows(vera.page, FINAL_BOARD, durationMs + 10_000);
    await playback(vera.page, "playing", "false");
    await vera.page.getByText("X wins.").waitFor({ timeout: 5000 });
    assert.equal(await vera.page.getByTestId("replay-play").textContent(), "Play");

    // Sought back to the start (the keyboard's Home on the scrubber): the empty board, still paused.
    const scrubber = vera.page.getByTestId("replay-scrubber");
    await scrubber.focus();
    await scrubber.press("Home");
    await playback(vera.page, "position-ms", "0");
    await boardShows(vera.page, EMPTY_BOARD);

    // A quarter speed, played, then paused: the time stands while paused, whatever else changes.
    await vera.page.getByTestId("replay-speed").selectOption("0.25");
    await playback(vera.page, "speed", "0.25");
    await vera.page.getByTestId("replay-play").click();
    await playback(vera.page, "playing", "true");
    await vera.page.waitForFunction(() => (window.tickroom?.replay?.positionMs() ?? 0) > 0, undefined, { timeout: 5000 });
    await vera.page.getByTestId("replay-play").click();
    await playback(vera.page, "playing", "false");
    const pausedAt = Number(await vera.page.locator("[data-view=replay]").getAttribute("data-position-ms"));
    assert.ok(pausedAt > 0 && pausedAt < durationMs, `paused midway: ${pausedAt} of ${durationMs} ms`);
    const shownPaused = await vera.page.getByTestId("replay-time").textContent();
    await vera.page.getByTestId("replay-speed").selectOption("2");
    await playback(vera.page, "speed", "2");
    assert.equal(Number(await vera.page.locator("[data-view=replay]").getAttribute("data-position-ms")), pausedAt, "the server's playhead stood still");
    assert.equal(await vera.page.evaluate(() => window.tickroom?.replay?.positionMs()), pausedAt, "and so did the page's");
    assert.equal(await vera.page.getByTestId("replay-time").textContent(), shownPaused);
    assert.equal(await vera.page.getByTestId("replay-play").textContent(), "Play");

    // An arrow key steps a second.
    const stepped = Math.min(durationMs, pausedAt + 1000);
    await scrubber.press("ArrowRight");
    await vera.page.waitForFunction(
      (wanted) => Math.abs(Number(document.querySelector<HTMLElement>("[data-view=replay]")?.dataset.positionMs) - wanted) < 0.01,
      stepped,
      { timeout: 5000 },
    );

    // Sought to the end: the final position.
    await scrubber.press("End");
    await boardShows(vera.page, FINAL_BOARD);
    await playback(vera.page, "position-ms", String(durationMs));
    assert.deepEqual(await boardOf(vera.page), FINAL_BOARD);
    await screenshot(vera.page, "replay-desktop");

    // A phone: the lobby's delay choice and the same replay fit 390 px.
    const pia = await player("Pia", PHONE);
    await pia.page.goto(`${bed.base}/#/`);
    await viewShown(pia.page, "lobby");
    const phoneRow = pia.page.locator(`[data-testid=room-list] tbody tr[data-room-id="${x.roomId}"]`);
    await phoneRow.getByTestId("watch-delay").waitFor({ timeout: 5000 });
    await phoneRow.scrollIntoViewIfNeeded();
    assert.equal(await sidewaysOverflow(pia.page), 0, "the lobby scrolls sideways on a phone");
    await screenshot(pia.page, "lobby-watch-delay-phone");
    await pia.page.goto(`${bed.base}/#/replay/${encodeURIComponent(matchId)}`);
    await viewShown(pia.page, "replay");
    await boardShows(pia.page, FINAL_BOARD);
    assert.equal(await sidewaysOverflow(pia.page), 0, "the replay scrolls sideways on a phone");
    await screenshot(pia.page, "replay-phone");
    await done(vera, pia);
  });

  it("says so when there is no recording of the match", async () => {
    const ned = await player("Ned", PHONE);
    await ned.page.goto(`${bed.base}/#/replay/nosuchroom:1`);
    await viewShown(ned.page, "replay");
    const refusal = ned.page.locator("[data-testid=replay-error][data-status='404']");
    await refusal.getByText("There is no recording of this match").waitFor({ timeout: 5000 });
    assert.equal(await sidewaysOverflow(ned.page), 0);
    await screenshot(ned.page, "replay-missing-phone");
    await done(ned);
  });
});
