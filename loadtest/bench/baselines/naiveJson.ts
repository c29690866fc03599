import type { RawData } from "ws";
import type { InputFrame } from "../../../rooms/arena/rules.ts";
import type { BaselineRoom, WireFormat } from "./baselineServer.ts";

/**
 * Baseline (a): what most tutorials ship. Every broadcast is the whole room state as
 * JSON, stringified once per room and sent to every client; inputs arrive as JSON text.
 * `t` (simulation ms) comes first so the benchmark's bots can read it without parsing.
 */
function wholeState(room: BaselineRoom, t: number): string {
  const players: Record<string, object> = {};
  for (const p of room.players.values()) {
    players[p.id] = { name: p.name, x: p.x, y: p.y, angle: p.angle, hp: p.hp, score: p.score, alive: p.alive, connected: p.connected, team: p.team };
  }
  return JSON.stringify({ t, tick: room.tick, players, shots: room.shots });
}

export const naiveJson: WireFormat = {
  name: "naive-json",
  readInput(data: RawData, _isBinary: boolean, into: InputFrame): boolean {
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (typeof parsed !== "object" || parsed === null) return false;
      const input = parsed as Partial<Record<keyof InputFrame, unknown>>;
      into.x = Number(input.x);
      into.y = Number(input.y);
      into.angle = Number(input.angle);
      into.fire = input.fire === true;
      return true;
    } catch {
      return false;
    }
  },
  snapshot: wholeState,
  broadcast: wholeState,
};
