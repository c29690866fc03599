import assert from "node:assert/strict";
import type { CDPSession, Page } from "playwright-core";
import type { DrawnPlayer } from "../../client/web/views/arenaCanvas.ts";

/** The arena as `page` draws it. */
export function arenaPlayers(page: Page): Promise<readonly DrawnPlayer[]> {
  return page.evaluate(() => window.tickroom?.arena?.players() ?? []);
}

export async function drawnPlayer(page: Page, name: string): Promise<DrawnPlayer> {
  const players = await arenaPlayers(page);
  const found = players.find((player) => player.name === name);
  assert.ok(found !== undefined, `${name} is not drawn (drawn: ${players.map((player) => player.name).join(", ")})`);
  return found;
}

export function shotsSeen(page: Page): Promise<number> {
  return page.evaluate(() => window.tickroom?.arena?.shotsSeen() ?? 0);
}

/** Wait until `page` draws a player named `name`, alive or dead. */
export async function untilDrawn(page: Page, name: string, timeout = 8000): Promise<void> {
  await page.waitForFunction((wanted) => window.tickroom?.arena?.players().some((player) => player.name === wanted) === true, name, { timeout, polling: 50 });
}

/** Wait until `page` draws `name` alive (`alive` true) or dead (false). */
export async function untilAlive(page: Page, name: string, alive: boolean, timeout = 8000): Promise<void> {
  await page.waitForFunction(
    ({ wanted, alive: state }) => window.tickroom?.arena?.players().find((player) => player.name === wanted)?.alive === state,
    { wanted: name, alive },
    { timeout, polling: 50 },
  );
}

/**
 * Where `page` draws `name` once it has stopped moving. A page whose frames were throttled
 * sends its inputs in bursts; the server applies one per tick, so a player can keep
 * walking for a few hundred milliseconds after the key is released.
 */
export async function standingStill(page: Page, name: string): Promise<DrawnPlayer> {
  let last = await drawnPlayer(page, name);
  for (let sample = 0; sample < 40; sample++) {
    await page.waitForTimeout(150);
    const now = await drawnPlayer(page, name);
    if (Math.hypot(now.x - last.x, now.y - last.y) < 0.5) return now;
    last = now;
  }
  throw new Error(`${name} never stood still`);
}

/**
 * The killer (a laptop page) walks until the victim is under 450 units away on each axis
 * (under 640 in all; shots reach 700), one axis at a time (a diagonal walk can pass the
 * victim by at a distance), aims at the
 * victim with the mouse and holds the button until the victim's own page draws it dead:
 * four hits of 25 at four shots a second. Both must be alive; the victim must stand still.
 */
export async function killWithMouse(killer: Page, killerName: string, victim: Page, victimName: string): Promise<void> {
  for (const axis of ["x", "y"] as const) {
    const [me, them] = [await drawnPlayer(killer, killerName), await drawnPlayer(killer, victimName)];
    const gap = them[axis] - me[axis];
    if (Math.abs(gap) < 450) continue;
    const key = axis === "x" ? (gap > 0 ? "KeyD" : "KeyA") : gap > 0 ? "KeyS" : "KeyW";
    await killer.keyboard.down(key);
    try {
      await killer.waitForFunction(
        ({ mine, theirs, axis: along }) => {
          const drawn = window.tickroom?.arena?.players() ?? [];
          const [a, b] = [drawn.find((p) => p.name === mine), drawn.find((p) => p.name === theirs)];
          return a !== undefined && b !== undefined && Math.abs(a[along] - b[along]) < 400;
        },
        { mine: killerName, theirs: victimName, axis },
        { timeout: 8000, polling: 20 },
      );
    } finally {
      await killer.keyboard.up(key);
    }
  }
  await standingStill(killer, killerName);
  const target = await standingStill(killer, victimName);
  const canvas = await killer.getByTestId("arena-canvas").boundingBox();
  assert.ok(canvas !== null, "the killer's canvas is laid out");
  await killer.mouse.move(canvas.x + (target.x / 1024) * canvas.width, canvas.y + (target.y / 1024) * canvas.height);
  await killer.mouse.down();
  try {
    await untilAlive(victim, victimName, false);
  } finally {
    await killer.mouse.up();
  }
}

/** Fingers on a touch screen, by id, several at once (Playwright's `touchscreen` only taps). */
export class Fingers {
  readonly #down = new Map<number, { x: number; y: number }>();

  private constructor(private readonly cdp: CDPSession) {}

  static async of(page: Page): Promise<Fingers> {
    return new Fingers(await page.context().newCDPSession(page));
  }

  /** Put finger `id` down at (x, y), CSS pixels of the viewport; the other fingers stay where they are. */
  async down(id: number, x: number, y: number): Promise<void> {
    this.#down.set(id, { x, y });
    await this.#send("touchStart");
  }

  async move(id: number, x: number, y: number): Promise<void> {
    this.#down.set(id, { x, y });
    await this.#send("touchMove");
  }

  async up(id: number): Promise<void> {
    this.#down.delete(id);
    await this.#send("touchEnd");
  }

  async liftAll(): Promise<void> {
    for (const id of [...this.#down.keys()]) await this.up(id);
  }

  /** CDP takes every finger still down: it works out which one landed, moved or lifted. */
  async #send(type: "touchStart" | "touchMove" | "touchEnd"): Promise<void> {
    const touchPoints = [...this.#down].map(([id, at]) => ({ id, x: at.x, y: at.y }));
    await this.cdp.send("Input.dispatchTouchEvent", { type, touchPoints });
  }
}

/** The centre of the element matched by `selector`, in viewport CSS pixels. */
export async function centreOf(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).boundingBox();
  assert.ok(box !== null, `${selector} is laid out`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Start watching, before a kill, for the first frame `page` draws `name` dead; resolves
 * with its countdown then. Read in the page at that frame: the player is back two seconds
 * after the kill, and a loaded machine can spend that long between two test steps.
 */
export function firstDrawnDead(page: Page, name: string): Promise<{ respawnIn: number }> {
  return page
    .waitForFunction(
      (wanted) => {
        const player = window.tickroom?.arena?.players().find((drawn) => drawn.name === wanted);
        return player !== undefined && !player.alive ? { respawnIn: player.respawnIn } : false;
      },
      name,
      { polling: "raf", timeout: 60_000 },
    )
    .then((handle) => handle.jsonValue() as Promise<{ respawnIn: number }>);
}

/** Start watching, before a kill, for the respawn notice's first frame on screen: its text and box then. */
export function firstRespawnNotice(page: Page): Promise<{ text: string; x: number; width: number }> {
  return page
    .waitForFunction(
      () => {
        const notice = document.querySelector<HTMLElement>("[data-testid=respawn-overlay]");
        if (notice === null || notice.hidden) return false;
        const box = notice.getBoundingClientRect();
        return box.width > 0 ? { text: notice.textContent ?? "", x: box.x, width: box.width } : false;
      },
      undefined,
      { polling: "raf", timeout: 60_000 },
    )
    .then((handle) => handle.jsonValue() as Promise<{ text: string; x: number; width: number }>);
}
