import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import express from "express";
import type { Page } from "playwright-core";
import type { DrawnPlayer } from "../../client/web/views/arenaCanvas.ts";
import { ImpairmentProxy } from "../../loadtest/impairment/ImpairmentProxy.ts";
import { mountWebClient } from "../../server/webClient.ts";
import { freePort } from "../../tools/serverProcess.ts";
import { chromiumOrSkip, pageTestBed, screenshot, viewShown } from "../support/browser.ts";

const installed = await chromiumOrSkip();

/** The arena as page `page` draws it. */
function arenaPlayers(page: Page): Promise<readonly DrawnPlayer[]> {
  return page.evaluate(() => window.tickroom?.arena?.players() ?? []);
}

function playerNamed(players: readonly DrawnPlayer[], name: string): DrawnPlayer {
  const found = players.find((player) => player.name === name);
  assert.ok(found !== undefined, `${name} is not drawn (drawn: ${players.map((player) => player.name).join(", ")})`);
  return found;
}

/** Wait until `page` draws the player `name` in a way `predicate` accepts. */
async function untilDrawn(page: Page, name: string, predicate: string, argument: unknown, timeout = 8000): Promise<void> {
  await page.waitForFunction(
    ({ name: wanted, predicate: source, argument: value }) => {
      const player = window.tickroom?.arena?.players().find((drawn) => drawn.name === wanted);
      // eslint-disable-next-line no-new-func
      return player !== undefined && (new Function("player", "argument", `return ${source};`) as (p: unknown, a: unknown) => boolean)(player, value);
    },
    { name, predicate, argument },
    { timeout, polling: 50 },
  );
}

/**
 * Where `page` draws `name` once it has stopped moving. A page whose frames were throttled
 * sends its inputs in bursts; the server applies one per tick, so a player can keep
 * walking for a few hundred milliseconds after the key is released.
 */
async function standingStill(page: Page, name: string): Promise<DrawnPlayer> {
  let last = playerNamed(await arenaPlayers(page), name);
  for (let sample = 0; sample < 40; sample++) {
    await page.waitForTimeout(150);
    const now = playerNamed(await arenaPlayers(page), name);
    if (Math.hypot(now.x - last.x, now.y - last.y) < 0.5) return now;
    last = now;
  }
  throw new Error(`${name} never stood still`);
}

async function statusOf(page: Page): Promise<string> {
  return (await page.getByTestId("ttt-status").textContent()) ?? "";
}

describe("web client in headless Chromium", { skip: !installed && "no /usr/bin/chromium" }, () => {
  const bed = pageTestBed({ RECONNECTION_WINDOW_SECONDS: "20" });
  const { player, done } = bed;

  it("serves the page at / with its assets, and the lobby lists rooms live", async () => {
    const page = await fetch(`${bed.base}/`, { headers: { connection: "close" } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">/);

    const watcher = await player("Watcher");
    await watcher.page.goto(`${bed.base}/`);
    await viewShown(watcher.page, "lobby");
    const rows = watcher.page.locator("[data-testid=room-list] tbody tr[data-room-type=tictactoe]");
    assert.equal(await rows.count(), 0);

    const host = await player("Host");
    await host.page.goto(`${bed.base}/#/tictactoe`);
    await viewShown(host.page, "tictactoe");
    await rows.first().waitFor({ timeout: 5000 });
    assert.match((await rows.first().textContent()) ?? "", /1\/2.*waiting/);
    await screenshot(watcher.page, "lobby-desktop");

    // Leaving the view leaves the room; the lobby drops it.
    await host.page.goto(`${bed.base}/#/`);
    await viewShown(host.page, "lobby");
    await rows.first().waitFor({ state: "detached", timeout: 5000 });
    await done(watcher, host);
  });

  it("two pages join the same arena and each sees the other move and shoot", async () => {
    const alice = await player("Alice");
    const bob = await player("Bob");
    await alice.page.goto(`${bed.base}/#/arena`);
    await viewShown(alice.page, "arena");
    const roomId = /#\/arena\/([\w-]+)/.exec(alice.page.url())?.[1];
    assert.ok(roomId !== undefined, `the address names the room: ${alice.page.url()}`);
    await bob.page.goto(`${bed.base}/#/arena/${roomId}`);
    await viewShown(bob.page, "arena");
    await untilDrawn(alice.page, "Bob", "true", null);
    await untilDrawn(bob.page, "Alice", "true", null);
    // A spectator sees both, controls nobody, and takes no player slot.
    const watcher = await player("Watcher");
    await watcher.page.goto(`${bed.base}/#/arena/${roomId}?spectate`);
    await viewShown(watcher.page, "arena");
    await untilDrawn(watcher.page, "Alice", "true", null);
    await untilDrawn(watcher.page, "Bob", "true", null);
    assert.equal(
      (await arenaPlayers(watcher.page)).some((drawn) => drawn.local),
      false,
    );

    // Alice walks toward the middle (away from any wall); Bob sees her go.
    const aliceStart = playerNamed(await arenaPlayers(bob.page), "Alice");
    const right = aliceStart.x < 512;
    await alice.page.keyboard.down(right ? "KeyD" : "KeyA");
    await untilDrawn(bob.page, "Alice", right ? "player.x > argument + 80" : "player.x < argument - 80", aliceStart.x);
    await alice.page.keyboard.up(right ? "KeyD" : "KeyA");

    // Bob walks vertically; Alice sees him go.
    const bobStart = playerNamed(await arenaPlayers(alice.page), "Bob");
    const down = bobStart.y < 512;
    await bob.page.keyboard.down(down ? "KeyS" : "KeyW");
    await untilDrawn(alice.page, "Bob", down ? "player.y > argument + 80" : "player.y < argument - 80", bobStart.y);
    await bob.page.keyboard.up(down ? "KeyS" : "KeyW");

    // Alice closes in (shots reach 700 units), aims at Bob with the mouse and fires until
    // Bob's own page shows him hurt.
    const [aliceNow, bobNow] = [playerNamed(await arenaPlayers(alice.page), "Alice"), playerNamed(await arenaPlayers(alice.page), "Bob")];
    const keys = [bobNow.x > aliceNow.x ? "KeyD" : "KeyA", bobNow.y > aliceNow.y ? "KeyS" : "KeyW"];
    for (const key of keys) await alice.page.keyboard.down(key);
    await alice.page.waitForFunction(
      () => {
        const drawn = window.tickroom?.arena?.players() ?? [];
        const [me, them] = [drawn.find((p) => p.name === "Alice"), drawn.find((p) => p.name === "Bob")];
        return me !== undefined && them !== undefined && Math.hypot(me.x - them.x, me.y - them.y) < 400;
      },
      null,
      { timeout: 8000, polling: 20 },
    );
    for (const key of keys) await alice.page.keyboard.up(key);
    const target = await standingStill(alice.page, "Bob");
    const canvas = await alice.page.getByTestId("arena-canvas").boundingBox();
    assert.ok(canvas !== null);
    await alice.page.mouse.move(canvas.x + (target.x / 1024) * canvas.width, canvas.y + (target.y / 1024) * canvas.height);
    await alice.page.mouse.down();
    await untilDrawn(bob.page, "Bob", "player.hp < 100 || !player.alive", null);
    await alice.page.mouse.up();
    assert.ok((await bob.page.evaluate(() => window.tickroom?.arena?.shotsSeen() ?? 0)) > 0, "Bob's page received the shots");
    const row = bob.page.locator("[data-testid=scoreboard] tr.me");
    assert.match((await row.textContent()) ?? "", /Bob \(you\)/);
    assert.equal(await bob.page.locator("[data-testid=scoreboard] th", { hasText: "Team" }).count(), 0, "no Team column in free-for-all");

    // The net-stats panel reads live numbers.
    await alice.page.waitForFunction(() => Number.parseFloat(document.querySelector("[data-stat=patch-rate]")?.textContent ?? "0") > 5, null, {
      timeout: 5000,
    });
    const bytesIn = (await alice.page.locator("[data-stat=bytes-in]").textContent()) ?? "";
    assert.match(bytesIn, /[1-9]/, `bytes per second shown: ${bytesIn}`);
    assert.match((await alice.page.locator("[data-stat=rtt]").textContent()) ?? "", /\d+ ms/);
    assert.match((await alice.page.locator("[data-stat=corrections]").textContent()) ?? "", /^\d+ /);
    await screenshot(alice.page, "arena");
    // The spectator saw the same fight, interpolated.
    await untilDrawn(watcher.page, "Bob", "player.hp < 100 || !player.alive", null);
    await done(alice, bob, watcher);
  });

  it("chat lines typed on one page appear on the other, with both members listed", async () => {
    const channel = `e2e-${Date.now()}`;
    const carol = await player("Carol");
    const dave = await player("Dave");
    await carol.page.goto(`${bed.base}/#/chat/${channel}`);
    await viewShown(carol.page, "chat");
    await dave.page.goto(`${bed.base}/#/chat/${channel}`);
    await viewShown(dave.page, "chat");

    await carol.page.getByLabel("Message").fill("hello from Carol");
    await carol.page.getByLabel("Message").press("Enter");
    await dave.page.getByTestId("messages").getByText("hello from Carol").waitFor({ timeout: 5000 });
    await dave.page.getByLabel("Message").fill("hi Carol, Dave here");
    await dave.page.getByRole("button", { name: "Send" }).click();
    await carol.page.getByTestId("messages").getByText("hi Carol, Dave here").waitFor({ timeout: 5000 });

    for (const page of [carol.page, dave.page]) {
      const members = (await page.getByTestId("members").textContent()) ?? "";
      assert.match(members, /Carol/);
      assert.match(members, /Dave/);
    }
    // Who said what travels with the line.
    assert.match((await dave.page.getByTestId("messages").locator("li").first().textContent()) ?? "", /Carol\s*hello from Carol/);
    await screenshot(dave.page, "chat-desktop");
    await done(carol, dave);
  });

  it("re-entering the view one is in joins anew (no reconnection with the seat being given up); a bad channel link says so", async () => {
    const channel = `again-${Date.now()}`;
    const erin = await player("Erin");
    const reconnects: string[] = [];
    erin.page.on("request", (request) => {
      if (request.url().includes("/matchmake/reconnect")) reconnects.push(request.url());
    });
    await erin.page.goto(`${bed.base}/#/chat/${channel}`);
    await viewShown(erin.page, "chat");
    // "Switch" to the channel already shown: the view is left and opened again at once.
    await erin.page.getByLabel("Channel").fill(channel);
    await erin.page.getByRole("button", { name: "Switch" }).click();
    await viewShown(erin.page, "chat");
    await erin.page.getByLabel("Message").fill("still here");
    await erin.page.getByLabel("Message").press("Enter");
    await erin.page.getByTestId("messages").getByText("still here").waitFor({ timeout: 5000 });
    assert.deepEqual(reconnects, [], "the seat given up was not taken back with its token");
    // A link to a channel that cannot exist says so, instead of showing another channel.
    await erin.page.goto(`${bed.base}/#/chat/no%20spaces!`);
    await erin.page.getByTestId("failure").getByText('"no spaces!" is not a channel name').waitFor({ timeout: 5000 });
    await done(erin);
  });

  it("a private tic-tac-toe game, joined by code from the lobby, played to a win and a rematch", async () => {
    const xena = await player("Xena");
    const otto = await player("Otto");
    await xena.page.goto(`${bed.base}/#/`);
    await viewShown(xena.page, "lobby");
    await xena.page.getByLabel("Room type").selectOption("tictactoe");
    await xena.page.getByTestId("create-form").getByRole("checkbox").check();
    await xena.page.getByTestId("create-form").getByRole("button", { name: "Create" }).click();
    await viewShown(xena.page, "tictactoe");
    const code = (await xena.page.getByTestId("join-code").textContent({ timeout: 5000 })) ?? "";
    assert.match(code, /^[A-Z2-9]{6}$/);
    await xena.page.getByTestId("copy-code").waitFor({ timeout: 5000 });

    await otto.page.goto(`${bed.base}/#/`);
    await viewShown(otto.page, "lobby");
    await otto.page.getByLabel("Join code").fill(code.toLowerCase().replace(/^(...)/, "$1-"));
    await otto.page.getByTestId("code-form").getByRole("button", { name: "Join" }).click();
    await viewShown(otto.page, "tictactoe");
    assert.equal(new URL(otto.page.url()).hash, new URL(xena.page.url()).hash, "both pages show the same room");

    await xena.page.getByText("Your turn: you are X.").waitFor({ timeout: 5000 });
    assert.match(await statusOf(otto.page), /Opponent's turn/);
    assert.equal(await xena.page.getByTestId("rematch").isVisible(), false, "no rematch offered mid-game");
    for (const page of [xena.page, otto.page]) assert.equal(await page.getByTestId("ttt-players").textContent(), "Xena (X) vs Otto (O)");
    assert.equal(await xena.page.getByTestId("join-code").isVisible(), false, "a game under way has no one to invite");
    const cell = (page: Page, index: number) => page.locator(`[data-cell="${index}"]`);
    for (const [page, index] of [
      [xena.page, 0],
      [otto.page, 3],
      [xena.page, 1],
      [otto.page, 4],
      [xena.page, 2],
    ] as const) {
      await cell(page, index).click({ timeout: 5000 });
      const other = page === xena.page ? otto.page : xena.page;
      await other.locator(`[data-cell="${index}"][data-mark="${page === xena.page ? "X" : "O"}"]`).waitFor({ timeout: 5000 });
    }
    await xena.page.getByText("You won!").waitFor({ timeout: 5000 });
    await otto.page.getByText("You lost.").waitFor({ timeout: 5000 });
    // The winning line is marked on both boards, and only it.
    for (const page of [xena.page, otto.page]) {
      assert.deepEqual(await page.locator("[data-cell].win").evaluateAll((cells) => cells.map((cell) => (cell as HTMLElement).dataset.cell)), ["0", "1", "2"]);
    }
    await screenshot(xena.page, "tictactoe-desktop");

    await otto.page.getByTestId("rematch").click();
    await xena.page.getByRole("button", { name: "Accept rematch" }).click();
    // Marks swap: Otto is X now and moves first, on a clear board.
    await otto.page.getByText("Your turn: you are X.").waitFor({ timeout: 5000 });
    assert.match(await statusOf(xena.page), /Opponent's turn/);
    assert.equal(await xena.page.locator("[data-cell][data-mark=X], [data-cell][data-mark=O]").count(), 0);
    await cell(otto.page, 4).click();
    await xena.page.locator('[data-cell="4"][data-mark="X"]').waitFor({ timeout: 5000 });
    await done(xena, otto);
  });

  it("an unreachable server gets a clear message, and the page recovers when it answers", async () => {
    const port = await freePort();
    const lost = await player("Lost");
    await lost.page.goto(`${bed.base}/?server=127.0.0.1:${port}#/`);
    await lost.page.getByTestId("unreachable").waitFor({ timeout: 10_000 });
    const text = (await lost.page.getByTestId("unreachable").textContent()) ?? "";
    assert.match(text, /Can't reach the game server/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.equal(await lost.page.locator("#server").getAttribute("data-online"), "false");
    await screenshot(lost.page, "unreachable-desktop");

    // A server appears at that address (a proxy to ours): a retry finds it.
    const proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: bed.server.port }, port });
    await proxy.listen();
    try {
      await lost.page.getByRole("button", { name: "Retry now" }).click();
      await viewShown(lost.page, "lobby");
      assert.equal(await lost.page.locator("#server").getAttribute("data-online"), "true");
      await done(lost);
    } finally {
      await proxy.close();
    }
  });

  it("serves a message instead of a page when the client is not built", async () => {
    // A bare express app: Colyseus's matchmaker is one per process, so no second server here.
    const app = express();
    mountWebClient(app, { enabled: true, dir: "/nonexistent/tickroom-web" });
    const http = app.listen(0, "127.0.0.1");
    await once(http, "listening");
    try {
      const response = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`, { headers: { connection: "close" } });
      assert.equal(response.status, 503);
      assert.match(await response.text(), /npm run build:client/);
    } finally {
      http.close();
    }
  });
});
