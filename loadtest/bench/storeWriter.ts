import { randomBytes } from "node:crypto";
import type { MatchPlayer, MatchResult } from "../../rooms/base/results.ts";
import { recordMatch } from "../../server/store/matchRecords.ts";
import { openStore, type Store, type StoreSettings } from "../../server/store/store.ts";
import { type Random, seededRandom } from "../../shared/random.ts";

/**
 * One engine's writer process of `npm run bench:store` (loadtest/bench/storeBench.ts),
 * driven over IPC: it opens the store (timing it and the memory it adds to this process),
 * creates the accounts, then records ranked results from concurrent writers for as long as
 * it is told, timing every `recordMatch`. A process of its own per engine, so that the
 * resident memory measured is the store's and the writers', nothing else's.
 */

export type WriterCommand =
  | { readonly cmd: "open"; readonly settings: StoreSettings; readonly accounts: number }
  | {
      readonly cmd: "run";
      readonly round: number;
      readonly seconds: number;
      readonly concurrency: number;
      /** Share of 1v1 results; the rest are 2v2. */
      readonly oneVsOneShare: number;
      readonly seed: number;
    }
  | { readonly cmd: "close" };

export type WriterReply =
  | { readonly cmd: "open"; readonly openMs: number; readonly accountsMs: number; readonly rssBeforeBytes: number; readonly rssOpenBytes: number }
  | { readonly cmd: "run"; readonly window: WriterWindow }
  | { readonly cmd: "close" }
  | { readonly cmd: "error"; readonly message: string };

export interface WriterWindow {
  readonly recorded: number;
  readonly duplicates: number;
  readonly failures: number;
  readonly oneVsOne: number;
  readonly twoVsTwo: number;
  readonly seconds: number;
  /** One per call, ms. */
  readonly commitMs: number[];
  readonly errors: string[];
  readonly rssBytes: number;
}

const ACCOUNTS_PER_INSERT = 250;
/** Share of results that are draws (first place shared). */
const DRAW_SHARE = 0.1;

let store: Store | undefined;
let accountIds: string[] = [];
/** Match ids unique across runs on the same database. */
const runId = randomBytes(4).toString("hex");

function reply(message: WriterReply): void {
  process.send?.(message);
}

async function open(settings: StoreSettings, accounts: number): Promise<WriterReply> {
  const rssBeforeBytes = process.memoryUsage.rss();
  const openedAt = performance.now();
  store = await openStore(settings);
  if (store === undefined) throw new Error("the store is off");
  const openMs = performance.now() - openedAt;
  const rssOpenBytes = process.memoryUsage.rss();
  accountIds = Array.from({ length: accounts }, (_, i) => `p-bench-${String(i).padStart(6, "0")}`);
  const createdAt = performance.now();
  const opened = store;
  await opened.db.transaction().execute(async (trx) => {
    for (let i = 0; i < accountIds.length; i += ACCOUNTS_PER_INSERT) {
      await trx
        .insertInto("accounts")
        .values(
          accountIds
            .slice(i, i + ACCOUNTS_PER_INSERT)
            .map((id) => ({ id, name: id.slice(8), username_key: null, username: null, password_hash: null, created_at: Date.now(), deleted_at: null })),
        )
        .execute();
    }
  });
  return { cmd: "open", openMs, accountsMs: performance.now() - createdAt, rssBeforeBytes, rssOpenBytes };
}

/** `count` distinct accounts. */
function draw(random: Random, count: number): string[] {
  const picked = new Set<string>();
  while (picked.size < count) picked.add(accountIds[Math.floor(random() * accountIds.length)] as string);
  return [...picked];
}

/** A ranked result: 1v1 tic-tac-toe or 2v2 arena, a random side winning (or a draw). */
function resultOf(random: Random, matchId: string, oneVsOneShare: number): MatchResult {
  const oneVsOne = random() < oneVsOneShare;
  const teamSize = oneVsOne ? 1 : 2;
  const ids = draw(random, teamSize * 2);
  const draw_ = random() < DRAW_SHARE;
  const winner = random() < 0.5 ? 0 : 1;
  const endedAt = Date.now();
  const players: MatchPlayer[] = ids.map((playerId, i) => {
    const team = i < teamSize ? 0 : 1;
    return { playerId, name: playerId.slice(8), team, place: draw_ || team === winner ? 1 : 2, forfeited: false };
  });
  return { matchId, game: oneVsOne ? "tictactoe" : "arena", ranked: true, startedAt: endedAt - 60_000, endedAt, players };
}

async function run(command: Extract<WriterCommand, { cmd: "run" }>): Promise<WriterWindow> {
  const opened = store;
  if (opened === undefined) throw new Error("run before open");
  const commitMs: number[] = [];
  const errors = new Set<string>();
  let recorded = 0;
  let duplicates = 0;
  let failures = 0;
  let oneVsOne = 0;
  let twoVsTwo = 0;
  const startedAt = performance.now();
  const deadline = startedAt + command.seconds * 1000;
  // Each writer its own seeded sequence: the same seed draws the same matches whatever the interleaving.
  const writer = async (index: number): Promise<void> => {
    const random = seededRandom(command.seed * 1_000_003 + command.round * 1009 + index);
    for (let n = 0; performance.now() < deadline; n++) {
      const result = resultOf(random, `bench-${runId}-r${command.round}-w${index}-${n}`, command.oneVsOneShare);
      const calledAt = performance.now();
      try {
        const outcome = await recordMatch(opened, result);
        commitMs.push(performance.now() - calledAt);
        if (outcome === "duplicate") duplicates++;
        else {
          recorded++;
          if (result.players.length === 2) oneVsOne++;
          else twoVsTwo++;
        }
      } catch (error) {
        failures++;
        errors.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, (_, i) => writer(i)));
  return {
    recorded,
    duplicates,
    failures,
    oneVsOne,
    twoVsTwo,
    seconds: (performance.now() - startedAt) / 1000,
    commitMs,
    errors: [...errors].slice(0, 5),
    rssBytes: process.memoryUsage.rss(),
  };
}

process.on("message", (command: WriterCommand) => {
  const handle = async (): Promise<WriterReply> => {
    if (command.cmd === "open") return open(command.settings, command.accounts);
    if (command.cmd === "run") return { cmd: "run", window: await run(command) };
    await store?.close();
    store = undefined;
    return { cmd: "close" };
  };
  handle().then(
    (answer) => {
      reply(answer);
      if (answer.cmd === "close") process.disconnect();
    },
    (error: unknown) => reply({ cmd: "error", message: error instanceof Error ? error.message : String(error) }),
  );
});
