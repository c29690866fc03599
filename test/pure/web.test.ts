import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retryingText } from "../../client/web/connectionBanner.ts";
import { type PageLocation, parseServerAddress, resolveEndpoint } from "../../client/web/endpoint.ts";
import { formatRoute, parseRoute, type Route, roomRoute } from "../../client/web/routes.ts";
import { arenaOutcome, Deaths, describeLimits } from "../../client/web/views/arenaHud.ts";
import { examplePayload } from "../../client/web/views/genericView.ts";
import { describeRatingChange, signed, subjectOf, timeAgo } from "../../client/web/views/records.ts";
import { describeGame, describePlayers } from "../../client/web/views/ticTacToeView.ts";
import { describeSearch, withArticle } from "../../client/web/words.ts";
import { TicTacToeState } from "../../schema/TicTacToeState.ts";
import { CloseCode } from "../../shared/errors.ts";
import { CHANNEL_INPUT_PATTERN, CHANNEL_PATTERN } from "../../shared/limits.ts";

const page = (search = "", host = "game.example:8080", protocol = "https:"): PageLocation => ({
  protocol,
  host,
  hostname: host.split(":")[0]!,
  search,
});

describe("web client endpoint", () => {
  it("defaults to the server that served the page", () => {
    assert.deepEqual(resolveEndpoint(page(), false), { http: "https://game.example:8080", source: "page" });
  });

  it("under the Vite dev server, points at the game server's default port on the same host", () => {
    assert.deepEqual(resolveEndpoint(page("", "localhost:5173", "http:"), true), { http: "http://localhost:2567", source: "dev-server" });
  });

  it("takes ?server= in every spelling a person would type", () => {
    for (const [typed, expected] of [
      ["10.0.0.5:2567", "https://10.0.0.5:2567"],
      ["//10.0.0.5:2567", "https://10.0.0.5:2567"],
      ["http://play.example:2567/", "http://play.example:2567"],
      ["ws://play.example:2567", "http://play.example:2567"],
      ["wss://play.example/game", "https://play.example/game"],
    ] as const) {
      assert.deepEqual(resolveEndpoint(page(`?server=${encodeURIComponent(typed)}`), false), { http: expected, source: "query" }, typed);
    }
  });

  it("ignores a ?server= that is not a server address", () => {
    for (const typed of ["ftp://x", "http://user:pw@host", "http://host/?q=1", "::::", "javascript:alert(1)"]) {
      assert.equal(parseServerAddress(typed, "http:"), undefined, typed);
    }
    assert.equal(resolveEndpoint(page("?server=ftp%3A%2F%2Fx"), false).source, "page");
  });
});

describe("connection status while the SDK reconnects", () => {
  it("says a room is moving for 4010 (a deploy), a lost connection for any other drop, and offline when the browser is", () => {
    assert.deepEqual(retryingText(CloseCode.MAY_TRY_RECONNECT), { state: "moving", text: "Your game is moving to another server…" });
    assert.deepEqual(retryingText(CloseCode.ABNORMAL_CLOSURE), { state: "reconnecting", text: "Connection lost (1006): reconnecting…" });
    assert.deepEqual(retryingText(1001), { state: "reconnecting", text: "Connection lost (1001): reconnecting…" });
    // The SDK closes with 4010 itself when the browser goes offline: no move.
    assert.deepEqual(retryingText(CloseCode.MAY_TRY_RECONNECT, false), { state: "reconnecting", text: "You are offline: reconnecting…" });
  });
});

describe("web client routes", () => {
  it("round-trips every view", () => {
    const routes: Route[] = [
      { view: "lobby" },
      roomRoute("arena"),
      roomRoute("arena", { address: "abc_D-1", query: { mode: "teams" }, spectate: true }),
      roomRoute("tictactoe", { address: "r00m", spectate: true }),
      roomRoute("chat", { address: "general" }),
      roomRoute("my-game", { address: "x", query: { level: "3 stars" } }),
      { view: "code", code: "ABC234" },
      { view: "leaderboards" },
      { view: "leaderboards", game: "tictactoe" },
      { view: "profile", id: "p-0f8e5c1a-2b3c-4d5e-8f90-123456789abc" },
      { view: "profile", id: "someone with spaces/and a slash" },
    ];
    for (const route of routes) assert.deepEqual(parseRoute(formatRoute(route)), route, formatRoute(route));
  });

  it("keeps the addresses links were shared with", () => {
    assert.deepEqual(parseRoute("#/arena/r1?mode=teams&spectate"), roomRoute("arena", { address: "r1", query: { mode: "teams" }, spectate: true }));
    assert.deepEqual(parseRoute("#/tictactoe"), roomRoute("tictactoe"));
    assert.equal(formatRoute(roomRoute("chat", { address: "general" })), "#/chat/general");
    assert.deepEqual(parseRoute("#/leaderboards/pong"), { view: "leaderboards", game: "pong" });
    assert.deepEqual(parseRoute("#/players/p-123"), { view: "profile", id: "p-123" });
    assert.equal(formatRoute({ view: "profile", id: "p-123" }), "#/players/p-123");
    assert.equal(formatRoute({ view: "leaderboards", game: "arena" }), "#/leaderboards/arena");
  });

  it("reserves leaderboards and players before the room types", () => {
    assert.deepEqual(parseRoute("#/leaderboards"), { view: "leaderboards" });
    assert.deepEqual(parseRoute("#/leaderboards/"), { view: "leaderboards" });
    // A query means nothing there: the board is still shown.
    assert.deepEqual(parseRoute("#/leaderboards/tictactoe?spectate"), { view: "leaderboards", game: "tictactoe" });
    assert.deepEqual(parseRoute("#/leaderboards/no%20such!"), { view: "leaderboards" });
    assert.deepEqual(parseRoute("#/players"), { view: "lobby" });
    assert.deepEqual(parseRoute("#/players/p-1/extra"), { view: "lobby" });
    assert.deepEqual(parseRoute("#/leaderboard"), roomRoute("leaderboard"), "only the exact word is reserved");
  });

  it("falls back to the lobby (or no address) on anything it does not know", () => {
    assert.deepEqual(parseRoute(""), { view: "lobby" });
    assert.deepEqual(parseRoute("#/nowhere/at/all"), { view: "lobby" });
    assert.deepEqual(parseRoute("#/code"), { view: "lobby" });
    assert.deepEqual(parseRoute("#/no%20such!"), { view: "lobby" });
    assert.deepEqual(parseRoute("#/chat"), roomRoute("chat"));
    // An address is kept as written: the chat view refuses a bad channel in words.
    assert.deepEqual(parseRoute("#/chat/no%20spaces!"), roomRoute("chat", { address: "no spaces!" }));
    assert.deepEqual(parseRoute("#/arena/%E0%A4%A"), roomRoute("arena"));
  });
});

describe("generic room view", () => {
  it("starts the message box from a payload the room type accepts", () => {
    assert.deepEqual(examplePayload({ type: "object", properties: { index: { type: "integer", minimum: 0, maximum: 8 } }, required: ["index"] }), { index: 0 });
    assert.deepEqual(
      examplePayload({
        type: "object",
        properties: { text: { type: "string", minLength: 2 }, colour: { enum: ["red", "blue"] }, note: { type: "string" } },
        required: ["text", "colour"],
      }),
      { text: "aa", colour: "red" },
    );
    assert.deepEqual(examplePayload({ type: "object", properties: { level: { type: "integer", default: 3 } } }), {});
    assert.deepEqual(examplePayload({}), {});
  });
});

describe("tic-tac-toe status line", () => {
  function state(fill: (s: TicTacToeState) => void): TicTacToeState {
    const s = new TicTacToeState();
    fill(s);
    return s;
  }
  const playing = state((s) => {
    s.players.set("me", 1);
    s.players.set("you", 2);
    s.status = "playing";
    s.currentTurn = "me";
  });

  it("tells each side whose turn it is", () => {
    assert.equal(describeGame(playing, "me", false), "Your turn: you are X.");
    assert.equal(describeGame(playing, "you", false), "Opponent's turn (X).");
    assert.equal(describeGame(playing, "watcher", true), "X to move.");
  });

  it("tells the result, including a forfeit", () => {
    const won = state((s) => {
      s.players.set("me", 1);
      s.players.set("you", 2);
      s.status = "finished";
      s.winner = "me";
    });
    assert.equal(describeGame(won, "me", false), "You won!");
    assert.equal(describeGame(won, "you", false), "You lost.");
    const forfeit = state((s) => {
      s.players.set("me", 2);
      s.status = "finished";
      s.winner = "me";
    });
    assert.equal(describeGame(forfeit, "me", false), "You won! Your opponent left.");
    const draw = state((s) => {
      s.players.set("me", 1);
      s.players.set("you", 2);
      s.status = "finished";
      s.draw = true;
    });
    assert.equal(describeGame(draw, "you", false), "Draw.");
  });
});

describe("channel name input", () => {
  it("has a pattern valid as browsers compile it (the v flag) that accepts exactly the channel names", () => {
    // What an input's pattern becomes: anchored, with the v flag (Chromium rejects `[\w-]` there).
    // (The flag through a variable: the project's TypeScript target predates it; Node 22 has it.)
    const v: string = "v";
    const asBrowsers = new RegExp(`^(?:${CHANNEL_INPUT_PATTERN})$`, v);
    for (const name of ["", "general", "team_2", "a-b", "no spaces", "x!", "ünï"]) {
      assert.equal(asBrowsers.test(name), CHANNEL_PATTERN.test(name), name);
    }
    const before = "^(?:[\\w-]*)$";
    assert.throws(() => new RegExp(before, v), "the old pattern is what Chromium refused");
  });
});

describe("ranked queue status line", () => {
  it("says a or an as English does", () => {
    assert.equal(withArticle("arena"), "an arena");
    assert.equal(withArticle("tic-tac-toe"), "a tic-tac-toe");
    assert.equal(withArticle("private arena"), "a private arena");
  });

  it("tells how many players are here of how many a match takes, and how long the search has waited", () => {
    const since = 1000;
    assert.equal(describeSearch({ waiting: 0, playersPerMatch: 0, rating: undefined, since }, since + 500), "0:00 waited", "before the queue has said");
    assert.equal(describeSearch({ waiting: 2, playersPerMatch: 4, rating: 1000, since }, since + 7_200), "2 of 4 players here, 0:07 waited");
    assert.equal(describeSearch({ waiting: 9, playersPerMatch: 2, rating: 1000, since }, since + 75_000), "2 of 2 players here, 1:15 waited");
  });
});

describe("tic-tac-toe players line", () => {
  it("names who plays whom, X first, and an empty seat", () => {
    const s = new TicTacToeState();
    s.players.set("b", 2);
    s.names.set("b", "Bob");
    assert.equal(describePlayers(s), "… vs Bob (O)");
    s.players.set("a", 1);
    s.names.set("a", "Ada");
    assert.equal(describePlayers(s), "Ada (X) vs Bob (O)");
  });
});

describe("ratings on the page", () => {
  const token = (claims: object): string => ["eyJhbGciOiJIUzI1NiJ9", Buffer.from(JSON.stringify(claims)).toString("base64url"), "signature"].join(".");

  it("reads the player's id from the token's sub claim, and nothing from a token that is not one", () => {
    assert.equal(subjectOf(token({ sub: "p-42", name: "Zoë ✓", guest: true })), "p-42");
    assert.equal(subjectOf(token({ name: "no sub" })), undefined);
    assert.equal(subjectOf("not-a-jwt"), undefined);
    assert.equal(subjectOf("a.%%%.c"), undefined);
  });

  it("writes a rating change that adds up, with its sign", () => {
    assert.equal(describeRatingChange(1016.4, 16.4).text, "Rating 1000 → 1016 (+16)");
    assert.equal(describeRatingChange(983.6, -16.4).text, "Rating 1000 → 984 (-16)");
    // Rounded apart, shown together: 1000.4 → 1015.6 reads as 1000 → 1016 (+16), not +15.
    assert.equal(describeRatingChange(1015.6, 15.2).text, "Rating 1000 → 1016 (+16)");
    assert.equal(signed(0.2), "±0");
  });

  it("says how long ago a match ended", () => {
    const now = Date.UTC(2025, 0, 10, 12);
    assert.equal(timeAgo(now - 20_000, now), "just now");
    assert.equal(timeAgo(now - 5 * 60_000, now), "5 min ago");
    assert.equal(timeAgo(now - 3 * 3_600_000, now), "3 h ago");
    assert.equal(timeAgo(now - 2 * 86_400_000, now), "2 d ago");
  });
});

describe("ranked arena", () => {
  it("shows the limits of a ranked match, and none in casual play", () => {
    assert.equal(describeLimits(20, 60 * 200, 60 * 8, 60), "First to 20 · 3:12 left");
    assert.equal(describeLimits(0, 600, 0, 60), "0:10 left");
    assert.equal(describeLimits(5, 0, 999, 60), "First to 5");
    assert.equal(describeLimits(20, 100, 400, 60), "First to 20 · 0:00 left");
    assert.equal(describeLimits(0, 0, 1234, 60), undefined);
  });

  it("names the winning side, and what it means for each player", () => {
    const players = [
      { id: "a", name: "Ada", team: 1, score: 12 },
      { id: "b", name: "Bob", team: 1, score: 8 },
      { id: "c", name: "Cy", team: 2, score: 14 },
      { id: "d", name: "Di", team: 2, score: 0 },
    ];
    assert.deepEqual(arenaOutcome(players, "teams", "b"), { headline: "Team 1 wins", score: "20 – 14", verdict: "won" });
    assert.equal(arenaOutcome(players, "teams", "c").verdict, "lost");
    assert.equal(arenaOutcome(players, "teams", undefined).verdict, undefined);
    assert.deepEqual(arenaOutcome(players, "ffa", "c"), { headline: "Cy wins", score: "14 – 12 – 8 – 0", verdict: "won" });
    const even = [
      { id: "a", name: "Ada", team: 1, score: 5 },
      { id: "c", name: "Cy", team: 2, score: 5 },
    ];
    assert.deepEqual(arenaOutcome(even, "teams", "a"), { headline: "Draw", score: "5 – 5", verdict: "draw" });
  });
});

describe("the arena's respawn countdown", () => {
  it("counts whole seconds from the kill, never more than the respawn delay", () => {
    const deaths = new Deaths();
    deaths.killed("bob", "Ada", 1000);
    // A frame whose time comes before the kill was handled (a frame's time is its start).
    assert.equal(deaths.observe("bob", false, 990), 2);
    assert.equal(deaths.observe("bob", false, 1000), 2);
    assert.equal(deaths.observe("bob", false, 2001), 1);
    assert.equal(deaths.observe("bob", false, 3000), 0);
    assert.equal(deaths.observe("bob", true, 3100), 0);
    assert.equal(deaths.killerOf("bob"), undefined, "forgotten once alive");
  });
});
