import { access, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { build } from "vite";

/**
 * Headless Chromium for the web client's end-to-end tests. Debian's `chromium` package
 * (installed by .ci/run): Playwright's own browser download cannot work on this network.
 */
export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots of every view land here (gitignored), for a person to look at after a run. */
export const SCREENSHOT_DIR = fileURLToPath(new URL("../../test-artifacts/screenshots/", import.meta.url));

const VITE_CONFIG = fileURLToPath(new URL("../../client/web/vite.config.ts", import.meta.url));

export async function chromiumInstalled(): Promise<boolean> {
  return access(CHROMIUM).then(
    () => true,
    () => false,
  );
}

/** Build the web client into a fresh temporary folder; returns the folder and how to remove it. */
export async function buildWebClient(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tickroom-web-"));
  await build({ configFile: VITE_CONFIG, logLevel: "warn", build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Playwright gives each launch a fresh temporary profile, so no state leaks between runs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling Google on this closed network.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** One player: a page in its own browser context (its own storage, so its own guest). */
export interface Player {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Uncaught exceptions on the page: a bug in the client. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** The screens the page is tested on: a laptop, and a phone (touch, 390 px wide like most phones in hand). */
export const DESKTOP = { viewport: { width: 1280, height: 860 } } as const;
export const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 } as const;

export async function openPlayer(browser: Browser, name: string, screen: typeof DESKTOP | typeof PHONE = DESKTOP): Promise<Player> {
  const context = await browser.newContext(screen);
  await context.addInitScript((playerName: string) => {
    if (localStorage.getItem("tickroom:name") === null) localStorage.setItem("tickroom:name", playerName);
  }, name);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return { page, context, pageErrors, close: () => context.close() };
}

/** Wait until the page has mounted `view` (the shell sets `window.tickroom.view`). */
export async function viewShown(page: Page, view: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction((wanted) => window.tickroom?.view === wanted, view, { timeout });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** How far the page is wider than its screen, px: 0 when nothing scrolls sideways. */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
