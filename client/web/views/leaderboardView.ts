import { RANKED_GAME_NAMES } from "../../../shared/rankedQueue.ts";
import { el } from "../elements.ts";
import { formatRoute, type LeaderboardRoute } from "../routes.ts";
import type { View } from "./context.ts";
import {
  describeRecordsError,
  gameLabel,
  type LeaderboardEntry,
  type LeaderboardPage,
  myPlayerId,
  NoRecords,
  playerLink,
  RecordRefused,
  readRecords,
  record,
  wholeRating,
} from "./records.ts";

/** Rows per page. */
const PAGE = 20;

/**
 * A ranked game's leaderboard (`#/leaderboards[/<game>]`): a tab per ranked game, the
 * players best first (by rating less three times its uncertainty: a newcomer's lucky win
 * does not top the board), Prev/Next by pages of 20, "Find me" for the page around the
 * signed-in player, whose row is highlighted. Names link to profiles.
 */
export const leaderboardView: View<LeaderboardRoute> = async (container, route, context) => {
  const { link } = context;
  const hosted = RANKED_GAME_NAMES.filter((game) => context.catalog.roomTypes.some((type) => type.name === game));
  const games: readonly string[] = hosted.length > 0 ? hosted : RANKED_GAME_NAMES;
  const game = route.game ?? games[0]!;
  if (route.game === undefined) context.settle({ view: "leaderboards", game });
  const me = myPlayerId(link);

  const tabs = el(
    "nav",
    { class: "tabs", "aria-label": "Ranked games" },
    ...games.map((name) =>
      el(
        "a",
        { href: formatRoute({ view: "leaderboards", game: name }), "data-game": name, "aria-current": name === game ? "page" : undefined },
        gameLabel(name),
      ),
    ),
  );
  const status = el("p", { class: "status", role: "status", "data-testid": "leaderboard-status" });
  const body = el("tbody");
  const table = el(
    "table",
    { class: "leaderboard", "data-testid": "leaderboard", hidden: true },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { class: "number", scope: "col" }, "#"),
        el("th", { scope: "col" }, "Player"),
        el("th", { class: "number", scope: "col" }, "Rating"),
        el("th", { class: "number", scope: "col", title: "wins-losses-draws" }, "W-L-D"),
        el("th", { class: "number", scope: "col" }, "Played"),
      ),
    ),
    body,
  );
  const empty = el(
    "div",
    { class: "empty", "data-testid": "leaderboard-empty", hidden: true },
    el("p", {}, `No one is on the ${gameLabel(game)} leaderboard yet.`),
    el("p", { class: "muted" }, "Finish a ranked match (the lobby's ranked queue) to be the first."),
    el("a", { class: "button", href: "#/" }, "To the lobby"),
  );
  const prev = el("button", { type: "button", "data-testid": "leaderboard-prev" }, "‹ Prev");
  const next = el("button", { type: "button", "data-testid": "leaderboard-next" }, "Next ›");
  const findMe = el(
    "button",
    {
      type: "button",
      "data-testid": "find-me",
      disabled: me === undefined ? true : undefined,
      title: me === undefined ? "Play a ranked match first: you are not signed in yet" : undefined,
    },
    "Find me",
  );
  const range = el("span", { class: "muted range" });
  const pager = el("div", { class: "row pager", hidden: true }, prev, range, next, findMe);

  let offset = 0;
  let total = 0;
  let reading = 0;
  let stopped = false;

  const show = (page: LeaderboardPage): void => {
    offset = page.offset;
    total = page.total;
    body.replaceChildren(...page.entries.map((entry) => row(entry, entry.playerId === me)));
    table.hidden = page.entries.length === 0;
    empty.hidden = page.total > 0;
    pager.hidden = page.total === 0;
    prev.disabled = offset === 0;
    next.disabled = offset + page.entries.length >= total;
    range.textContent = page.entries.length === 0 ? `${total} players` : `${offset + 1}–${offset + page.entries.length} of ${total}`;
    status.textContent = "";
    status.classList.remove("error");
  };
  const fail = (error: unknown, whole: boolean): void => {
    status.textContent = describeRecordsError(error);
    status.classList.add("error");
    status.setAttribute("role", "alert");
    // A server that keeps no ratings has no board to page through.
    if (whole || error instanceof NoRecords) {
      table.hidden = true;
      empty.hidden = true;
      pager.hidden = true;
    }
  };
  const load = async (query: string, whole: boolean): Promise<void> => {
    const current = ++reading;
    status.textContent = "Loading…";
    status.classList.remove("error");
    try {
      const page = await readRecords<LeaderboardPage>(link, `/leaderboards/${encodeURIComponent(game)}?limit=${PAGE}&${query}`);
      if (stopped || current !== reading) return;
      status.setAttribute("role", "status");
      show(page);
    } catch (error) {
      if (stopped || current !== reading) return;
      // "Find me" for a player not on the board: say so, and keep the page shown.
      if (error instanceof RecordRefused && error.status === 404 && query.startsWith("around=")) {
        status.textContent = `You are not on the ${gameLabel(game)} leaderboard yet: finish a ranked match first.`;
        status.setAttribute("role", "status");
        return;
      }
      fail(error, whole);
    }
  };
  prev.addEventListener("click", () => void load(`offset=${Math.max(0, offset - PAGE)}`, false));
  next.addEventListener("click", () => void load(`offset=${offset + PAGE}`, false));
  findMe.addEventListener("click", () => {
    if (me !== undefined) void load(`around=${encodeURIComponent(me)}`, false);
  });

  container.replaceChildren(
    el("section", { class: "leaderboards", "data-view": "leaderboards" }, el("h1", {}, "Leaderboards"), tabs, status, table, empty, pager),
  );
  await load("offset=0", true);

  return () => {
    stopped = true;
  };
};

function row(entry: LeaderboardEntry, mine: boolean): HTMLTableRowElement {
  return el(
    "tr",
    { class: mine ? "me" : undefined, "aria-current": mine ? "true" : undefined, "data-player-id": entry.playerId, "data-rank": entry.rank },
    el("td", { class: "number" }, String(entry.rank)),
    el("td", { class: "name" }, playerLink(entry.playerId, entry.name), mine ? el("span", { class: "you" }, " (you)") : ""),
    el(
      "td",
      { class: "number", title: `${entry.rating} ± ${entry.uncertainty} (board score ${entry.score})` },
      wholeRating(entry.rating),
      el("span", { class: "uncertainty" }, ` ±${wholeRating(entry.uncertainty)}`),
    ),
    el("td", { class: "number" }, record(entry)),
    el("td", { class: "number" }, String(entry.played)),
  );
}
