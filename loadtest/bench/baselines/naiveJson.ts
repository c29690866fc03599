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

const scratch: InputFrame = { x: 0, y: 0, angle: 0, fire: false };

export const naiveJson: WireFormat = {
  name: "naive-json",
  /** One JSON object per message, one frame each, as tutorials do. */
  readInputs(data: RawData, _isBinary: boolean, push: (frame: InputFrame) => void): boolean {
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (typeof parsed !== "object" || parsed === null) return false;
      const input = parsed as Partial<Record<keyof InputFrame, unknown>>;
      scratch.x = Number(input.x);
      scratch.y = Number(input.y);
      scratch.angle = Number(input.angle);
      scratch.fire = input.fire === true;
      push(scratch);
      return true;
    } catch {
      return false;
    }
  },
  snapshot: wholeState,
  broadcast: wholeState,
};
