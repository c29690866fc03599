/**
 * What leaving /metrics on costs per event, measured directly: the hot-path calls a
 * server makes for each frame in and out and for each room step, timed over many
 * iterations, against the same loop with nothing recorded. Complements the benchmark's
 * with/without-metrics servers, whose difference is below this shared machine's noise.
 *
 *   node --import tsx loadtest/bench/metricsCost.ts
 */
import { TickroomMetrics } from "../../server/metrics.ts";

const metrics = new TickroomMetrics();
const socket = metrics.socketOpened("arena");
const patch = new Uint8Array(200);
// A TIMED state patch: ROOM_STATE_PATCH (15) with the TIMED modifier (0x80), as the arena sends them.
// colyseus-internal: protocol-framing
patch[0] = 0x8f;
const iterations = 2_000_000;

function nsPerCall(body: (i: number) => void): number {
  for (let i = 0; i < 100_000; i++) body(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body(i);
  return Number(process.hrtime.bigint() - started) / iterations;
}

let sink = 0;
const empty = nsPerCall((i) => {
  sink += i & 1;
});
const frameOut = nsPerCall(() => socket.sent(patch)) - empty;
const frameIn = nsPerCall((i) => socket.received(i & 63)) - empty;
const tick = nsPerCall((i) => metrics.tick("arena", (i & 255) / 1e6, 1 / 60)) - empty;
const scrapeStarted = process.hrtime.bigint();
await metrics.registry.metrics();
const scrapeMs = Number(process.hrtime.bigint() - scrapeStarted) / 1e6;

// The arena per client-second: 60 inputs in, ~24 frames out (20 patches, ~4 shot messages);
// per room-second: 60 steps for 16 clients.
const perClientSecondNs = 60 * frameIn + 24 * frameOut + (60 * tick) / 16;
console.log(
  JSON.stringify(
    {
      nsPerFrameOut: +frameOut.toFixed(1),
      nsPerFrameIn: +frameIn.toFixed(1),
      nsPerTick: +tick.toFixed(1),
      scrapeMs: +scrapeMs.toFixed(2),
      arenaMicrosecondsPerClientSecond: +(perClientSecondNs / 1000).toFixed(2),
      sink,
    },
    null,
    2,
  ),
);
