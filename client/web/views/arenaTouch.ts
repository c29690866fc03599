import { el } from "../elements.ts";

/** How far (CSS pixels) a thumb drags a stick's knob for full deflection. */
const TRAVEL_PX = 44;
/** Deflections under this fraction are a resting thumb, not a move or an aim. */
const DEAD_ZONE = 0.15;

type Side = "move" | "aim";

/** One on-screen stick: where its thumb came down, how far it is dragged, and its drawing. */
class Stick {
  pointer: number | undefined;
  originX = 0;
  originY = 0;
  /** Deflection, each axis in [-1, 1], length at most 1; 0 inside the dead zone. */
  x = 0;
  y = 0;
  readonly knob = el("div", { class: "arena-stick-knob" });
  readonly base: HTMLDivElement;

  constructor(side: Side, label: string) {
    this.base = el("div", { class: `arena-stick arena-stick-${side}`, "data-stick": side }, this.knob, el("span", { class: "arena-stick-label" }, label));
  }

  press(pointer: number, clientX: number, clientY: number, stage: DOMRect): void {
    this.pointer = pointer;
    this.originX = clientX;
    this.originY = clientY;
    this.x = 0;
    this.y = 0;
    // The stick floats to where the thumb landed: no need to find a small target by feel.
    this.base.classList.add("active");
    this.base.style.left = `${clientX - stage.left}px`;
    this.base.style.top = `${clientY - stage.top}px`;
    this.knob.style.transform = "";
  }

  drag(clientX: number, clientY: number): void {
    let dx = clientX - this.originX;
    let dy = clientY - this.originY;
    const length = Math.sqrt(dx * dx + dy * dy);
    if (!Number.isFinite(length)) return;
    if (length > TRAVEL_PX) {
      dx = (dx / length) * TRAVEL_PX;
      dy = (dy / length) * TRAVEL_PX;
    }
    const deflection = Math.min(length, TRAVEL_PX) / TRAVEL_PX;
    this.x = deflection < DEAD_ZONE ? 0 : dx / TRAVEL_PX;
    this.y = deflection < DEAD_ZONE ? 0 : dy / TRAVEL_PX;
    this.knob.style.transform = `translate(${dx.toFixed(1)}px, ${dy.toFixed(1)}px)`;
  }

  release(): void {
    this.pointer = undefined;
    this.x = 0;
    this.y = 0;
    this.base.classList.remove("active");
    this.base.style.left = "";
    this.base.style.top = "";
    this.knob.style.transform = "";
  }
}

/**
 * Twin sticks for touch screens, over the canvas. A thumb on the left half is the move
 * stick, one on the right half the aim stick: its direction is the aim, and it fires
 * while held (a tap fires where the player already faces). Both float to where the thumb
 * lands and work at once (each follows its own pointer id). Hidden until the device has a
 * coarse pointer or the first touch arrives, so a mouse user never sees them.
 */
export class TouchSticks {
  readonly element: HTMLDivElement;
  readonly #move = new Stick("move", "move");
  readonly #aim = new Stick("aim", "aim · fire");
  /** The aim stick's last direction, kept while it is held even inside the dead zone. */
  #aimAngle: number | undefined;
  readonly #dispose: Array<() => void> = [];

  /** `hooks.touched` runs on every thumb that lands (the controls drop the mouse aim); `hooks.shown` once the sticks appear. */
  constructor(
    surface: HTMLElement,
    private readonly hooks: { readonly touched: () => void; readonly shown: () => void },
  ) {
    this.element = el("div", { class: "arena-sticks", "data-testid": "touch-sticks", hidden: true }, this.#move.base, this.#aim.base);
    const coarse = typeof matchMedia === "function" ? matchMedia("(pointer: coarse)") : undefined;
    if (coarse?.matches === true) this.#reveal();
    this.#on(surface, "pointerdown", (event) => {
      const pointer = event as PointerEvent;
      if (pointer.pointerType !== "touch") return;
      // No page scroll, zoom, text selection or emulated mouse events from this touch.
      pointer.preventDefault();
      this.#reveal();
      const box = surface.getBoundingClientRect();
      const stick = pointer.clientX - box.left < box.width / 2 ? this.#move : this.#aim;
      if (stick.pointer !== undefined) return;
      try {
        surface.setPointerCapture(pointer.pointerId);
      } catch {
        // A pointer that is already gone cannot be captured: its pointerup still arrives or never mattered.
      }
      stick.press(pointer.pointerId, pointer.clientX, pointer.clientY, box);
      if (stick === this.#aim) this.#aimAngle = undefined;
      this.hooks.touched();
    });
    this.#on(surface, "pointermove", (event) => {
      const pointer = event as PointerEvent;
      const stick = this.#stickOf(pointer.pointerId);
      if (stick === undefined) return;
      pointer.preventDefault();
      stick.drag(pointer.clientX, pointer.clientY);
      if (stick === this.#aim && (stick.x !== 0 || stick.y !== 0)) this.#aimAngle = Math.atan2(stick.y, stick.x);
    });
    const lift = (event: Event): void => {
      const stick = this.#stickOf((event as PointerEvent).pointerId);
      if (stick === undefined) return;
      stick.release();
      if (stick === this.#aim) this.#aimAngle = undefined;
    };
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) this.#on(surface, type, lift);
  }

  get moveX(): number {
    return this.#move.x;
  }

  get moveY(): number {
    return this.#move.y;
  }

  /** The aim stick's direction in radians (screen and world axes agree), or undefined when it is not held or not yet dragged. */
  get aimAngle(): number | undefined {
    return this.#aimAngle;
  }

  get firing(): boolean {
    return this.#aim.pointer !== undefined;
  }

  release(): void {
    this.#move.release();
    this.#aim.release();
    this.#aimAngle = undefined;
  }

  dispose(): void {
    for (const undo of this.#dispose) undo();
  }

  #reveal(): void {
    if (!this.element.hidden) return;
    this.element.hidden = false;
    this.hooks.shown();
  }

  #stickOf(pointer: number): Stick | undefined {
    if (this.#move.pointer === pointer) return this.#move;
    if (this.#aim.pointer === pointer) return this.#aim;
    return undefined;
  }

  #on(target: EventTarget, type: string, listener: (event: Event) => void): void {
    target.addEventListener(type, listener);
    this.#dispose.push(() => target.removeEventListener(type, listener));
  }
}
