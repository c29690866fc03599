import type { ArenaInput } from "../../../schema/ArenaState.ts";

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
 * Keyboard and mouse to arena input: WASD or arrows move, the mouse aims, the left
 * button or space fires. Keys typed into a form field are not moves; losing focus
 * releases everything, so a player never runs on after alt-tab.
 */
export class ArenaControls {
  readonly #held = new Set<string>();
  #firing = false;
  /** The mouse in world units, or undefined before it has moved over the arena. */
  #aim: { x: number; y: number } | undefined;
  readonly #dispose: Array<() => void> = [];

  constructor(canvas: HTMLCanvasElement, worldWidth: number, worldHeight: number) {
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
    this.#on(canvas, "mousemove", (event) => {
      const mouse = event as MouseEvent;
      const box = canvas.getBoundingClientRect();
      this.#aim = { x: ((mouse.clientX - box.left) / box.width) * worldWidth, y: ((mouse.clientY - box.top) / box.height) * worldHeight };
    });
    this.#on(canvas, "mousedown", (event) => {
      if ((event as MouseEvent).button === 0) this.#firing = true;
    });
    this.#on(window, "mouseup", () => {
      this.#firing = false;
    });
    this.#on(canvas, "contextmenu", (event) => event.preventDefault());
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
    input.x = Math.sign(moveX);
    input.y = Math.sign(moveY);
    input.angle = this.#aim === undefined ? angle : Math.atan2(this.#aim.y - y, this.#aim.x - x);
    input.fire = this.#firing || this.#held.has("Space");
  }

  release(): void {
    this.#held.clear();
    this.#firing = false;
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
