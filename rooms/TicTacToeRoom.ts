import type { AuthContext, Client } from "@colyseus/core";
import { TicTacToeState } from "../schema/TicTacToeState.ts";
import { normalizeJoinOptions, TickroomRoom } from "./base/TickroomRoom.ts";
import { playMove, removePlayer, requestRematch, seatPlayer } from "./tictactoe/rules.ts";
import { moveMessage, rematchMessage, tictactoeJoinOptions } from "./tictactoe/shapes.ts";

/**
 * Turn-based tic-tac-toe for two, with up to 8 spectators: X moves first; leaving mid-game
 * forfeits; once it is over, both players may ask for a `rematch` (marks swap).
 */
export class TicTacToeRoom extends TickroomRoom<{ state: TicTacToeState }> {
  protected readonly maxPlayers = 2;
  protected override readonly maxSpectators = 8;
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
      // The listing shows the status: republish only when a move ended the game.
      else if (this.state.status === "finished") void this.updateListing();
    }),
    rematch: this.accept(rematchMessage, (client) => {
      const result = requestRematch(this.state, client.sessionId);
      if (!result.ok) this.refuse(client, result.error);
      else if (this.state.status === "playing") void this.updateListing();
    }),
  };

  override async onCreate(options: unknown): Promise<void> {
    await this.configure(options);
  }

  /** A started game never takes a newcomer, even after a forfeit frees a slot. */
  protected override acceptsPlayers(): boolean {
    return this.state.status === "waiting";
  }

  protected override listingStatus(): string {
    return this.state.status;
  }

  protected onPlayerJoin(client: Client): void {
    seatPlayer(this.state, client.sessionId);
  }

  protected onPlayerLeave(client: Client): void {
    removePlayer(this.state, client.sessionId);
  }
}
