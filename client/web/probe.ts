import type { ArenaProbe } from "./views/arenaView.ts";
import type { GenericProbe } from "./views/genericView.ts";
import type { PongProbe } from "./views/pongView.ts";
import type { ReplayProbe } from "./views/replayView.ts";

/**
 * `window.tickroom`: what the page exposes for devtools and the browser tests. Read-only
 * views of what is on screen; nothing here changes the game.
 */
interface PageProbe {
  /** The server the page talks to. */
  readonly endpoint?: string;
  /** The view on screen once it has finished mounting: "lobby", "code", or the room type ("arena", "pong"...). */
  readonly view?: string;
  readonly arena?: ArenaProbe | undefined;
  readonly pong?: PongProbe | undefined;
  /** A room type shown by the generic view. */
  readonly room?: GenericProbe | undefined;
  /** A recorded match played back: its playhead (the recorded room's own probe shows its state). */
  readonly replay?: ReplayProbe | undefined;
}

declare global {
  interface Window {
    tickroom?: PageProbe;
  }
}
