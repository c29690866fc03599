import type { ArenaInput } from "../../../schema/ArenaState.ts";
import { TouchSticks } from "./arenaTouch.ts";

const MOVES: Readonly<Record<string, readonly [number, number]>> = {
  KeyW: [0, -1],
  ArrowUp: [0, -1],
  KeyS: [0, 1],
  ArrowDown: [0, 1],
  KeyA: [-1, 0],
  ArrowLeft: [-1, 0],
  KeyD: [1, 0],
  ArrowRight: [1, 0],
};

/**
 * Keyboard, mouse and touch to arena input: WASD or arrows move, the mouse aims, the left
 * button or space fires; on a touch screen the twin sticks (arenaTouch.ts) move, aim and
 * fire. Keys typed into a form field are not moves; losing focus releases everything, so
 * a player never runs on after alt-tab.
 */
export class ArenaControls {
  readonly #held = new Set<string>();
  #firing = false;
  /** Where the mouse points, in world units; only while `#aimed` (it has moved over the arena since the last touch). */
  readonly #aim = { x: 0, y: 0 };
  #aimed = false;
  readonly #sticks: TouchSticks;
  readonly #dispose: Array<() => void> = [];

  /** Thumbs are read on `touchSurface` (the canvas and what lies around it); `shown` runs once the touch sticks appear. */
  constructor(canvas: HTMLCanvasElement, touchSurface: HTMLElement, worldWidth: number, worldHeight: number, shown: () => void = () => undefined) {
    this.#sticks = new TouchSticks(touchSurface, {
      // A thumb on the screen means the mouse's last aim point is stale: the aim stick (or the current facing) rules now.
      touched: () => {
        this.#aimed = false;
      },
      shown,
    });
    this.#dispose.push(() => this.#sticks.dispose());
    this.#on(window, "keydown", (event) => {
      const key = event as KeyboardEvent;
      if (isTyping(key.target)) return;
      if (key.code in MOVES || key.code === "Space") {
        key.preventDefault();
        this.#held.add(key.code);
      }
    });
    this.#on(window, "keyup", (event) => {
      this.#held.delete((event as KeyboardEvent).code);
    });
    this.#on(window, "blur", () => this.release());
    // Pointer events of a mouse or pen only: a touch is a stick, and must not also aim at the spot it landed on.
    this.#on(canvas, "pointermove", (event) => {
      const pointer = event as PointerEvent;
      if (pointer.pointerType === "touch") return;
      const box = canvas.getBoundingClientRect();
      if (box.width <= 0 || box.height <= 0) return;
      this.#aim.x = ((pointer.clientX - box.left) / box.width) * worldWidth;
      this.#aim.y = ((pointer.clientY - box.top) / box.height) * worldHeight;
      this.#aimed = true;
    });
    this.#on(canvas, "pointerdown", (event) => {
      const pointer = event as PointerEvent;
      if (pointer.pointerType !== "touch" && pointer.button === 0) this.#firing = true;
    });
    this.#on(window, "pointerup", (event) => {
      if ((event as PointerEvent).pointerType !== "touch") this.#firing = false;
    });
    this.#on(canvas, "contextmenu", (event) => event.preventDefault());
  }

  /** The touch sticks' layer, to be laid over the canvas. */
  get touchLayer(): HTMLElement {
    return this.#sticks.element;
  }

  /** Write this step's input for a player standing at (x, y) and currently aiming `angle`. */
  fill(input: ArenaInput, x: number, y: number, angle: number): void {
    let moveX = 0;
    let moveY = 0;
    for (const code of this.#held) {
      const move = MOVES[code];
      if (move !== undefined) {
        moveX += move[0];
        moveY += move[1];
      }
    }
    if (moveX !== 0 || moveY !== 0) {
      input.x = Math.sign(moveX);
      input.y = Math.sign(moveY);
    } else {
      // The stick's own length is the speed (a half-pushed stick walks); the rules cap it at 1.
      input.x = this.#sticks.moveX;
      input.y = this.#sticks.moveY;
    }
    const stickAim = this.#sticks.aimAngle;
    input.angle = stickAim ?? (this.#aimed ? Math.atan2(this.#aim.y - y, this.#aim.x - x) : angle);
    input.fire = this.#firing || this.#held.has("Space") || this.#sticks.firing;
  }

  release(): void {
    this.#held.clear();
    this.#firing = false;
    this.#sticks.release();
  }

  dispose(): void {
    for (const undo of this.#dispose) undo();
  }

  #on(target: EventTarget, type: string, listener: (event: Event) => void): void {
    target.addEventListener(type, listener);
    this.#dispose.push(() => target.removeEventListener(type, listener));
  }
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
