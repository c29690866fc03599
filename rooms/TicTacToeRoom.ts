import type { AuthContext, Client } from "@colyseus/core";
import { TicTacToeState } from "../schema/TicTacToeState.ts";
import { normalizeJoinOptions, TickroomRoom } from "./base/TickroomRoom.ts";
import { playMove, removePlayer, seatPlayer } from "./tictactoe/rules.ts";
import { moveMessage, tictactoeJoinOptions } from "./tictactoe/shapes.ts";

/** Turn-based tic-tac-toe for two: X moves first; leaving mid-game forfeits. */
export class TicTacToeRoom extends TickroomRoom<{ state: TicTacToeState }> {
  override maxClients = 2;
  override maxMessagesPerSecond = 10;
  override state = new TicTacToeState();

  static override async onAuth(_token: string, options: unknown, _context: AuthContext): Promise<true> {
    normalizeJoinOptions(tictactoeJoinOptions, options);
    return true;
  }

  override messages = {
    move: this.accept(moveMessage, (client, message) => {
      const result = playMove(this.state, client.sessionId, message.index);
      if (!result.ok) this.refuse(client, result.error);
    }),
  };

  override onCreate(options: unknown): void {
    this.configure(options);
  }

  override async onJoin(client: Client): Promise<void> {
    seatPlayer(this.state, client.sessionId);
    // Once a game starts it never takes a newcomer, even after a forfeit frees a slot;
    // reconnections still get in (they hold reserved seats).
    if (this.state.status === "playing") await this.lock();
  }

  override onLeave(client: Client): void {
    removePlayer(this.state, client.sessionId);
  }
}
