import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Client } from "@colyseus/core";
import { MapSchema, Schema, type } from "@colyseus/schema";
import type { Page } from "playwright-core";
import { z } from "zod";
import { ImpairmentProxy } from "../../loadtest/impairment/ImpairmentProxy.ts";
import type { JoinOptions } from "../../rooms/base/joinOptions.ts";
import { roomType } from "../../rooms/base/TickroomRoom.ts";
import { CloseCode, ErrorCode, refused } from "../../shared/errors.ts";
import { freePort } from "../../tools/serverProcess.ts";
import { chromiumOrSkip, PHONE, pageTestBed, screenshot, sidewaysOverflow, viewShown } from "../support/browser.ts";
import { serverRoom } from "../support/harness.ts";

/**
 * A room type only this test registers, with no view of its own: the page must list it and
 * show it through the generic view, as it would a developer's brand-new room type.
 */
class Die extends Schema {
  @type("string") name = "";
  @type("boolean") connected = true;
  @type("uint8") last = 0;
}
class DiceState extends Schema {
  @type({ map: Die }) players = new MapSchema<Die>();
  @type("uint16") rolls = 0;
}
const rollMessage = z.object({ sides: z.number().int().min(2).max(100) });
class DiceRoom extends roomType({ state: DiceState, maxPlayers: 4, entities: "players" }) {
  override messages = {
    roll: this.accept(rollMessage, (client, message) => {
      // A well-formed roll the rules refuse: the generic view must show the refusal.
      if (message.sides > 20) return refused(ErrorCode.RATE_LIMITED, "no die has more than 20 sides here");
      const die = this.state.players.get(client.sessionId);
      if (die === undefined) return;
      die.last = 1 + Math.floor(this.random() * message.sides);
      this.state.rolls++;
    }),
  };
  protected onPlayerJoin(client: Client, options: JoinOptions): void {
    this.state.players.set(client.sessionId, new Die().assign({ name: options.name }));
  }
  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
  }
}

/** From now on, every state and text the connection banner shows on `page`, in order, in `window.bannerSeen`. */
async function recordBanner(page: Page): Promise<void> {
  await page.evaluate(() => {
    const banner = document.querySelector<HTMLElement>("#banner");
    if (banner === null) throw new Error("the page has no banner");
    const seen: string[] = [];
    Object.assign(window, { bannerSeen: seen });
    new MutationObserver(() => seen.push(`${banner.dataset.state}: ${banner.hidden ? "" : banner.textContent}`)).observe(banner, {
      attributes: true,
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
}

async function statusOf(page: Page): Promise<string> {
  return (await page.getByTestId("ttt-status").textContent()) ?? "";
}

const installed = await chromiumOrSkip();

/** Views of any room type, pong, and every view at a phone's width (the first-hour views are in browser.test.ts). */
describe("the page's views of every room type, on a laptop and a phone", { skip: !installed && "no /usr/bin/chromium" }, () => {
  const bed = pageTestBed({ RECONNECTION_WINDOW_SECONDS: "20" }, { rooms: (define) => ({ dice: define(DiceRoom).enableRealtimeListing() }) });
  const { player, done } = bed;

  it("lists every room type the server hosts; one with no view of its own is shown by the generic view", async () => {
    const ada = await player("Ada");
    await ada.page.goto(`${bed.base}/#/`);
    await viewShown(ada.page, "lobby");
    for (const type of ["arena", "chat", "tictactoe", "pong", "dice"]) {
      assert.ok((await ada.page.getByTestId(`play-${type}`).count()) > 0, `quick play offers ${type}`);
      assert.equal(await ada.page.locator(`nav a[data-view="${type}"]`).count(), 1, `the header links ${type}`);
    }
    await ada.page.getByTestId("play-dice").click();
    await viewShown(ada.page, "dice");
    await ada.page.locator("[data-view=generic][data-room-type=dice]").waitFor({ timeout: 5000 });
    await ada.page.getByTestId("members").getByText("Ada (you)").waitFor({ timeout: 5000 });

    // The message box starts from a payload the room accepts, and sends it.
    assert.equal(await ada.page.getByLabel("Payload (JSON)").inputValue(), '{"sides":2}');
    await ada.page.getByLabel("Payload (JSON)").fill('{"sides": 6}');
    await ada.page.getByTestId("send-form").getByRole("button", { name: "Send" }).click();
    await ada.page.waitForFunction(() => (window.tickroom?.room?.state() as { rolls?: number } | undefined)?.rolls === 1, undefined, { timeout: 5000 });
    await ada.page.getByTestId("state-tree").getByText('"rolls": 1').waitFor({ timeout: 5000 });
    // A refusal is shown as the room's error; what is not JSON is never sent.
    await ada.page.getByLabel("Payload (JSON)").fill('{"sides": 50}');
    await ada.page.getByTestId("send-form").getByRole("button", { name: "Send" }).click();
    await ada.page.getByTestId("received").getByText("no die has more than 20 sides here").waitFor({ timeout: 5000 });
    await ada.page.getByLabel("Payload (JSON)").fill("{sides: 6");
    await ada.page.getByTestId("send-form").getByRole("button", { name: "Send" }).click();
    await ada.page
      .getByTestId("send-error")
      .getByText(/not JSON/)
      .waitFor({ timeout: 5000 });
    await screenshot(ada.page, "generic-desktop");

    // Another page's lobby lists the room, named by its type's title, and joins it.
    const ben = await player("Ben");
    await ben.page.goto(`${bed.base}/#/`);
    await viewShown(ben.page, "lobby");
    const row = ben.page.locator("[data-testid=room-list] tbody tr[data-room-type=dice]");
    await row.waitFor({ timeout: 5000 });
    assert.match((await row.textContent()) ?? "", /Dice.*1\/4/);
    await row.getByRole("button", { name: "Join" }).click();
    await viewShown(ben.page, "dice");
    await ada.page.getByTestId("members").getByText("Ben").waitFor({ timeout: 5000 });
    // A room type the server does not host is refused in words.
    await ben.page.goto(`${bed.base}/#/nosuchgame`);
    await ben.page
      .getByTestId("failure")
      .getByText(/no room type "nosuchgame"/)
      .waitFor({ timeout: 5000 });
    await done(ada, ben);
  });

  it("pong: the keyboard moves one paddle, a finger on a phone the other, and both pages see the score", async () => {
    const kim = await player("Kim");
    const lee = await player("Lee", PHONE);
    await kim.page.goto(`${bed.base}/#/pong`);
    await viewShown(kim.page, "pong");
    const roomHash = await kim.page.waitForFunction(() => (/^#\/pong\/[\w-]+$/.test(location.hash) ? location.hash : undefined));
    await lee.page.goto(`${bed.base}/${await roomHash.jsonValue()}`);
    await viewShown(lee.page, "pong");
    for (const page of [kim.page, lee.page])
      await page
        .getByTestId("pong-score")
        .getByText(/Kim.*Lee|Lee.*Kim/)
        .waitFor({ timeout: 5000 });

    // Keyboard: held S moves the paddle down (the court's y grows downwards).
    const kimStart = (await kim.page.evaluate(() => window.tickroom?.pong?.localY())) ?? 0;
    await kim.page.keyboard.down("KeyS");
    await kim.page.waitForFunction((from) => (window.tickroom?.pong?.localY() ?? from) > from + 40, kimStart, { timeout: 5000 });
    await kim.page.keyboard.up("KeyS");

    // Touch: a finger held near the top of the court pulls the paddle up to it.
    assert.equal(await sidewaysOverflow(lee.page), 0, "no sideways scroll on a phone");
    const leeStart = (await lee.page.evaluate(() => window.tickroom?.pong?.localY())) ?? 0;
    const court = await lee.page.getByTestId("pong-canvas").boundingBox();
    assert.ok(court !== null);
    const touch = await lee.context.newCDPSession(lee.page);
    const finger = { x: court.x + court.width * 0.9, y: court.y + court.height * 0.05, id: 1 };
    await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [finger] });
    await lee.page.waitForFunction((from) => (window.tickroom?.pong?.localY() ?? from) < from - 40, leeStart, { timeout: 5000 });
    await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    await screenshot(kim.page, "pong-desktop");
    await screenshot(lee.page, "pong-phone");
    await done(kim, lee);
  });

  it("every view fits a phone: no sideways scroll at 390 px", async () => {
    const pat = await player("Pat", PHONE);
    const channel = `phone-${Date.now()}`;
    for (const [hash, view, name] of [
      ["#/", "lobby", "lobby-phone"],
      [`#/chat/${channel}`, "chat", "chat-phone"],
      ["#/tictactoe", "tictactoe", "tictactoe-phone"],
      ["#/dice", "dice", "generic-phone"],
    ] as const) {
      await pat.page.goto(`${bed.base}/${hash}`);
      await viewShown(pat.page, view);
      assert.equal(await sidewaysOverflow(pat.page), 0, `${view} scrolls sideways on a phone`);
      await screenshot(pat.page, name);
    }
    // Nothing answers at the address: the page says where it looked, on a phone too.
    await pat.page.goto(`${bed.base}/?server=127.0.0.1:${await freePort()}#/`);
    await pat.page.getByTestId("unreachable").waitFor({ timeout: 10_000 });
    assert.equal(await sidewaysOverflow(pat.page), 0, "the unreachable page scrolls sideways on a phone");
    await screenshot(pat.page, "unreachable-phone");
    await done(pat);
  });
  it("two pages in the ranked queue land in the same game", async () => {
    const [first, second] = [await player("Quinn"), await player("Rita")];
    for (const each of [first, second]) {
      await each.page.goto(`${bed.base}/#/`);
      await viewShown(each.page, "lobby");
      await each.page.getByTestId("queue-button").click();
      // Alone in the queue, the first page says how the search stands.
      if (each === first)
        await first.page
          .getByTestId("lobby-status")
          .getByText(/^Looking for a tic-tac-toe match: 1 of 2 players here, 0:0\d waited$/)
          .waitFor({ timeout: 5000 });
    }
    await viewShown(first.page, "tictactoe", 15_000);
    await viewShown(second.page, "tictactoe", 15_000);
    assert.equal(new URL(first.page.url()).hash, new URL(second.page.url()).hash);
    await first.page.getByText(/Your turn|Opponent's turn/).waitFor({ timeout: 5000 });
    await done(first, second);
  });

  it("a dropped connection (or a reload) shows reconnecting and the game goes on in place", async () => {
    // Mallory plays through a proxy the test can cut; Nadia connects directly.
    const proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: bed.server.port } });
    const proxyPort = await proxy.listen();
    try {
      const mallory = await player("Mallory");
      const nadia = await player("Nadia");
      await mallory.page.goto(`${bed.base}/?server=127.0.0.1:${proxyPort}#/tictactoe`);
      await viewShown(mallory.page, "tictactoe");
      const roomId = /#\/tictactoe\/([\w-]+)/.exec(mallory.page.url())?.[1];
      await nadia.page.goto(`${bed.base}/#/tictactoe/${roomId}`);
      await viewShown(nadia.page, "tictactoe");
      // At once: the page has the SDK reconnect a connection however young (a deploy can come any time).
      await mallory.page.getByText("Your turn: you are X.").waitFor({ timeout: 5000 });

      // Cut the network; hold the way back for a moment so "reconnecting" stays on screen.
      proxy.configure("up", { latencyMs: 1500 });
      proxy.severAll();
      const banner = mallory.page.locator("#banner");
      await mallory.page.locator('#banner[data-state="reconnecting"]').waitFor({ timeout: 5000 });
      assert.match((await banner.textContent()) ?? "", /^Connection lost \(1006\): reconnecting…/);
      await screenshot(mallory.page, "reconnecting-desktop");
      proxy.configure("up", { latencyMs: 0 });
      // Gone once the SDK is back in the room.
      await banner.waitFor({ state: "hidden", timeout: 10_000 });

      // Same seat, same game: the move reaches the other player.
      await mallory.page.locator('[data-cell="4"]').click({ timeout: 5000 });
      await nadia.page.locator('[data-cell="4"][data-mark="X"]').waitFor({ timeout: 5000 });
      assert.match(await statusOf(nadia.page), /Your turn: you are O/);

      // A reload is a drop too: the tab takes its seat back with its reconnection token.
      await mallory.page.reload();
      await viewShown(mallory.page, "tictactoe");
      await mallory.page.locator('[data-cell="4"][data-mark="X"]').waitFor({ timeout: 5000 });
      assert.match(await statusOf(mallory.page), /Opponent's turn/, "still X, in the same game");
      await nadia.page.locator('[data-cell="0"]').click();
      await mallory.page.locator('[data-cell="0"][data-mark="O"]').waitFor({ timeout: 5000 });
      assert.match(await statusOf(mallory.page), /Your turn: you are X/);

      // A deploy moves the room to another server: every client is closed with 4010, and the
      // SDK reconnects to the room there (here: the same process, the same room id).
      for (const each of [mallory, nadia]) await recordBanner(each.page);
      // Mallory's way up is held: her close handshake, then her reconnection, each take this
      // long, so the page shows the move for that long, whatever the test process is doing.
      proxy.configure("up", { latencyMs: 750 });
      const room = serverRoom(roomId ?? "");
      for (const client of [...room.clients]) client.leave(CloseCode.MAY_TRY_RECONNECT);
      await mallory.page.locator('#banner[data-state="moving"]').waitFor({ timeout: 5000 });
      await screenshot(mallory.page, "moving-desktop");
      proxy.configure("up", { latencyMs: 0 });
      for (const each of [mallory, nadia]) {
        await each.page.locator("#banner").waitFor({ state: "hidden", timeout: 10_000 });
        const seen = await each.page.evaluate(() => (window as unknown as { bannerSeen: string[] }).bannerSeen);
        assert.deepEqual(seen, ["moving: Your game is moving to another server…", "connected: "], "the move shown, then nothing once back");
      }
      // The game goes on in place, no reload: the move reaches the other player.
      await mallory.page.locator('[data-cell="8"]').click({ timeout: 5000 });
      await nadia.page.locator('[data-cell="8"][data-mark="X"]').waitFor({ timeout: 5000 });
      assert.equal(await mallory.page.evaluate(() => "bannerSeen" in window), true, "the same document");
      await done(mallory, nadia);
    } finally {
      await proxy.close();
    }
  });
});
