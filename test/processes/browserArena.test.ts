import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import {
  arenaPlayers,
  centreOf,
  drawnPlayer,
  Fingers,
  firstDrawnDead,
  firstRespawnNotice,
  killWithMouse,
  shotsSeen,
  standingStill,
  untilAlive,
  untilDrawn,
} from "../support/arenaPage.ts";
import { chromiumOrSkip, DESKTOP, PHONE, type Player, pageTestBed, screenshot, sidewaysOverflow, viewShown } from "../support/browser.ts";

const installed = await chromiumOrSkip();

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where the arena's parts are laid out on `page`, and how far the document scrolls. */
async function layoutOf(page: Page): Promise<{ canvas: Box; scoreboard: Box; side: Box; viewport: Box; scrollWidth: number; scrollHeight: number }> {
  // No named functions inside: tsx would wrap them in a `__name` helper the page lacks.
  const [canvas, scoreboard, side, page_] = await page.evaluate(() => [
    ...["[data-testid=arena-canvas]", "[data-testid=scoreboard]", ".arena-side"].map((selector) => {
      const rect = document.querySelector(selector)?.getBoundingClientRect();
      return { x: rect?.x ?? Number.NaN, y: rect?.y ?? Number.NaN, width: rect?.width ?? Number.NaN, height: rect?.height ?? Number.NaN };
    }),
    { x: document.documentElement.scrollWidth, y: document.documentElement.scrollHeight, width: innerWidth, height: innerHeight },
  ]);
  assert.ok(canvas !== undefined && scoreboard !== undefined && side !== undefined && page_ !== undefined);
  return {
    canvas,
    scoreboard,
    side,
    viewport: { x: 0, y: 0, width: page_.width, height: page_.height },
    scrollWidth: page_.x,
    scrollHeight: page_.y,
  };
}

function assertInside(inner: Box, outer: Box, what: string): void {
  assert.ok(
    inner.x >= outer.x - 0.5 &&
      inner.y >= outer.y - 0.5 &&
      inner.x + inner.width <= outer.x + outer.width + 0.5 &&
      inner.y + inner.height <= outer.y + outer.height + 0.5,
    `${what} ${JSON.stringify(inner)} lies inside ${JSON.stringify(outer)}`,
  );
}

describe("the arena in headless Chromium: deaths, kill feed, layout and touch", { skip: !installed && "no /usr/bin/chromium" }, () => {
  const bed = pageTestBed({ RECONNECTION_WINDOW_SECONDS: "20" });
  const open = (name: string, screen: typeof DESKTOP | typeof PHONE): Promise<Player> => bed.player(name, screen);

  /** `first` opens a new arena, `second` joins it by its id; each draws the other. */
  async function sameArena(first: Player, firstName: string, second: Player, secondName: string): Promise<void> {
    await first.page.goto(`${bed.base}/#/arena`);
    await viewShown(first.page, "arena");
    const roomId = /#\/arena\/([\w-]+)/.exec(first.page.url())?.[1];
    assert.ok(roomId !== undefined, `the address names the room: ${first.page.url()}`);
    await second.page.goto(`${bed.base}/#/arena/${roomId}`);
    await viewShown(second.page, "arena");
    await untilDrawn(first.page, secondName);
    await untilDrawn(second.page, firstName);
  }

  /** Leave the arena for the lobby (giving the seat up, so the next test's players get a fresh room), then close. */
  async function done(...those: Player[]): Promise<void> {
    for (const each of those) {
      await each.page.goto(`${bed.base}/#/`);
      await viewShown(each.page, "lobby");
      assert.deepEqual(each.pageErrors, [], "uncaught errors on the page");
      await each.close();
    }
  }

  it("on a laptop: canvas and scoreboard fit side by side; a kill shows the victim a countdown and the killer a kill-feed line", async () => {
    const ada = await open("Ada", DESKTOP);
    const bob = await open("Bob", DESKTOP);
    await sameArena(ada, "Ada", bob, "Bob");

    const layout = await layoutOf(ada.page);
    assertInside(layout.canvas, layout.viewport, "the canvas");
    assertInside(layout.scoreboard, layout.viewport, "the scoreboard");
    assert.ok(layout.scrollHeight <= layout.viewport.height && layout.scrollWidth <= layout.viewport.width, `nothing scrolls: ${JSON.stringify(layout)}`);
    assert.ok(Math.abs(layout.canvas.width - layout.canvas.height) < 1, "the canvas is square");
    const gap = layout.side.x - (layout.canvas.x + layout.canvas.width);
    assert.ok(gap >= 0 && gap <= 40, `the scoreboard sits right beside the canvas (gap ${gap} px)`);
    assert.ok(layout.scoreboard.y < layout.canvas.y + layout.canvas.height, "side by side, not below");

    // Watched from before the kill: the respawn comes two seconds after it.
    const noticed = firstRespawnNotice(bob.page);
    const ghostly = firstDrawnDead(ada.page, "Bob");
    await killWithMouse(ada.page, "Ada", bob.page, "Bob");
    // The victim learns who did it and when it is back.
    assert.match((await noticed).text, /^You were eliminated by Ada — respawning( in [12]…|…)$/);
    // The killer's feed names both, killer first; the killer's page draws Bob as a ghost counting down.
    const line = ada.page.getByTestId("kill-feed").locator("li", { hasText: /^Ada ✕ Bob$/ });
    await line.waitFor({ state: "visible", timeout: 5000 });
    await bob.page
      .getByTestId("kill-feed")
      .locator("li", { hasText: /^Ada ✕ Bob$/ })
      .waitFor({ state: "visible", timeout: 5000 });
    const ghost = await ghostly;
    assert.ok(ghost.respawnIn >= 0 && ghost.respawnIn <= 2, `Bob's countdown on Ada's page: ${ghost.respawnIn}`);
    await screenshot(bob.page, "arena-dead-desktop");
    // Ada fires on (through Bob's ghost: the dead are no targets) so her screenshot shows tracers.
    const fired = await shotsSeen(ada.page);
    await ada.page.mouse.down();
    try {
      await ada.page.waitForFunction((seen) => (window.tickroom?.arena?.shotsSeen() ?? 0) > seen, fired, { timeout: 5000, polling: 10 });
      await screenshot(ada.page, "arena-desktop");
    } finally {
      await ada.page.mouse.up();
    }

    // Bob is back: his page drops the overlay once the server says he is alive.
    await untilAlive(bob.page, "Bob", true, 8000);
    await bob.page.getByTestId("respawn-overlay").waitFor({ state: "hidden", timeout: 5000 });
    assert.match((await bob.page.locator("[data-testid=scoreboard] tr.me").textContent()) ?? "", /Bob \(you\)/);
    assert.match((await ada.page.locator("[data-testid=scoreboard] tr.me").textContent()) ?? "", /Ada \(you\)\s*1/, "the kill scored");
    await done(ada, bob);
  });

  it("on a phone: the canvas spans the page with the scoreboard below, nothing scrolls sideways, and two thumbs move and fire at once", async () => {
    const dora = await open("Dora", DESKTOP);
    const pip = await open("Pip", PHONE);
    await sameArena(dora, "Dora", pip, "Pip");
    const sticks = pip.page.getByTestId("touch-sticks");
    await sticks.waitFor({ state: "visible", timeout: 5000 });
    assert.equal(await dora.page.getByTestId("touch-sticks").isVisible(), false, "no sticks for a mouse");

    const layout = await layoutOf(pip.page);
    assert.ok(layout.scrollWidth <= 390, `no sideways scroll (scrollWidth ${layout.scrollWidth})`);
    assert.equal(await sidewaysOverflow(pip.page), 0, "no sideways scroll on a phone");
    assert.ok(layout.canvas.width >= 340 && layout.canvas.x + layout.canvas.width <= 390, `the canvas spans the page: ${JSON.stringify(layout.canvas)}`);
    assert.ok(layout.scoreboard.y >= layout.canvas.y + layout.canvas.height, "the scoreboard is below the canvas");
    assert.ok(layout.scoreboard.x >= 0 && layout.scoreboard.x + layout.scoreboard.width <= 390, "the scoreboard is within the page's width");

    // The left thumb pushes the move stick toward the middle of the arena (away from any wall).
    const start = await standingStill(pip.page, "Pip");
    const [toX, toY] = Math.hypot(512 - start.x, 512 - start.y) < 100 ? [1, 0] : [512 - start.x, 512 - start.y];
    const [dirX, dirY] = [toX / Math.hypot(toX, toY), toY / Math.hypot(toX, toY)];
    const fingers = await Fingers.of(pip.page);
    try {
      const moveAt = await centreOf(pip.page, "[data-stick=move]");
      await fingers.down(1, moveAt.x, moveAt.y);
      await fingers.move(1, moveAt.x + dirX * 40, moveAt.y + dirY * 40);
      const along = (from: { x: number; y: number }, distance: number) =>
        pip.page.waitForFunction(
          ({ from: origin, dir, distance: far }) => {
            const me = window.tickroom?.arena?.players().find((player) => player.local);
            return me !== undefined && (me.x - origin.x) * dir.x + (me.y - origin.y) * dir.y >= far;
          },
          { from: { x: from.x, y: from.y }, dir: { x: dirX, y: dirY }, distance },
          { timeout: 8000, polling: 20 },
        );
      await along(start, 40);

      // Still walking, the right thumb lands on the aim side and drags: the player fires.
      const before = await shotsSeen(pip.page);
      const walked = await drawnPlayer(pip.page, "Pip");
      const aimAt = await centreOf(pip.page, "[data-stick=aim]");
      await fingers.down(2, aimAt.x, aimAt.y);
      await fingers.move(2, aimAt.x + 30, aimAt.y - 10);
      await pip.page.waitForFunction((seen) => (window.tickroom?.arena?.shotsSeen() ?? 0) > seen, before, { timeout: 5000, polling: 20 });
      // Both thumbs at once: the walk went on while the other thumb fired.
      await along(walked, 30);
      await screenshot(pip.page, "arena-phone");
    } finally {
      await fingers.liftAll();
    }
    const me = (await arenaPlayers(pip.page)).find((player) => player.local);
    assert.ok(me !== undefined && me.name === "Pip");

    // Dora kills Pip: the phone shows who did it and the countdown, over the canvas.
    const noticed = firstRespawnNotice(pip.page);
    await killWithMouse(dora.page, "Dora", pip.page, "Pip");
    const notice = await noticed;
    assert.match(notice.text, /^You were eliminated by Dora/);
    assert.ok(notice.x >= 0 && notice.x + notice.width <= 390, `the notice fits the phone: ${JSON.stringify(notice)}`);
    await pip.page
      .getByTestId("kill-feed")
      .locator("li", { hasText: /^Dora ✕ Pip$/ })
      .waitFor({ state: "visible", timeout: 5000 });
    await screenshot(pip.page, "arena-dead-phone");
    assert.ok((await layoutOf(pip.page)).scrollWidth <= 390, "still no sideways scroll");
    await done(dora, pip);
  });
});
