import { Client, type Room } from "@colyseus/sdk";
import { enterQueue, type QueueTicket } from "../../client/queue.ts";
import { openStore, type Store, type StoreSettings } from "../../server/store/store.ts";
import { ordinal } from "../../server/store/wengLin.ts";
import { type Random, seededRandom } from "../../shared/random.ts";
import { type ServerProcess, startServerProcess } from "../../tools/serverProcess.ts";
import { residentBytes } from "./processStats.ts";
import { type Distribution, distributionOf, type QueueResult } from "./storeReport.ts";

/**
 * Part 2 of `npm run bench:store`: a real tickroom server (its own process), its store
 * holding the players' ratings, and every player entering tic-tac-toe's ranked queue at
 * once. Players sign in through the public API (`POST /auth/guest`); their ratings are then
 * written into the server's store directly, where the queue reads them (StoreRatings) as
 * each player enters. Without a store the same run is the baseline: everyone at 1000.
 */

/** The queue's widest gap by default (QUEUE_MAX_GAP): ratings stay within half of it of 1000, so any two players can meet. */
const RATING_HALF_RANGE = 500;
/** Sign-ins at once (the server's rate limits are lifted for tools: tools/serverProcess.ts). */
const SIGN_IN_CONCURRENCY = 16;
/** How long the rooms may take to be disposed once everyone has left. */
const DISPOSE_WAIT_MS = 30_000;

export interface QueueTarget {
  readonly name: string;
  readonly server: ServerProcess;
  /** The server's store, opened again here to write ratings; undefined for the baseline. */
  readonly store: Store | undefined;
}

/** Start the server (with `settings`' store, or none) and open its store from this process too. */
export async function startQueueTarget(name: string, settings: StoreSettings, authSecret: string): Promise<QueueTarget> {
  const env: Record<string, string> =
    settings.kind === "off"
      ? { STORE_ENABLED: "false" }
      : { STORE_ENABLED: "true", DATA_DIR: settings.dataDir, ...(settings.kind === "postgres" ? { DATABASE_URL: settings.url } : {}) };
  const server = await startServerProcess({ ...env, AUTH_SECRET: authSecret });
  try {
    return { name, server, store: await openStore(settings) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export async function stopQueueTarget(target: QueueTarget): Promise<void> {
  await target.store?.close();
  await target.server.stop();
}

/** Normal around 1000 (Box-Muller), clamped to within RATING_HALF_RANGE of it. */
function ratingsOf(random: Random, count: number, spread: number): number[] {
  return Array.from({ length: count }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.min(1000 + RATING_HALF_RANGE, Math.max(1000 - RATING_HALF_RANGE, 1000 + normal * spread));
  });
}

interface Player {
  readonly token: string;
  readonly id: string;
  readonly rating: number;
}

async function signIn(port: number, count: number, round: number): Promise<Array<{ token: string; id: string }>> {
  const signed: Array<{ token: string; id: string }> = new Array(count);
  let next = 0;
  const signer = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const response = await fetch(`http://127.0.0.1:${port}/auth/guest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `r${round}q${i}` }),
      });
      if (!response.ok) throw new Error(`POST /auth/guest answered ${response.status}: ${await response.text()}`);
      const { token, id } = (await response.json()) as { token: string; id: string };
      signed[i] = { token, id };
    }
  };
  await Promise.all(Array.from({ length: SIGN_IN_CONCURRENCY }, signer));
  return signed;
}

/**
 * Each player's account and tic-tac-toe rating, written into the store: the account row
 * only where sign-in did not create one (guests kept no row before accounts were persisted).
 */
async function persistRatings(store: Store, players: readonly Player[]): Promise<void> {
  const now = Date.now();
  await store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("accounts")
      .values(players.map((p) => ({ id: p.id, name: p.id, username_key: null, username: null, password_hash: null, created_at: now, deleted_at: null })))
      .onConflict((conflict) => conflict.column("id").doNothing())
      .execute();
    const sigma = 100;
    await trx
      .insertInto("ratings")
      .values(
        players.map((p) => ({
          account_id: p.id,
          game: "tictactoe",
          mu: p.rating,
          sigma,
          ordinal: ordinal({ mu: p.rating, sigma }),
          played: 20,
          wins: 10,
          losses: 10,
          draws: 0,
          updated_at: now,
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(["account_id", "game"])
          .doUpdateSet((eb) => ({ mu: eb.ref("excluded.mu"), sigma: eb.ref("excluded.sigma"), ordinal: eb.ref("excluded.ordinal") })),
      )
      .execute();
  });
}

/** What one round measured, pooled over rounds by `queueResultOf`. */
export interface QueueRound {
  readonly players: number;
  readonly matched: number;
  readonly unmatched: number;
  readonly failedEntries: number;
  readonly timeToMatchMs: number[];
  readonly entryMs: number[];
  readonly waitMs: number[];
  readonly ratingGaps: number[];
  readonly ratings: number[];
  readonly oddMatches: number;
  /** Matched players whose rating in the queue's "queued" message was the stored one, or another. */
  readonly ratingsAsStored: number;
  readonly ratingsDifferent: number;
  readonly roomsLeft: number;
  readonly errors: string[];
}

/** Sign `count` players in, give them their ratings (store targets), queue them all at once, wait for every match, leave every room. */
export async function runQueueRound(
  target: QueueTarget,
  options: { count: number; round: number; seed: number; spread: number; timeoutMs: number },
): Promise<QueueRound> {
  const { port } = target.server;
  const signed = await signIn(port, options.count, options.round);
  const drawn = ratingsOf(seededRandom(options.seed * 7919 + options.round), options.count, options.spread);
  const players: Player[] = signed.map((s, i) => ({ ...s, rating: target.store === undefined ? 1000 : (drawn[i] as number) }));
  if (target.store !== undefined) await persistRatings(target.store, players);

  const errors = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
  });
  const tickets: QueueTicket[] = [];
  const outcomes = await Promise.all(
    players.map(async (player) => {
      const client = new Client(`ws://127.0.0.1:${port}`);
      client.auth.token = player.token;
      const calledAt = performance.now();
      let ticket: QueueTicket;
      try {
        ticket = await enterQueue(client, { game: "tictactoe" });
      } catch (error) {
        errors.add(`entry: ${error instanceof Error ? error.message : String(error)}`);
        return { kind: "failed" as const };
      }
      tickets.push(ticket);
      const entryMs = performance.now() - calledAt;
      const match = ticket.match.then(
        ({ room }) => ({ room, matchedAt: performance.now() }),
        (error: unknown) => {
          errors.add(`match: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        },
      );
      const settled = await Promise.race([match, timedOut]);
      if (settled === "timeout" || settled === undefined) return { kind: "unmatched" as const, ticket, match };
      // The rating the queue said it paired this player on ("queued"), against the one stored.
      const seen = ticket.status().rating;
      const ratingSeen = seen === undefined ? "unknown" : Math.abs(seen - player.rating) < 1e-6 ? "same" : "different";
      return {
        kind: "matched" as const,
        entryMs,
        waitMs: settled.matchedAt - calledAt - entryMs,
        timeToMatchMs: settled.matchedAt - calledAt,
        room: settled.room,
        rating: player.rating,
        ratingSeen,
      };
    }),
  );
  clearTimeout(timer);

  const matched = outcomes.flatMap((o) => (o.kind === "matched" ? [o] : []));
  const byRoom = new Map<string, number[]>();
  for (const o of matched) byRoom.set(o.room.roomId, [...(byRoom.get(o.room.roomId) ?? []), o.rating]);
  const ratingGaps = [...byRoom.values()].filter((r) => r.length === 2).map(([a, b]) => Math.abs((a as number) - (b as number)));

  // Leave every room: the match rooms joined, and the queue of whoever was never matched.
  const rooms: Room[] = matched.map((o) => o.room);
  await Promise.allSettled([...rooms.map((room) => room.leave()), ...outcomes.flatMap((o) => (o.kind === "unmatched" ? [o.ticket.cancel(), o.match] : []))]);
  return {
    players: players.length,
    matched: matched.length,
    unmatched: outcomes.filter((o) => o.kind === "unmatched").length,
    failedEntries: outcomes.filter((o) => o.kind === "failed").length,
    timeToMatchMs: matched.map((o) => o.timeToMatchMs),
    entryMs: matched.map((o) => o.entryMs),
    waitMs: matched.map((o) => o.waitMs),
    ratingGaps,
    ratings: players.map((p) => p.rating),
    oddMatches: [...byRoom.values()].filter((r) => r.length !== 2).length,
    ratingsAsStored: matched.filter((o) => o.ratingSeen === "same").length,
    ratingsDifferent: matched.filter((o) => o.ratingSeen === "different").length,
    roomsLeft: await roomsOnceDisposed(port),
    errors: [...errors].slice(0, 5),
  };
}

/** The rooms the server still hosts once they had a chance to be disposed (0 expected): its /health, asked until it says 0. */
async function roomsOnceDisposed(port: number): Promise<number> {
  const until = performance.now() + DISPOSE_WAIT_MS;
  for (;;) {
    const { rooms } = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { rooms: number };
    if (rooms === 0 || performance.now() > until) return rooms;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function spreadOf(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
}

/** One server's rounds, pooled. */
export function queueResultOf(target: QueueTarget, rounds: readonly QueueRound[]): QueueResult {
  const pooled = (pick: (round: QueueRound) => number[]): Distribution => distributionOf(rounds.flatMap(pick));
  const total = (pick: (round: QueueRound) => number): number => rounds.reduce((sum, round) => sum + pick(round), 0);
  return {
    target: target.name,
    players: total((r) => r.players),
    matched: total((r) => r.matched),
    unmatched: total((r) => r.unmatched),
    failedEntries: total((r) => r.failedEntries),
    timeToMatchMs: pooled((r) => r.timeToMatchMs),
    entryMs: pooled((r) => r.entryMs),
    waitMs: pooled((r) => r.waitMs),
    ratingGap: pooled((r) => r.ratingGaps),
    oddMatches: total((r) => r.oddMatches),
    ratingsAsStored: total((r) => r.ratingsAsStored),
    ratingsDifferent: total((r) => r.ratingsDifferent),
    ratingSpread: spreadOf(rounds.flatMap((r) => r.ratings)),
    serverRssMiB: (target.server.child.pid === undefined ? 0 : residentBytes(target.server.child.pid)) / (1024 * 1024),
    roomsLeft: total((r) => r.roomsLeft),
    errors: [...new Set(rounds.flatMap((r) => r.errors))].slice(0, 5),
  };
}
