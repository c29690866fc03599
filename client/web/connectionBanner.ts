import type { Room } from "@colyseus/sdk";
import { CloseCode } from "../../shared/errors.ts";
import { listenUntil } from "../signals.ts";

export type ConnectionState = "connected" | "moving" | "reconnecting" | "lost";

/**
 * What the banner says while the SDK retries after a close with `code`: a room moving to
 * another server (4010: a deploy, a restart) is routine and said so; any other drop (1006:
 * the network, a crashed server) is a lost connection. The SDK closes with 4010 itself when
 * the browser goes offline, which is no move.
 */
export function retryingText(code: number, online = true): { state: "moving" | "reconnecting"; text: string } {
  if (code === CloseCode.MAY_TRY_RECONNECT && online) return { state: "moving", text: "Your game is moving to another server…" };
  return { state: "reconnecting", text: online ? `Connection lost (${code}): reconnecting…` : "You are offline: reconnecting…" };
}

/**
 * The status that floats under the header while a room's connection is down: "moving to
 * another server…" or "reconnecting…" while the SDK retries, gone the moment it is back
 * (the view stays in place and carries on); if it gives up, why the game ended, with the
 * way back to the lobby. It floats over the page, so it never moves the game under the
 * player's pointer. `data-state` carries the state for styles and tests.
 */
export class ConnectionBanner {
  constructor(
    private readonly element: HTMLElement,
    private readonly backToLobby: () => void,
  ) {
    this.#show("connected", "");
  }

  /** Follow one room until it is left; returns a function that stops following. */
  // colyseus-internal: sdk-reconnection-rules
  watch(room: Room): () => void {
    /** Why the connection is down, from its first drop until it is back or given up. */
    let retrying: ReturnType<typeof retryingText> | undefined;
    let failed = 0;
    // Stopped through listenUntil: a bare remove() could drop another listener (client/signals.ts).
    const stops = [
      // The SDK reports each failed reconnection attempt as a drop too: the first one says why.
      listenUntil(room.onDrop, (code: number) => {
        if (retrying === undefined) {
          retrying = retryingText(code, navigator.onLine);
          failed = 0;
          this.#show(retrying.state, retrying.text);
        } else {
          this.#show(retrying.state, `${retrying.text} (attempt ${++failed + 1})`);
        }
        return false;
      }),
      listenUntil(room.onReconnect, () => {
        retrying = undefined;
        this.#show("connected", "");
        return false;
      }),
      listenUntil(room.onLeave, (code: number, reason?: string) => {
        retrying = undefined;
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
