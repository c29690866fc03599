import type { Client, StepContext } from "@colyseus/core";
import { PongInput, PongPaddle, PongState } from "../schema/PongState.ts";
import type { CreateOptions, JoinOptions } from "./base/joinOptions.ts";
import { realtimeRoomType } from "./base/RealtimeRoom.ts";
import type { TickInputs } from "./base/tickInputs.ts";
import { freeSide, guessLateInput, removePaddle, sanitizeInput, seatPaddle, standings, stepPong } from "./pong/rules.ts";
import { PONG, pongJoinOptions } from "./pong/shapes.ts";

/**
 * Pong for two: each player moves a paddle (predicted on its client), the server moves the
 * ball at 60 Hz; the first to the score limit wins; a player who leaves forfeits (after
 * the reconnection window when its connection dropped); spectators watch.
 */
export class PongRoom extends realtimeRoomType({
  state: PongState,
  joinOptions: pongJoinOptions,
  maxPlayers: 2,
  maxSpectators: PONG.spectators,
  entities: "players",
  phase: "status",
  input: PongInput,
  sanitize: sanitizeInput,
  tickRate: PONG.tickRate,
  lateInput: { guess: guessLateInput },
  result: standings,
  movable: true,
}) {
  override onCreate(options: CreateOptions<typeof pongJoinOptions>): void {
    this.state.scoreLimit = options.scoreLimit;
  }

  protected step(inputs: TickInputs<PongInput>, context: StepContext): void {
    stepPong(this.state, inputs, context.dt, this.random);
  }

  protected onPlayerJoin(client: Client, options: JoinOptions<typeof pongJoinOptions>): void {
    // Two slots, two sides: the base's slot check leaves one free.
    const side = freeSide(this.state, this.teamOf(client)) ?? 1;
    const paddle = new PongPaddle().assign({ name: options.name });
    this.state.players.set(client.sessionId, paddle);
    seatPaddle(this.state, paddle, side, this.random);
  }

  protected onPlayerLeave(client: Client): void {
    removePaddle(this.state, client.sessionId);
  }
}
