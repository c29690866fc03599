import type { Room } from "@colyseus/sdk";
import { CloseCode } from "../../shared/errors.ts";
import { listenUntil } from "../signals.ts";

export type ConnectionState = "connected" | "reconnecting" | "reconnected" | "lost";

/**
 * The strip under the header that tells the player what the connection is doing: a drop
 * shows "reconnecting" while the SDK retries; the game view stays in place and resumes
 * when the seat is back. `data-state` carries the state for styles and tests.
 */
export class ConnectionBanner {
  #hideTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly element: HTMLElement,
    private readonly backToLobby: () => void,
  ) {
    this.#show("connected", "");
  }

  /** Follow one room until it is left; returns a function that stops following. */
  // colyseus-internal: sdk-reconnection-rules
  watch(room: Room): () => void {
    let attempts = 0;
    // Stopped through listenUntil: a bare remove() could drop another listener (client/signals.ts).
    const stops = [
      listenUntil(room.onDrop, (code: number) => {
        attempts = 0;
        this.#show("reconnecting", `Connection lost (${code}). Reconnecting…`);
        return false;
      }),
      listenUntil(room.onReconnect, () => {
        this.#show("reconnected", "Reconnected. You are back in the game.");
        this.#hideLater(2500);
        return false;
      }),
      listenUntil(room.onError, () => {
        if (this.element.dataset.state === "reconnecting") this.#show("reconnecting", `Connection lost. Reconnecting… (attempt ${++attempts})`);
        return false;
      }),
      listenUntil(room.onLeave, (code: number, reason?: string) => {
        if (code === CloseCode.CONSENTED) this.#show("connected", "");
        else this.#show("lost", leaveMessage(code, reason), true);
        return false;
      }),
    ];
    return () => {
      for (const stop of stops) stop();
      this.#show("connected", "");
    };
  }

  #show(state: ConnectionState, text: string, offerLobby = false): void {
    clearTimeout(this.#hideTimer);
    this.element.dataset.state = state;
    this.element.hidden = text === "";
    this.element.replaceChildren(text);
    if (offerLobby) {
      const button = document.createElement("button");
      button.textContent = "Back to the lobby";
      button.addEventListener("click", () => this.backToLobby());
      this.element.append(" ", button);
    }
  }

  #hideLater(ms: number): void {
    this.#hideTimer = setTimeout(() => this.#show("connected", ""), ms);
  }
}

function leaveMessage(code: number, reason?: string): string {
  switch (code) {
    case CloseCode.SERVER_SHUTDOWN:
      return "The server is shutting down. Your game has ended.";
    // colyseus-internal: close-code-4002
    case CloseCode.WITH_ERROR:
      return `The server closed the connection: ${reason || "the client sent something it refused"} (4002).`;
    case CloseCode.MESSAGE_TOO_BIG:
      return "The server closed the connection: a message was too big (1009).";
    case CloseCode.FAILED_TO_RECONNECT:
      return "Could not get back into the game: the seat is gone (4003).";
    case CloseCode.SIGNED_OUT:
      return "You were signed out (a logout, or the account was deleted): sign in again to play (4004).";
    case CloseCode.ABNORMAL_CLOSURE:
      return "The connection was lost and could not be resumed (1006).";
    default:
      return `Disconnected from the room (${code}${reason ? `: ${reason}` : ""}).`;
  }
}
