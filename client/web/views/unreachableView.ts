import { el } from "../elements.ts";
import { parseServerAddress } from "../endpoint.ts";

const RETRY_SECONDS = 5;

/**
 * Shown when the server does not answer: where the page looked, how to start a server,
 * a field to point the page at another one, and a retry every few seconds.
 */
export function showUnreachable(container: HTMLElement, endpoint: string, retry: () => void): () => void {
  const countdown = el("span", { "data-testid": "retry-countdown" });
  const input = el("input", { name: "server", value: endpoint.replace(/^https?:\/\//, ""), "aria-label": "Server address", size: 28 });
  const problem = el("p", { class: "notice", role: "alert" });
  const form = el("form", { class: "row" }, input, el("button", { type: "submit" }, "Connect"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const address = parseServerAddress(input.value, location.protocol);
    if (address === undefined) {
      problem.textContent = `"${input.value}" is not a server address: use host:port, or http(s)://host:port.`;
      return;
    }
    const search = new URLSearchParams(location.search);
    search.set("server", address);
    location.search = search.toString();
  });
  const retryNow = el("button", { type: "button" }, "Retry now");
  retryNow.addEventListener("click", retry);

  let left = RETRY_SECONDS;
  const tick = (): void => {
    countdown.textContent = `Retrying in ${left} s.`;
    if (left-- <= 0) retry();
  };
  tick();
  const timer = setInterval(tick, 1000);
  container.replaceChildren(
    el(
      "section",
      { class: "unreachable", "data-view": "unreachable", "data-testid": "unreachable" },
      el("h1", {}, "Can't reach the game server"),
      el(
        "p",
        {},
        "Nothing answered at ",
        el("code", {}, endpoint),
        ". Is the server running? Start one with ",
        el("code", {}, "npm start"),
        ", or connect to another:",
      ),
      form,
      problem,
      el("p", { class: "muted" }, countdown, " ", retryNow),
    ),
  );
  return () => clearInterval(timer);
}
