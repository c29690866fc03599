import type { Client } from "@colyseus/core";
import { TicTacToeState } from "../schema/TicTacToeState.ts";
import type { JoinOptions } from "./base/joinOptions.ts";
import { roomType } from "./base/TickroomRoom.ts";
import { playMove, removePlayer, requestRematch, seatPlayer, standings } from "./tictactoe/rules.ts";
import { moveMessage, rematchMessage } from "./tictactoe/shapes.ts";

/**
 * Turn-based tic-tac-toe for two, with up to 8 spectators: X moves first; leaving mid-game
 * forfeits; once it is over, both players may ask for a `rematch` (marks swap).
 */
export class TicTacToeRoom extends roomType({
  title: "Tic-tac-toe",
  state: TicTacToeState,
  maxPlayers: 2,
  maxSpectators: 8,
  phase: "status",
  result: standings,
  movable: true,
}) {
  override messages = {
    move: this.accept(moveMessage, (client, message) => playMove(this.state, client.sessionId, message.index)),
    rematch: this.accept(rematchMessage, (client) => requestRematch(this.state, client.sessionId)),
  };

  protected onPlayerJoin(client: Client, options: JoinOptions): void {
    seatPlayer(this.state, client.sessionId, options.name);
  }

  protected onPlayerLeave(client: Client): void {
    removePlayer(this.state, client.sessionId);
  }
}
