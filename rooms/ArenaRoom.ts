import type { Client, StepContext } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { ArenaInput, ArenaPlayer, ArenaShot, ArenaState } from "../schema/ArenaState.ts";
import {
  arenaStandings,
  balancedTeam,
  endIfOneSideLeft,
  guessLateInput,
  newTimers,
  type PlayerTimers,
  playerTimersOf,
  type ShotSink,
  sanitizeInput,
  spawn,
  stepArena,
} from "./arena/rules.ts";
import { ARENA, arenaJoinOptions, freeSlot } from "./arena/shapes.ts";
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
  events: ["shots"],
  input: ArenaInput,
  sanitize: sanitizeInput,
  tickRate: ARENA.tickRate,
  lagCompensation: { fields: ["x", "y"], maxRewindMs: ARENA.maxRewindMs },
  lateInput: { guess: guessLateInput },
  result: arenaStandings,
  recording: { rankedSpectatorDelaySeconds: ARENA.rankedSpectatorDelaySeconds },
  movable: true,
}) {
  private readonly timers = new Map<string, PlayerTimers>();
  private readonly slotOf = (sessionId: string): number => this.state.players.get(sessionId)?.slot ?? 0;
  /** Shots go into the state's per-patch events: the patch that carries their effect carries them. */
  private readonly shots: ShotSink = { push: (shot) => this.state.shots.push(ArenaShot.of(shot, this.slotOf)) };

  override onCreate(options: CreateOptions<typeof arenaJoinOptions>): void {
    this.state.mode = options.mode;
    // A ranked match ends (and is rated); a casual arena runs for as long as anyone plays.
    if (this.roster !== undefined) {
      const limits = ARENA.rankedLimits[options.mode];
      this.state.scoreLimit = limits.score;
      this.state.endTick = limits.seconds * ARENA.tickRate;
    }
  }

  protected step(inputs: TickInputs<ArenaInput>, context: StepContext): void {
    stepArena(this.state, this.timers, inputs, context.dt, this.random, this.shots);
  }

  protected onPlayerJoin(client: Client, options: JoinOptions<typeof arenaJoinOptions>): void {
    const teams = this.state.mode === "teams";
    const player = new ArenaPlayer().assign({
      name: options.name,
      team: teams ? (this.teamOf(client) ?? balancedTeam(this.state.players)) : 0,
      slot: freeSlot(this.state.players, this.slotsNamedByUnsentShots()),
    });
    spawn(player, this.random);
    this.state.players.set(client.sessionId, player);
    this.timers.set(client.sessionId, newTimers());
    this.showOwnSecrets(client, player);
  }

  /** Its own secrets (reload) reach this client only; others and spectators never see them. */
  private showOwnSecrets(client: Client, player: ArenaPlayer): void {
    client.view = new StateView();
    client.view.add(player);
  }

  private *slotsNamedByUnsentShots(): Iterable<number> {
    for (const shot of this.state.shots) yield* [shot.shooter, shot.target];
  }

  /** Cooldowns and respawns are ticks of the state's clock: they travel as they are. */
  protected override packRoom(): Record<string, PlayerTimers> {
    return Object.fromEntries(this.timers);
  }

  protected override unpackRoom(packed: unknown): void {
    for (const [sessionId, timers] of Object.entries(playerTimersOf(packed))) this.timers.set(sessionId, timers);
  }

  protected override onSeatReturned(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    if (player !== undefined) this.showOwnSecrets(client, player);
  }

  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.timers.delete(client.sessionId);
    // A ranked match the other side walked out of is over (and theirs is a loss).
    if (this.roster !== undefined) endIfOneSideLeft(this.state);
  }
}
