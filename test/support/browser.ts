import assert from "node:assert/strict";
import { access, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { build } from "vite";
import type { ServerHooks } from "../../server/app.config.ts";
import type { Environment } from "../../server/config.ts";
import { startTestServer, type TestServer } from "./harness.ts";

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

/**
 * Whether Chromium is here. Without it a browser test file is skipped, saying so loudly;
 * under CI=true that is a failure, not a skip.
 */
export async function chromiumOrSkip(): Promise<boolean> {
  const installed = await chromiumInstalled();
  if (!installed) {
    const message = "\n!!! /usr/bin/chromium is missing: the browser tests are SKIPPED. Install Debian's chromium (see .ci/run). !!!\n";
    if (process.env.CI === "true") throw new Error(`${message}Under CI=true this is a failure.`);
    console.warn(message);
  }
  return installed;
}

/** What a browser test file's tests share: the server the page is served from, and players' pages. */
export interface PageTestBed {
  /** The server's address: the page is served at `${base}/`. */
  readonly base: string;
  readonly server: TestServer;
  /** A player's page, in a browser context of its own; closed after the file if the test did not. */
  player(name: string, screen?: typeof DESKTOP | typeof PHONE): Promise<Player>;
  /** Check the pages threw nothing uncaught, and close them. */
  done(...players: Player[]): Promise<void>;
}

/**
 * Inside a `describe`: before its tests, build the web client, serve it from a test server
 * started with `env` and `hooks`, and launch Chromium; after them, close every page, the
 * browser and the server, and remove the build.
 */
export function pageTestBed(env: Environment = {}, hooks: Omit<ServerHooks, "handleSignals"> = {}): PageTestBed {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let removeBuild: (() => Promise<void>) | undefined;
  const players: Player[] = [];
  before(async () => {
    const built = await buildWebClient();
    removeBuild = built.remove;
    server = await startTestServer({ WEB_CLIENT_DIR: built.dir, ...env }, hooks);
    browser = await launchChromium();
  });
  after(async () => {
    for (const each of players) await each.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await removeBuild?.();
  });
  const started = (): TestServer => {
    assert.ok(server !== undefined, "the test bed starts before the tests");
    return server;
  };
  return {
    get base() {
      return started().httpUrl;
    },
    get server() {
      return started();
    },
    async player(name, screen = DESKTOP) {
      assert.ok(browser !== undefined, "the test bed starts before the tests");
      const opened = await openPlayer(browser, name, screen);
      players.push(opened);
      return opened;
    },
    async done(...those) {
      for (const each of those) {
        assert.deepEqual(each.pageErrors, [], "uncaught errors on the page");
        await each.close();
      }
    },
  };
}
