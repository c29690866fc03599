import type { ArenaProbe } from "./views/arenaView.ts";

/**
 * `window.tickroom`: what the page exposes for devtools and the browser tests. Read-only
 * views of what is on screen; nothing here changes the game.
 */
interface PageProbe {
  /** The server the page talks to. */
  readonly endpoint?: string;
  /** The view on screen once it has finished mounting ("lobby", "arena"...). */
  readonly view?: string;
  readonly arena?: ArenaProbe | undefined;
}

declare global {
  interface Window {
    tickroom?: PageProbe;
  }
}
