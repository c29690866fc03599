import { winningLine } from "../../../rooms/tictactoe/rules.ts";
import type { TicTacToeState } from "../../../schema/TicTacToeState.ts";
import type { RoomError } from "../../../shared/errors.ts";
import { el } from "../elements.ts";
import { watchDelayOf } from "../routes.ts";
import { followRoom, type GameViewEntry, headingElement, openRoom, type ServerRoomOf, type View, watchingNote } from "./context.ts";
import { RatingChangeLine } from "./ratingChange.ts";

const MARKS = ["", "X", "O"] as const;

/** What the status line says to this player (or spectator) about the game. */
export function describeGame(state: TicTacToeState, me: string, spectator: boolean): string {
  const myMark = state.players.get(me);
  const markOf = (sessionId: string): string => MARKS[state.players.get(sessionId) ?? 0] || "?";
  switch (state.status) {
    case "waiting":
      return spectator ? "Waiting for two players." : "Waiting for an opponent to join…";
    case "playing":
      if (spectator || myMark === undefined) return `${markOf(state.currentTurn)} to move.`;
      return state.currentTurn === me ? `Your turn: you are ${MARKS[myMark]}.` : `Opponent's turn (${markOf(state.currentTurn)}).`;
    case "finished": {
      if (state.draw) return "Draw.";
      if (spectator || myMark === undefined)
        return state.winner === "" ? "Game over." : `${state.players.get(state.winner) !== undefined ? markOf(state.winner) : "The remaining player"} wins.`;
      const forfeit = state.players.size < 2 ? " Your opponent left." : "";
      return state.winner === me ? `You won!${forfeit}` : "You lost.";
    }
  }
}

/** "Ada (X) vs Bob (O)": who plays whom, X first; an empty seat is "…". */
export function describePlayers(state: TicTacToeState): string {
  const seated = (wanted: number): string => {
    for (const [sessionId, mark] of state.players) if (mark === wanted) return `${state.names.get(sessionId) ?? "?"} (${MARKS[mark as 1 | 2]})`;
    return "…";
  };
  return `${seated(1)} vs ${seated(2)}`;
}

/** Tic-tac-toe: the board, whose turn, the result and a rematch both players must ask for. */
const ticTacToeView: View = async (container, route, context) => {
  const joined = await openRoom<TicTacToeState, ServerRoomOf<"tictactoe">>(context, {
    type: "tictactoe",
    roomId: route.address,
    spectate: route.spectate,
    delaySeconds: watchDelayOf(route),
    options: {},
  });
  const { room } = joined;
  context.settle({ ...route, address: room.roomId, spectate: joined.spectator });

  const cells = Array.from({ length: 9 }, (_, index) => {
    const cell = el("button", { class: "cell", "data-cell": index, "aria-label": `cell ${index + 1}` });
    cell.addEventListener("click", () => room.send("move", { index }));
    return cell;
  });
  // Until the first state, which reaches a late spectator only once the room is that old.
  const status = el("p", { class: "status", "data-testid": "ttt-status", role: "status" }, joined.delaySeconds === undefined ? "" : watchingNote(joined));
  const notice = el("p", { class: "notice", "data-testid": "ttt-error", role: "alert" });
  const rematch = el("button", { "data-testid": "rematch", hidden: true }, "Rematch");
  rematch.addEventListener("click", () => room.send("rematch"));
  const players = el("p", { class: "versus", "data-testid": "ttt-players" });
  // Shown only while a seat is free: a ranked game (seated by the queue) or one under way
  // or over has no one to invite.
  const code = el("p", { class: "join-code", hidden: true });
  let invitation = false;
  // A ranked game's rating change, under the result once the store has it.
  const ratingLine = new RatingChangeLine(context.link, joined);

  const render = (state: TicTacToeState): void => {
    // Joining resolves before the first state: the collections arrive with it.
    if (state.board === undefined || state.players === undefined || state.rematch === undefined) return;
    const me = room.sessionId;
    const myTurn = !joined.spectator && state.status === "playing" && state.currentTurn === me;
    const line = state.status === "finished" ? winningLine(state.board) : undefined;
    for (let i = 0; i < 9; i++) {
      const cell = cells[i]!;
      const mark = state.board[i] ?? 0;
      cell.textContent = MARKS[mark as 0 | 1 | 2];
      cell.dataset.mark = MARKS[mark as 0 | 1 | 2];
      cell.disabled = !myTurn || mark !== 0;
      cell.classList.toggle("win", line?.includes(i) === true);
    }
    players.textContent = describePlayers(state);
    code.hidden = !(invitation && state.status === "waiting");
    status.textContent = describeGame(state, me, joined.spectator);
    status.dataset.status = state.status;
    if (state.status === "finished") ratingLine.finished();
    else ratingLine.playing();
    const player = !joined.spectator && state.players.has(me);
    rematch.hidden = !(player && state.status === "finished");
    const opponentAsked = [...state.rematch.keys()].some((id) => id !== me);
    rematch.disabled = state.rematch.has(me) || state.players.size < 2;
    rematch.textContent =
      state.players.size < 2 ? "Rematch (opponent left)" : state.rematch.has(me) ? "Waiting for your opponent…" : opponentAsked ? "Accept rematch" : "Rematch";
  };
  room.onStateChange(render);
  if (room.state !== undefined) render(room.state);
  joined.onJoinCode((joinCode) => {
    invitation = true;
    const link = `${location.origin}${location.pathname}${location.search}#/code/${joinCode}`;
    const copy = el("button", { type: "button", "data-testid": "copy-code" }, "Copy link");
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(link).then(
        () => {
          copy.textContent = "Copied";
        },
        () => {
          copy.textContent = "Copy failed: select the link";
        },
      );
    });
    code.replaceChildren(
      "Private game. Share the code ",
      el("strong", { "data-testid": "join-code" }, joinCode),
      " or the link ",
      el("code", {}, link),
      " ",
      copy,
    );
    if (room.state !== undefined) render(room.state);
  });
  room.onMessage("error", (error: RoomError) => {
    notice.textContent = `${error.code}: ${error.message}`;
  });
  room.onStateChange(() => {
    notice.textContent = "";
  });

  const unfollow = followRoom(joined, context);

  container.replaceChildren(
    el(
      "section",
      { class: "tictactoe", "data-view": "tictactoe" },
      headingElement("Tic-tac-toe", joined),
      players,
      code,
      status,
      ratingLine.element,
      el("div", { class: "board", "data-testid": "board" }, ...cells),
      el("div", { class: "row" }, rematch, el("a", { class: "button", href: "#/" }, "Leave")),
      notice,
    ),
  );
  return () => {
    ratingLine.stop();
    unfollow();
    void joined.leave();
  };
};

export const ticTacToeGame: GameViewEntry = { mount: ticTacToeView, showsReplays: true };
