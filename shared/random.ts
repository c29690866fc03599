/** A source of uniform numbers in [0, 1). Rules take one so that tests and replays are seeded. */
export type Random = () => number;

/** A seeded source that tells where it is: `seededRandom(source.position)` continues its sequence exactly (a room that moved to another process). */
export type SeededRandom = Random & { readonly position: number };

/** mulberry32: tiny, fast, good enough for game rules; the same seed gives the same sequence. */
export function seededRandom(seed: number): SeededRandom {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.defineProperty(next, "position", { get: () => a }) as SeededRandom;
}
