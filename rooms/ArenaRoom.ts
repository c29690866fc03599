import { randomInt } from "node:crypto";
import type { AuthContext, Client } from "@colyseus/core";
import { ArenaPlayer, ArenaState } from "../schema/ArenaState.ts";
import { normalizeJoinOptions, parseJoinOptions, TickroomRoom } from "./base/TickroomRoom.ts";
import { seededRandom, type Random } from "./base/random.ts";
import { idle, newControl, recordInput, spawn, stepArena, type PlayerControl } from "./arena/rules.ts";
import { ARENA, arenaInput, arenaJoinOptions, type ShotEvent } from "./arena/shapes.ts";

/** Real-time arena: up to 16 players move, aim and shoot; the server simulates at 60 Hz. */
export class ArenaRoom extends TickroomRoom<{ state: ArenaState }> {
  override maxClients = ARENA.maxPlayers;
  /** Input arrives at the 60 Hz tick rate; twice that leaves room for bursts after a stall. */
  override maxMessagesPerSecond = 120;
  override patchRate = 50;
  override state = new ArenaState();

  private readonly controls = new Map<string, PlayerControl>();
  private readonly shotsSincePatch: ShotEvent[] = [];
  private random: Random = seededRandom(randomInt(2 ** 31));

  static override async onAuth(_token: string, options: unknown, _context: AuthContext): Promise<true> {
    normalizeJoinOptions(arenaJoinOptions, options);
    return true;
  }

  override messages = {
    input: this.accept(arenaInput, (client, input) => {
      const control = this.controls.get(client.sessionId);
      if (control !== undefined) recordInput(control, input);
    }),
  };

  override onCreate(options: unknown): void {
    this.configure(options);
    this.setFixedTimestep((step) => this.step(step.dt), ARENA.tickRate);
  }

  private step(dt: number): void {
    stepArena(this.state, this.controls, dt, this.random, this.shotsSincePatch);
  }

  /**
   * The step never talks to the network: shots of the last ~3 ticks go out as one
   * `shots` message right after the patch that carries their effect (hp, score).
   */
  override onBeforePatch(): void {
    if (this.shotsSincePatch.length === 0) return;
    this.broadcast("shots", this.shotsSincePatch.slice(), { afterNextPatch: true });
    this.shotsSincePatch.length = 0;
  }

  override onJoin(client: Client, options: unknown): void {
    const { name } = parseJoinOptions(arenaJoinOptions, options);
    const player = new ArenaPlayer().assign({ name: name ?? `player-${client.sessionId.slice(0, 4)}` });
    spawn(player, this.random);
    this.state.players.set(client.sessionId, player);
    this.controls.set(client.sessionId, newControl());
  }

  override onDrop(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    const control = this.controls.get(client.sessionId);
    if (player !== undefined) player.connected = false;
    if (control !== undefined) idle(control);
    super.onDrop(client);
  }

  override onReconnect(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    if (player !== undefined) player.connected = true;
  }

  override onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.controls.delete(client.sessionId);
  }
}
