import type { Room } from "@colyseus/sdk";
import type { TrafficRates } from "./trafficMeter.ts";

/** One reading for the overlay; fields a room type cannot know are left out. */
export interface NetStatsReading extends TrafficRates {
  readonly rttMs?: number;
  readonly jitterMs?: number;
  /** Server updates that disagreed with the local prediction, and the latest and largest distance. */
  readonly corrections?: number;
  readonly lastCorrection?: number;
  readonly maxCorrection?: number;
  readonly inputsPending?: number;
  /** How far behind the server clock other players are drawn (adapts to the link). */
  readonly interpolationDelayMs?: number;
  /** Time other players were drawn past their newest snapshot (a stall ran the buffer dry). */
  readonly extrapolatingMs?: number;
}

const REFRESH_MS = 250;

/**
 * The corner panel with the connection's numbers: RTT, jitter, patch rate, bytes per
 * second each way, prediction corrections, the interpolation delay in use and how long
 * other players were drawn past their newest snapshot. Toggled with its button or the backquote
 * key; it reads its source four times a second, not every frame.
 */
export class NetStatsOverlay {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly element: HTMLElement) {
    // On a phone the open panel would cover the game: it starts as its title, a tap away.
    if (matchMedia("(max-width: 640px)").matches) element.classList.add("collapsed");
    addEventListener("keydown", (event) => {
      if (event.key === "`" && !(event.target instanceof HTMLInputElement)) this.toggle();
    });
  }

  toggle(): void {
    this.element.classList.toggle("collapsed");
  }

  /** Show readings from `source` until the returned function is called. */
  show(source: () => NetStatsReading): () => void {
    clearInterval(this.#timer);
    this.element.hidden = false;
    const render = (): void => this.#render(source());
    render();
    this.#timer = setInterval(render, REFRESH_MS);
    return () => {
      clearInterval(this.#timer);
      this.element.hidden = true;
    };
  }

  #render(reading: NetStatsReading): void {
    const rows: Array<[string, string, string]> = [
      ["rtt", "RTT", reading.rttMs === undefined ? "–" : `${reading.rttMs.toFixed(0)} ms`],
      ["jitter", "Jitter", reading.jitterMs === undefined ? "–" : `${reading.jitterMs.toFixed(1)} ms`],
      ["patch-rate", "Patches", `${reading.patchesPerSecond.toFixed(1)} /s`],
      ["bytes-in", "Down", formatRate(reading.bytesInPerSecond)],
      ["bytes-out", "Up", formatRate(reading.bytesOutPerSecond)],
    ];
    if (reading.corrections !== undefined) {
      rows.push([
        "corrections",
        "Corrections",
        `${reading.corrections} (last ${(reading.lastCorrection ?? 0).toFixed(1)}, max ${(reading.maxCorrection ?? 0).toFixed(1)})`,
      ]);
    }
    if (reading.inputsPending !== undefined) rows.push(["pending", "Unacked inputs", String(reading.inputsPending)]);
    if (reading.interpolationDelayMs !== undefined) rows.push(["delay", "Interp. delay", `${reading.interpolationDelayMs.toFixed(0)} ms`]);
    if (reading.extrapolatingMs !== undefined) rows.push(["extrapolating", "Extrapolated", `${(reading.extrapolatingMs / 1000).toFixed(1)} s`]);
    const table = document.createElement("dl");
    for (const [key, label, value] of rows) {
      const term = document.createElement("dt");
      term.textContent = label;
      const detail = document.createElement("dd");
      detail.dataset.stat = key;
      detail.textContent = value;
      table.append(term, detail);
    }
    const title = document.createElement("button");
    title.className = "netstats-title";
    title.textContent = "Net stats";
    title.addEventListener("click", () => this.toggle());
    this.element.replaceChildren(title, table);
  }
}

function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 10_000 ? `${(bytesPerSecond / 1000).toFixed(1)} kB/s` : `${bytesPerSecond.toFixed(0)} B/s`;
}

/**
 * Round-trip time for rooms without a real-time clock (chat, tic-tac-toe): a protocol
 * ping every two seconds, smoothed.
 */
export class PingProbe {
  #rtt: number | undefined;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(room: Room) {
    const probe = (): void => {
      if (room.connection.isOpen === false) return;
      room.ping((ms) => {
        this.#rtt = this.#rtt === undefined ? ms : this.#rtt * 0.7 + ms * 0.3;
      });
    };
    probe();
    this.#timer = setInterval(probe, 2000);
  }

  get rttMs(): number | undefined {
    return this.#rtt;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
