import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EntityTrack, RenderClock, StallHistory, type TrackOptions } from "../../client/remoteTracks.ts";

const SPEED = 240;
const FRAME_MS = 1000 / 60;
const PATCH_MS = 50;
/** How far an entity moves in one frame at full speed. */
const FRAME_OF_MOTION = (SPEED * FRAME_MS) / 1000;

const options: TrackOptions = {
  fields: [{ name: "x" }, { name: "y" }, { name: "angle", angle: true }],
  positionFields: ["x", "y"],
  maxExtrapolateMs: 250,
  convergeMs: 100,
  catchUpSpeed: SPEED,
  snapDistance: 64,
};

function pushAt(track: EntityTrack, t: number, x: number, y = 0, angle = 0): void {
  track.push(t, { x, y, angle });
}

describe("remote entity track", () => {
  it("draws exactly what the server simulated between two snapshots", () => {
    const track = new EntityTrack(options);
    pushAt(track, 1000, 0, 10);
    pushAt(track, 1050, 12, 20);
    assert.equal(track.draw(1025, 0), "interpolated");
    assert.deepEqual([...track.drawn], [6, 15, 0]);
    assert.equal(track.draw(1000, FRAME_MS), "interpolated");
    assert.deepEqual([...track.drawn], [0, 10, 0]);
  });

  it("goes on along the last velocity past the newest snapshot, for at most its bound, then holds", () => {
    const track = new EntityTrack(options);
    pushAt(track, 1000, 0);
    pushAt(track, 1050, 12);
    assert.equal(track.draw(1100, 0), "extrapolated");
    assert.equal(track.drawn[0], 24);
    assert.equal(track.draw(1300, FRAME_MS), "extrapolated", "250 ms past the newest: the bound itself");
    assert.equal(track.drawn[0], 72);
    assert.equal(track.draw(1500, 2 * FRAME_MS), "held");
    assert.equal(track.drawn[0], 72, "no further than the bound");
  });

  it("never guesses where its room type declares no extrapolation", () => {
    const track = new EntityTrack({ ...options, maxExtrapolateMs: 0 });
    pushAt(track, 1000, 0);
    pushAt(track, 1050, 12);
    assert.equal(track.draw(1100, 0), "held");
    assert.equal(track.drawn[0], 12);
  });

  /**
   * Draw an entity following `truth` (server time to position) 60 ms behind a server clock
   * that is the frame time, with the patches sent from 2000 to 2250 ms held back and
   * delivered together (a stall); then check every drawn step and the end.
   */
  function throughStall(truth: (t: number) => [number, number], frames: number): void {
    const track = new EntityTrack(options);
    let largestStep = 0;
    let previous: [number, number] | undefined;
    let nextPatch = 0;
    let lastTarget = 0;
    for (let frame = 0; frame < frames; frame++) {
      const now = frame * FRAME_MS;
      while (nextPatch <= now && !(now >= 2000 && now < 2250 && nextPatch >= 2000)) {
        pushAt(track, nextPatch, ...truth(nextPatch));
        nextPatch += PATCH_MS;
      }
      lastTarget = now - 60;
      track.draw(lastTarget, now);
      const drawn: [number, number] = [track.drawn[0] as number, track.drawn[1] as number];
      if (previous !== undefined) largestStep = Math.max(largestStep, Math.hypot(drawn[0] - previous[0], drawn[1] - previous[1]));
      previous = drawn;
    }
    assert.ok(largestStep <= 2 * FRAME_OF_MOTION + 1e-9, `largest drawn step ${largestStep.toFixed(2)} units, two frames of motion are ${2 * FRAME_OF_MOTION}`);
    const [x, y] = truth(lastTarget);
    assert.ok(
      Math.hypot((previous?.[0] ?? 0) - x, (previous?.[1] ?? 0) - y) < 0.5,
      `back on the true track well after the stall: drawn ${previous} true ${[x, y]}`,
    );
  }

  it("after a stall glides onto the true track: no drawn step over two frames of motion, then exact", () => {
    // The entity runs at full speed and turns when the stall starts, so what was guessed is wrong.
    throughStall((t) => (t <= 2000 ? [(SPEED * t) / 1000, 0] : [(SPEED * 2000) / 1000, (SPEED * (t - 2000)) / 1000]), 240);
  });

  it("never draws a glide on top of a server's catch-up faster than two frames of motion a frame", () => {
    // After the stall the server runs the entity at 1.5x its speed for 300 ms (catching up
    // a backlog): the glide may only add what keeps the drawn step within two frames.
    const fast = (t: number): number => Math.min(t - 2000, 300) * 1.5 + Math.max(t - 2300, 0);
    throughStall((t) => (t <= 2000 ? [(SPEED * t) / 1000, 0] : [(SPEED * 2000) / 1000, (SPEED * fast(t)) / 1000]), 300);
  });

  it("takes a teleport at once instead of gliding across the map", () => {
    const track = new EntityTrack(options);
    pushAt(track, 1000, 0);
    pushAt(track, 1050, 12);
    track.draw(1100, 0);
    pushAt(track, 1100, 500);
    pushAt(track, 1150, 500);
    track.draw(1125, FRAME_MS);
    assert.equal(track.drawn[0], 500);
  });

  it("after its server's clock starts anew (a move to another process), draws the new snapshots, gliding from where it was drawn", () => {
    // Old timeline: a room ten minutes old. The move freezes the room for 300 ms; the
    // room's new process stamps its patches from 200 ms on.
    const oldStart = 600_000;
    const newStart = 200;
    const moveAt = 2000;
    const frozenMs = 300;
    const truth = (local: number): number => (SPEED * Math.min(local, moveAt)) / 1000 + (SPEED * Math.max(local - moveAt - frozenMs, 0)) / 1000;
    const track = new EntityTrack(options);
    let nextPatch = 0;
    let restarted = false;
    let previous: number | undefined;
    let largestStep = 0;
    let now = 0;
    for (let frame = 0; frame < 240; frame++) {
      now = frame * FRAME_MS;
      if (!restarted && nextPatch >= moveAt + frozenMs) {
        track.restart();
        restarted = true;
      }
      while (nextPatch <= now) {
        if (nextPatch <= moveAt || nextPatch >= moveAt + frozenMs) {
          const serverTime = nextPatch <= moveAt ? oldStart + nextPatch : newStart + nextPatch - moveAt - frozenMs;
          pushAt(track, serverTime, truth(nextPatch));
        }
        nextPatch += PATCH_MS;
      }
      const target = (restarted ? newStart + now - moveAt - frozenMs : oldStart + now) - 60;
      track.draw(target, now);
      const drawn = track.drawn[0] as number;
      if (previous !== undefined) largestStep = Math.max(largestStep, Math.abs(drawn - previous));
      previous = drawn;
    }
    assert.ok(largestStep <= 2 * FRAME_OF_MOTION + 1e-9, `largest drawn step ${largestStep.toFixed(2)} units, two frames of motion are ${2 * FRAME_OF_MOTION}`);
    assert.ok(Math.abs((previous ?? 0) - truth(now - 60)) < 0.5, `on the new track: drawn ${previous}, true ${truth(now - 60)}`);
  });

  it("across a restart takes a teleport at once, and turns the short way round onto the new angle", () => {
    const track = new EntityTrack(options);
    // Unwrapped across the seam before the restart: drawn at 3 PI - 0.1, the same heading as PI - 0.1.
    for (const [t, angle] of [
      [1000, Math.PI - 0.1],
      [1050, -Math.PI + 0.1],
      [1100, Math.PI - 0.1],
    ] as const)
      pushAt(track, t, 0, 0, angle);
    track.draw(1100, 0);
    track.restart();
    pushAt(track, 100, 0, 0, -Math.PI + 0.1);
    track.draw(100, FRAME_MS);
    const turn = Math.atan2(Math.sin((track.drawn[2] as number) - (-Math.PI + 0.1)), Math.cos((track.drawn[2] as number) - (-Math.PI + 0.1)));
    assert.ok(Math.abs(turn) <= 0.2 + 1e-9, `heading ${track.drawn[2]} is within the short turn of the new one`);
    assert.ok(Math.abs((track.drawn[2] as number) - (-Math.PI + 0.1)) < Math.PI, "no full turn left to glide through");

    track.restart();
    pushAt(track, 50, 500, 0);
    track.draw(50, 2 * FRAME_MS);
    assert.equal(track.drawn[0], 500, "a gap past snapDistance is jumped, not glided");
  });

  it("turns the short way round across the angle seam", () => {
    const track = new EntityTrack(options);
    pushAt(track, 1000, 0, 0, Math.PI - 0.1);
    pushAt(track, 1050, 0, 0, -Math.PI + 0.1);
    track.draw(1025, 0);
    assert.ok(Math.abs((track.drawn[2] as number) - Math.PI) < 1e-9, `drawn ${track.drawn[2]}, through PI not through 0`);
  });
});

describe("render clock", () => {
  const clockOptions = { minMs: 50, maxMs: 250, jitterFactor: 3, marginMs: 10, slew: 0.05, resyncMs: 1000 };

  it("wants a patch interval and a margin on a clean link, more with jitter, within its bounds", () => {
    const clock = new RenderClock(clockOptions);
    assert.equal(clock.wantedDelay(50, 0), 60);
    assert.equal(clock.wantedDelay(50, 10), 90);
    assert.equal(clock.wantedDelay(50, 1000), 250, "never past its upper bound");
    assert.equal(clock.wantedDelay(10, 0), 50, "nor under its lower one");
  });

  it("absorbs a jump of its ideal (a delay change, an RTT spike after a stall) a few percent at a time", () => {
    const clock = new RenderClock(clockOptions);
    let ideal = 1000;
    assert.equal(clock.advance(0, ideal), 1000, "starts at its ideal");
    ideal += FRAME_MS;
    assert.equal(clock.advance(FRAME_MS, ideal), ideal, "runs at the local pace when on time");
    // The ideal falls 50 ms back (the RTT estimate jumped by 100 ms).
    ideal += FRAME_MS - 50;
    const before = clock.time;
    const after = clock.advance(FRAME_MS, ideal);
    assert.ok(Math.abs(after - before - 0.95 * FRAME_MS) < 1e-9, "a frame later it has moved 95% of a frame, not jumped back");
    let frames = 1;
    while (clock.time - ideal > 1e-9) {
      ideal += FRAME_MS;
      clock.advance(FRAME_MS, ideal);
      frames++;
    }
    assert.ok(Math.abs(frames * FRAME_MS * 0.05 - 50) <= FRAME_MS * 0.05 + 1e-9, `closed 50 ms at 5% of ${frames} frames`);
  });

  it("resynchronises at once after a gap past its bound (a tab that slept)", () => {
    const clock = new RenderClock(clockOptions);
    clock.advance(0, 1000);
    assert.equal(clock.advance(FRAME_MS, 5000), 5000);
  });

  it("starts over at its ideal once reset (the server's clock started anew), even a gap inside its bound", () => {
    const clock = new RenderClock(clockOptions);
    clock.advance(0, 1000);
    clock.advance(FRAME_MS, 1000 + FRAME_MS);
    clock.reset();
    assert.ok(Number.isNaN(clock.time));
    assert.equal(clock.advance(FRAME_MS, 400), 400);
  });
});

describe("stall history", () => {
  const options = { windowMs: 20_000, budget: 0.03, capMs: 250 };

  it("calls for no more delay on a clean link, nor for a few short stalls that fit the budget", () => {
    const stalls = new StallHistory(options);
    assert.equal(stalls.delayFor(0), 0);
    for (let i = 0; i < 5; i++) stalls.record(i * 1000, 90);
    assert.equal(stalls.delayFor(5000), 0, "five stalls past an 80 ms delay by 10 ms: 50 ms of 600 allowed");
  });

  it("on a link that stalls often, the least delay that keeps them drawn past their newest snapshot within the budget", () => {
    const stalls = new StallHistory(options);
    // 2% loss over TCP: eight 200 ms stalls in 20 s, each needing 225 ms of delay.
    for (let i = 0; i < 8; i++) stalls.record(i * 2500, 225);
    // 8 x (225 - d) = 600 ms allowed.
    assert.ok(Math.abs(stalls.delayFor(19_000) - 150) < 1e-9, `delay ${stalls.delayFor(19_000)}`);
    // Past 100 ms, 4 x (240 - d) = 600 would give 90, under the short stalls' need: they
    // count too, so 4 x (240 - d) + 2 x (100 - d) = 600.
    const uneven = new StallHistory(options);
    for (const needed of [240, 240, 240, 240, 100, 100]) uneven.record(0, needed);
    assert.ok(Math.abs(uneven.delayFor(0) - 560 / 6) < 1e-9, `delay ${uneven.delayFor(0)}`);
  });

  it("never lets one long stall (a tab that slept) decide, and forgets stalls past its window", () => {
    const stalls = new StallHistory(options);
    stalls.record(0, 5000);
    assert.equal(stalls.delayFor(0), 0, "capped at 250 ms: 250 of 600 allowed");
    for (let i = 0; i < 10; i++) stalls.record(1000 + i, 250);
    assert.ok(stalls.delayFor(2000) > 150);
    assert.equal(stalls.delayFor(21_500), 0, "20 s later they are forgotten");
  });
});
