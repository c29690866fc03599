import type { Client, StepContext } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { ArenaInput, ArenaPlayer, ArenaState } from "../schema/ArenaState.ts";
import { balancedTeam, newTimers, type PlayerTimers, sanitizeInput, spawn, stepArena } from "./arena/rules.ts";
import { ARENA, arenaJoinOptions, packShots, type ShotEvent } from "./arena/shapes.ts";
import type { CreateOptions, JoinOptions } from "./base/joinOptions.ts";
import { realtimeRoomType } from "./base/RealtimeRoom.ts";
import type { TickInputs } from "./base/tickInputs.ts";

/** Real-time arena: up to 16 players (and 8 spectators) move, aim and shoot; the server simulates at 60 Hz. */
export class ArenaRoom extends realtimeRoomType({
  state: ArenaState,
  joinOptions: arenaJoinOptions,
  maxPlayers: ARENA.maxPlayers,
  maxSpectators: 8,
  entities: "players",
  input: ArenaInput,
  sanitize: sanitizeInput,
  tickRate: ARENA.tickRate,
  lagCompensation: { fields: ["x", "y"], maxRewindMs: ARENA.maxRewindMs },
}) {
  private readonly timers = new Map<string, PlayerTimers>();
  private readonly shotsSincePatch: ShotEvent[] = [];

  override onCreate(options: CreateOptions<typeof arenaJoinOptions>): void {
    this.state.mode = options.mode;
  }

  protected step(inputs: TickInputs<ArenaInput>, context: StepContext): void {
    stepArena(this.state, this.timers, inputs, context.dt, this.random, this.shotsSincePatch);
  }

  /**
   * The step never talks to the network: shots of the last ~3 ticks go out as one
   * `shots` message right after the patch that carries their effect (hp, score).
   */
  override onBeforePatch(): void {
    if (this.shotsSincePatch.length === 0) return;
    this.broadcast("shots", packShots(this.shotsSincePatch), { afterNextPatch: true });
    this.shotsSincePatch.length = 0;
  }

  protected onPlayerJoin(client: Client, options: JoinOptions<typeof arenaJoinOptions>): void {
    const teams = this.state.mode === "teams";
    const player = new ArenaPlayer().assign({
      name: options.name,
      team: teams ? (this.teamOf(client) ?? balancedTeam(this.state.players)) : 0,
    });
    spawn(player, this.random);
    this.state.players.set(client.sessionId, player);
    this.timers.set(client.sessionId, newTimers());
    // Its own secrets (reload) reach this client only; others and spectators never see them.
    client.view = new StateView();
    client.view.add(player);
  }

  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.timers.delete(client.sessionId);
  }
}
