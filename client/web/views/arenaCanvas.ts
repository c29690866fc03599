import { ARENA, type ShotEvent } from "../../../rooms/arena/shapes.ts";

/** A player as drawn this frame: position predicted (local) or interpolated (others). */
export interface DrawnPlayer {
  readonly id: string;
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  readonly hp: number;
  readonly alive: boolean;
  readonly connected: boolean;
  readonly team: number;
  readonly local: boolean;
}

/** A shot being drawn: its tracer fades, a hit flashes on the target. */
export interface FadingShot extends ShotEvent {
  readonly at: number;
  readonly endX: number;
  readonly endY: number;
}

export const SHOT_FADE_MS = 300;
const TEAM_COLORS = ["#f5b942", "#5aa8ff", "#ff6b6b"] as const;
const LOCAL_COLOR = "#4ade80";

/** Draw one frame of the arena in world units (the canvas is the world, scaled by CSS). */
export function drawArena(context: CanvasRenderingContext2D, players: readonly DrawnPlayer[], shots: readonly FadingShot[], now: number): void {
  const { width, height, playerRadius } = ARENA;
  context.fillStyle = "#111827";
  context.fillRect(0, 0, width, height);
  context.strokeStyle = "#1f2937";
  context.lineWidth = 1;
  for (let line = 64; line < width; line += 64) {
    context.beginPath();
    context.moveTo(line, 0);
    context.lineTo(line, height);
    context.moveTo(0, line);
    context.lineTo(width, line);
    context.stroke();
  }

  for (const shot of shots) {
    const age = (now - shot.at) / SHOT_FADE_MS;
    if (age >= 1) continue;
    context.globalAlpha = 1 - age;
    context.strokeStyle = shot.target === "" ? "#e5e7eb" : "#fde047";
    context.lineWidth = 2;
    context.beginPath();
    context.moveTo(shot.x, shot.y);
    context.lineTo(shot.endX, shot.endY);
    context.stroke();
    if (shot.target !== "") {
      context.strokeStyle = shot.killed ? "#ef4444" : "#fb923c";
      context.lineWidth = 3;
      context.beginPath();
      context.arc(shot.endX, shot.endY, playerRadius + 6 + age * 12, 0, Math.PI * 2);
      context.stroke();
    }
  }
  context.globalAlpha = 1;

  context.textAlign = "center";
  context.font = "14px system-ui, sans-serif";
  for (const player of players) {
    const color = player.local ? LOCAL_COLOR : (TEAM_COLORS[player.team] ?? TEAM_COLORS[0]);
    context.globalAlpha = player.alive ? (player.connected ? 1 : 0.45) : 0.2;
    context.fillStyle = color;
    context.beginPath();
    context.arc(player.x, player.y, playerRadius, 0, Math.PI * 2);
    context.fill();
    context.strokeStyle = color;
    context.lineWidth = 4;
    context.beginPath();
    context.moveTo(player.x, player.y);
    context.lineTo(player.x + Math.cos(player.angle) * (playerRadius + 12), player.y + Math.sin(player.angle) * (playerRadius + 12));
    context.stroke();
    context.fillStyle = "#e5e7eb";
    const label = player.connected ? player.name : `${player.name} (reconnecting)`;
    context.fillText(player.local ? `${label} (you)` : label, player.x, player.y - playerRadius - 14);
    if (player.alive) {
      context.fillStyle = "#374151";
      context.fillRect(player.x - 20, player.y + playerRadius + 6, 40, 5);
      context.fillStyle = player.hp > 50 ? "#22c55e" : player.hp > 25 ? "#eab308" : "#ef4444";
      context.fillRect(player.x - 20, player.y + playerRadius + 6, (40 * player.hp) / ARENA.maxHp, 5);
    }
  }
  context.globalAlpha = 1;
}
