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
  /** Whole seconds until a dead player is due back (counted from when its death arrived); 0 while alive. */
  readonly respawnIn: number;
}

/** A shot being drawn: its tracer fades, a hit flashes on the target. */
export interface FadingShot extends ShotEvent {
  readonly at: number;
  readonly endX: number;
  readonly endY: number;
}

/** How long a tracer stays on screen, fading out. */
export const SHOT_FADE_MS = 350;
/** A hit turns the target white for this long: short enough to read as a flash, long enough to be seen at 30 fps. */
const HIT_FLASH_MS = 150;
const MUZZLE_FLASH_MS = 90;
const TEAM_COLORS = ["#f5b942", "#5aa8ff", "#ff6b6b"] as const;
const LOCAL_COLOR = "#4ade80";
/** Single digits for the ghosts' countdowns, so a frame builds no strings. */
const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;
const NO_DASH: number[] = [];

/** A player's name tag, measured once per name and font size rather than every frame. */
interface Label {
  name: string;
  connected: boolean;
  local: boolean;
  fontPx: number;
  text: string;
  width: number;
}

/**
 * Draws the arena in world units: the canvas is the 1024 x 1024 world, scaled by CSS to
 * whatever the screen allows (about 0.75 on a laptop, under 0.4 on a phone). Strokes and
 * text are therefore sized in screen pixels divided by that scale, so tracers, names and
 * hp bars stay readable on a phone without changing the world's geometry (hit circles
 * keep their true size).
 */
export class ArenaPainter {
  /** Screen (CSS) pixels per world unit. */
  #scale = 1;
  #fontPx = 14;
  #font = "";
  #boldFont = "";
  #backdrop: HTMLCanvasElement | undefined;
  readonly #labels = new Map<string, Label>();
  readonly #dash: number[] = [6, 6];

  constructor(private readonly context: CanvasRenderingContext2D) {
    this.setScale(1);
  }

  /** The canvas is shown `cssWidth` pixels wide (read on resize, not per frame). */
  setScale(scale: number): void {
    if (!(scale > 0) || !Number.isFinite(scale)) return;
    this.#scale = scale;
    // 13 screen pixels, never under 14 world units (a laptop shows the world at about 0.75).
    this.#fontPx = Math.round(Math.max(14, 13 / scale));
    this.#font = `${this.#fontPx}px system-ui, sans-serif`;
    this.#boldFont = `600 ${this.#fontPx}px system-ui, sans-serif`;
    const px = 1 / scale;
    this.#dash[0] = 4 * px;
    this.#dash[1] = 4 * px;
  }

  /** Draw one frame. `players` and `shots` are read, never kept. */
  draw(players: readonly DrawnPlayer[], shots: readonly FadingShot[], now: number): void {
    const context = this.context;
    const px = 1 / this.#scale;
    const r = ARENA.playerRadius;
    context.drawImage(this.#background(), 0, 0);

    // Tracers under the players: a wide faint glow with a bright core, both fading out.
    context.lineCap = "round";
    for (const shot of shots) {
      const age = (now - shot.at) / SHOT_FADE_MS;
      if (age < 0 || age >= 1) continue;
      const fade = 1 - age;
      const hit = shot.target !== "";
      context.globalAlpha = fade * 0.35;
      context.strokeStyle = hit ? "#fb923c" : "#fde68a";
      context.lineWidth = Math.max(6, 9 * px);
      this.#line(shot.x, shot.y, shot.endX, shot.endY);
      context.globalAlpha = fade;
      context.strokeStyle = hit ? "#fde047" : "#ffffff";
      context.lineWidth = Math.max(2.5, 2.5 * px);
      this.#line(shot.x, shot.y, shot.endX, shot.endY);
      if (now - shot.at < MUZZLE_FLASH_MS) {
        context.fillStyle = "#fef3c7";
        context.beginPath();
        context.arc(shot.x + Math.cos(shot.angle) * (r + 10), shot.y + Math.sin(shot.angle) * (r + 10), Math.max(7, 5 * px), 0, Math.PI * 2);
        context.fill();
      }
      if (shot.killed) {
        context.strokeStyle = "#ef4444";
        context.lineWidth = Math.max(4, 3 * px);
        context.beginPath();
        context.arc(shot.endX, shot.endY, r + 6 + age * 40, 0, Math.PI * 2);
        context.stroke();
      }
    }
    context.globalAlpha = 1;
    context.lineCap = "butt";

    for (const player of players) {
      if (player.alive) this.#drawLiving(player, px);
      else this.#drawGhost(player, px);
    }
    context.globalAlpha = 1;

    // Hit flashes on top of everyone, on the target where it is drawn now (it may have moved on since the shot).
    for (const shot of shots) {
      const flash = (now - shot.at) / HIT_FLASH_MS;
      if (shot.target === "" || flash < 0 || flash >= 1) continue;
      const target = drawnById(players, shot.target);
      const x = target?.x ?? shot.endX;
      const y = target?.y ?? shot.endY;
      context.globalAlpha = (1 - flash) * 0.85;
      context.fillStyle = "#ffffff";
      context.beginPath();
      context.arc(x, y, r, 0, Math.PI * 2);
      context.fill();
      context.globalAlpha = 1 - flash;
      context.strokeStyle = "#ffffff";
      context.lineWidth = Math.max(3, 2.5 * px);
      context.beginPath();
      context.arc(x, y, r + 4 * px + flash * 10 * px, 0, Math.PI * 2);
      context.stroke();
    }
    context.globalAlpha = 1;

    context.textAlign = "center";
    context.textBaseline = "alphabetic";
    context.lineJoin = "round";
    for (const player of players) this.#drawName(player, px);
  }

  /** Forget the name tags of players gone from the room. */
  forget(present: (id: string) => boolean): void {
    for (const id of this.#labels.keys()) if (!present(id)) this.#labels.delete(id);
  }

  #drawLiving(player: DrawnPlayer, px: number): void {
    const context = this.context;
    const r = ARENA.playerRadius;
    const color = colorOf(player);
    context.globalAlpha = player.connected ? 1 : 0.45;
    context.fillStyle = color;
    context.beginPath();
    context.arc(player.x, player.y, r, 0, Math.PI * 2);
    context.fill();
    context.strokeStyle = color;
    context.lineWidth = 5;
    context.beginPath();
    context.moveTo(player.x, player.y);
    context.lineTo(player.x + Math.cos(player.angle) * (r + 12), player.y + Math.sin(player.angle) * (r + 12));
    context.stroke();
    if (player.local) {
      // A white ring: on a phone-sized canvas the local player must be found at a glance.
      context.strokeStyle = "#ffffff";
      context.lineWidth = Math.max(2, 1.5 * px);
      context.beginPath();
      context.arc(player.x, player.y, r + 3 * px, 0, Math.PI * 2);
      context.stroke();
    }
    // The hp bar: dark track, coloured fill, under the player.
    const barWidth = Math.max(40, 30 * px);
    const barHeight = Math.max(5, 4 * px);
    const barX = player.x - barWidth / 2;
    const barY = Math.min(player.y + r + 6 * px, ARENA.height - barHeight);
    context.fillStyle = "#0f172a";
    context.fillRect(barX - px, barY - px, barWidth + 2 * px, barHeight + 2 * px);
    context.fillStyle = player.hp > 50 ? "#22c55e" : player.hp > 25 ? "#eab308" : "#ef4444";
    context.fillRect(barX, barY, (barWidth * Math.min(Math.max(player.hp, 0), ARENA.maxHp)) / ARENA.maxHp, barHeight);
  }

  /** A dead player: a dashed, faded outline where it fell, with the seconds until it is back. */
  #drawGhost(player: DrawnPlayer, px: number): void {
    const context = this.context;
    const r = ARENA.playerRadius;
    const color = colorOf(player);
    context.globalAlpha = 0.18;
    context.fillStyle = color;
    context.beginPath();
    context.arc(player.x, player.y, r + 4 * px, 0, Math.PI * 2);
    context.fill();
    context.globalAlpha = 0.75;
    context.strokeStyle = color;
    context.lineWidth = Math.max(2, 1.5 * px);
    context.setLineDash(this.#dash);
    context.beginPath();
    context.arc(player.x, player.y, r + 4 * px, 0, Math.PI * 2);
    context.stroke();
    context.setLineDash(NO_DASH);
    context.globalAlpha = 1;
    context.fillStyle = "#f8fafc";
    context.font = this.#boldFont;
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.fillText(player.respawnIn > 0 ? (DIGITS[Math.min(player.respawnIn, 9)] ?? "9") : "…", player.x, player.y);
    context.textBaseline = "alphabetic";
  }

  /** The name above the player, outlined for contrast, kept inside the canvas near a wall. */
  #drawName(player: DrawnPlayer, px: number): void {
    const context = this.context;
    const label = this.#labelOf(player);
    context.font = player.local ? this.#boldFont : this.#font;
    const half = label.width / 2 + 2 * px;
    const x = Math.min(Math.max(player.x, half), ARENA.width - half);
    const y = Math.max(player.y - ARENA.playerRadius - 8 * px, this.#fontPx);
    context.globalAlpha = player.alive ? 1 : 0.6;
    context.strokeStyle = "rgba(3, 7, 18, 0.85)";
    context.lineWidth = Math.max(3, 3 * px);
    context.strokeText(label.text, x, y);
    context.fillStyle = player.local ? "#ffffff" : "#e5e7eb";
    context.fillText(label.text, x, y);
    context.globalAlpha = 1;
  }

  #labelOf(player: DrawnPlayer): Label {
    const known = this.#labels.get(player.id);
    if (
      known !== undefined &&
      known.name === player.name &&
      known.connected === player.connected &&
      known.local === player.local &&
      known.fontPx === this.#fontPx
    ) {
      return known;
    }
    const base = player.connected ? player.name : `${player.name} (reconnecting)`;
    const text = player.local ? `${base} (you)` : base;
    this.context.font = player.local ? this.#boldFont : this.#font;
    const label: Label = {
      name: player.name,
      connected: player.connected,
      local: player.local,
      fontPx: this.#fontPx,
      text,
      width: this.context.measureText(text).width,
    };
    this.#labels.set(player.id, label);
    return label;
  }

  #line(fromX: number, fromY: number, toX: number, toY: number): void {
    const context = this.context;
    context.beginPath();
    context.moveTo(fromX, fromY);
    context.lineTo(toX, toY);
    context.stroke();
  }

  /** The floor and its grid, drawn once into an offscreen canvas and copied each frame. */
  #background(): HTMLCanvasElement {
    if (this.#backdrop !== undefined) return this.#backdrop;
    const { width, height } = ARENA;
    const backdrop = document.createElement("canvas");
    backdrop.width = width;
    backdrop.height = height;
    const context = backdrop.getContext("2d");
    if (context !== null) {
      context.fillStyle = "#111827";
      context.fillRect(0, 0, width, height);
      context.strokeStyle = "#1f2937";
      context.lineWidth = 2;
      context.beginPath();
      for (let line = 64; line < width; line += 64) {
        context.moveTo(line, 0);
        context.lineTo(line, height);
        context.moveTo(0, line);
        context.lineTo(width, line);
      }
      context.stroke();
    }
    this.#backdrop = backdrop;
    return backdrop;
  }
}

function colorOf(player: DrawnPlayer): string {
  return player.local ? LOCAL_COLOR : (TEAM_COLORS[player.team] ?? TEAM_COLORS[0]);
}

/** A plain loop, not `Array.find`: no closure per shot per frame. */
function drawnById(players: readonly DrawnPlayer[], id: string): DrawnPlayer | undefined {
  for (const player of players) if (player.id === id) return player;
  return undefined;
}
