import { el } from "../elements.ts";
import { formatRoute, type Route } from "../routes.ts";
import type { View } from "./context.ts";
import {
  describeRecordsError,
  gameLabel,
  type HistoryEntry,
  type MatchPage,
  myPlayerId,
  type PlayerProfile,
  playerLink,
  readRecords,
  record,
  type ShownRating,
  signed,
  signOf,
  timeAgo,
  wholeRating,
} from "./records.ts";

type ProfileRoute = Extract<Route, { view: "profile" }>;

/** Matches per "More". */
const MORE = 10;
const RESULT_WORDS = { win: "Win", loss: "Loss", draw: "Draw" } as const;

/**
 * A player's profile (`#/players/<id>`): the name, a rating per ranked game played (rating ±
 * uncertainty, W-L-D, a link to that leaderboard), and the matches, newest first: result,
 * the game, who was on the other side (and on one's own, in team games) linking to their
 * profiles, a "Watch replay" link when the match was recorded, the rating change, and when;
 * "More" reads further back.
 */
export const profileView: View<ProfileRoute> = async (container, route, context) => {
  const { link } = context;
  const mine = myPlayerId(link) === route.id;
  const section = el("section", { class: "profile", "data-view": "profile", "data-player-id": route.id });
  let profile: PlayerProfile;
  try {
    profile = await readRecords<PlayerProfile>(link, `/players/${encodeURIComponent(route.id)}`);
  } catch (error) {
    section.replaceChildren(
      el("h1", {}, mine ? "Your profile" : "Player"),
      el("p", { class: "status error", role: "alert", "data-testid": "profile-error" }, describeRecordsError(error)),
      el("a", { class: "button", href: "#/" }, "Back to the lobby"),
    );
    container.replaceChildren(section);
    return () => undefined;
  }

  const since = new Date(profile.createdAt);
  const ratings =
    profile.ratings.length === 0
      ? el("p", { class: "muted", "data-testid": "no-ratings" }, "No rated matches yet.")
      : el("div", { class: "ratings", "data-testid": "ratings" }, ...profile.ratings.map(ratingCard));
  const list = el("ol", { class: "matches", "data-testid": "matches" });
  const none = el("p", { class: "muted", "data-testid": "no-matches", hidden: profile.recent.length > 0 ? true : undefined }, "No matches yet.");
  const more = el("button", { type: "button", "data-testid": "more-matches" }, "More");
  const moreStatus = el("p", { class: "status", role: "status" });
  let before: number | null = profile.recent.length >= MORE ? (profile.recent.at(-1)?.endedAt ?? null) : null;
  let stopped = false;
  const append = (matches: readonly HistoryEntry[]): void => {
    const now = Date.now();
    list.append(...matches.map((match) => matchItem(match, profile.id, now)));
    more.hidden = before === null;
  };
  more.addEventListener("click", () => {
    if (before === null) return;
    more.disabled = true;
    moreStatus.textContent = "Loading…";
    moreStatus.classList.remove("error");
    readRecords<MatchPage>(link, `/players/${encodeURIComponent(profile.id)}/matches?limit=${MORE}&before=${before}`).then(
      (page) => {
        if (stopped) return;
        before = page.next;
        moreStatus.textContent = page.matches.length === 0 ? "No earlier matches." : "";
        more.disabled = false;
        append(page.matches);
      },
      (error: unknown) => {
        if (stopped) return;
        more.disabled = false;
        moreStatus.textContent = describeRecordsError(error);
        moreStatus.classList.add("error");
      },
    );
  });
  append(profile.recent);

  section.replaceChildren(
    el("h1", { "data-testid": "profile-name" }, profile.name, mine ? el("span", { class: "you" }, " (you)") : ""),
    el(
      "p",
      { class: "muted" },
      profile.guest ? "Guest" : "Player",
      ` · playing since `,
      el("time", { datetime: since.toISOString() }, since.toLocaleDateString()),
    ),
    el("h2", {}, "Ratings"),
    ratings,
    el("h2", {}, "Matches"),
    none,
    list,
    el("div", { class: "row" }, more, moreStatus),
  );
  container.replaceChildren(section);
  return () => {
    stopped = true;
  };
};

function ratingCard(rating: ShownRating): HTMLElement {
  return el(
    "div",
    { class: "card rating", "data-game": rating.game },
    el("h3", { class: "rating-game" }, el("a", { href: formatRoute({ view: "leaderboards", game: rating.game }) }, gameLabel(rating.game))),
    el("p", { class: "rating-value" }, wholeRating(rating.rating), el("span", { class: "uncertainty" }, ` ± ${wholeRating(rating.uncertainty)}`)),
    el("p", { class: "muted" }, `${record(rating)} (W-L-D) · ${rating.played} played`),
  );
}

/** One match as `playerId` lived it. */
function matchItem(match: HistoryEntry, playerId: string, now: number): HTMLElement {
  const others = match.players.filter((player) => player.playerId !== playerId);
  const opponents = others.filter((player) => player.team !== match.team);
  const teammates = others.filter((player) => player.team === match.team);
  const names = (players: typeof others): Array<Node | string> =>
    players.flatMap((player, i) => (i === 0 ? [playerLink(player.playerId, player.name)] : [", ", playerLink(player.playerId, player.name)]));
  const change =
    match.ratingChange === undefined
      ? el("span", { class: "change", "data-sign": "none" }, match.ranked ? "not rated" : "casual")
      : el(
          "span",
          { class: "change", "data-sign": signOf(match.ratingChange), "data-change": match.ratingChange, title: `rating after: ${match.ratingAfter ?? "?"}` },
          signed(match.ratingChange),
          match.ratingAfter === undefined ? "" : el("span", { class: "muted" }, ` → ${wholeRating(match.ratingAfter)}`),
        );
  const ended = new Date(match.endedAt);
  return el(
    "li",
    { class: "match", "data-match-id": match.matchId, "data-result": match.result },
    el("span", { class: "result", "data-result": match.result }, RESULT_WORDS[match.result]),
    el(
      "span",
      { class: "who" },
      el("strong", {}, gameLabel(match.game)),
      opponents.length > 0 ? " vs " : "",
      ...names(opponents),
      teammates.length > 0 ? el("span", { class: "muted" }, " · with ") : "",
      ...names(teammates),
      match.forfeited ? el("span", { class: "muted" }, " · left early") : "",
      match.replayId === null
        ? ""
        : el("a", { class: "watch-replay", href: formatRoute({ view: "replay", matchId: match.replayId }), "data-testid": "watch-replay" }, "Watch replay"),
    ),
    change,
    el("time", { class: "when muted", datetime: ended.toISOString(), title: ended.toLocaleString() }, timeAgo(match.endedAt, now)),
  );
}
