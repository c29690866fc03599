import { randomInt } from "node:crypto";
import type { AuthContext, Client, StepContext } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { ArenaInput, ArenaPlayer, ArenaState } from "../schema/ArenaState.ts";
import { balancedTeam, newTimers, type PlayerBody, type PlayerTimers, type Point, sanitizeInput, spawn, stepArena, type TickInputs } from "./arena/rules.ts";
import { ARENA, arenaJoinOptions, arenaRoster, packShots, type ShotEvent } from "./arena/shapes.ts";
import { identityOf } from "./base/identity.ts";
import { RealtimeRoom, type RealtimeSpec } from "./base/RealtimeRoom.ts";
import { type Random, seededRandom } from "./base/random.ts";
import { normalizeJoinOptions, parseJoinOptions } from "./base/TickroomRoom.ts";

/** Real-time arena: up to 16 players (and 8 spectators) move, aim and shoot; the server simulates at 60 Hz. */
export class ArenaRoom extends RealtimeRoom<ArenaState, ArenaInput> {
  protected readonly maxPlayers = ARENA.maxPlayers;
  protected override readonly maxSpectators = 8;
  /**
   * Inputs arrive at the 60 Hz tick rate, but a network stall delivers them in a burst:
   * 300 lets a 4 s stall through without closing the client. Sending faster than the tick
   * gains nothing (one frame per tick is applied), so this only bounds decoding work.
   */
  override maxMessagesPerSecond = 300;
  override patchRate = 50;
  override state = new ArenaState();

  protected readonly realtime: RealtimeSpec<ArenaInput> = {
    input: ArenaInput,
    sanitize: sanitizeInput,
    tickRate: ARENA.tickRate,
    maxRewindMs: ARENA.maxRewindMs,
  };

  private readonly timers = new Map<string, PlayerTimers>();
  /** Teams the queue decided (session id -> team); others are balanced on join. */
  private roster: Readonly<Record<string, 1 | 2>> = {};
  private readonly shotsSincePatch: ShotEvent[] = [];
  private random: Random = seededRandom(randomInt(2 ** 31));
  /** Reused by `seen()`: the step reads it at once, before the next target. */
  private readonly seenPoint: Point = { x: 0, y: 0 };
  /** The step's window on inputs and lag compensation; built once, no per-tick allocation. */
  private readonly tickInputs: TickInputs = {
    forEach: (playerId, apply) => this.framesOf(playerId, apply),
    seen: (shooterId: string, target: PlayerBody): Point => {
      const view = this.seenBy(shooterId);
      this.seenPoint.x = view.value(target as ArenaPlayer, "x");
      this.seenPoint.y = view.value(target as ArenaPlayer, "y");
      return this.seenPoint;
    },
  };

  static override async onAuth(_token: string, options: unknown, _context: AuthContext): Promise<true> {
    normalizeJoinOptions(arenaJoinOptions, options);
    return true;
  }

  override async onCreate(options: unknown): Promise<void> {
    this.state.mode = parseJoinOptions(arenaJoinOptions, options).mode;
    this.roster = arenaRoster.catch({}).parse((options as { roster?: unknown } | undefined)?.roster ?? {});
    await this.configure(options);
    this.startRealtime({ entities: this.state.players, fields: ["x", "y"] });
  }

  protected step(context: StepContext): void {
    stepArena(this.state, this.timers, this.tickInputs, context.dt, this.random, this.shotsSincePatch);
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

  protected onPlayerJoin(client: Client, options: unknown): void {
    const { name } = parseJoinOptions(arenaJoinOptions, options);
    const player = new ArenaPlayer().assign({
      // A verified name wins over any asked for: identity comes from the token.
      name: identityOf(client.auth)?.name ?? name ?? `player-${client.sessionId.slice(0, 4)}`,
      team: this.state.mode === "teams" ? (this.roster[client.sessionId] ?? balancedTeam(this.state.players)) : 0,
    });
    spawn(player, this.random);
    this.state.players.set(client.sessionId, player);
    this.timers.set(client.sessionId, newTimers());
    // Its own secrets (reload) reach this client only; others and spectators never see them.
    client.view = new StateView();
    client.view.add(player);
  }

  override onDrop(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    if (player !== undefined) player.connected = false;
    super.onDrop(client);
  }

  override onReconnect(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    if (player !== undefined) player.connected = true;
    super.onReconnect(client);
  }

  protected onPlayerLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.timers.delete(client.sessionId);
  }
}
