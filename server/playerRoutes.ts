import express, { type Request, type Response } from "express";
import { z } from "zod";
import { HttpStatus } from "../shared/errors.ts";
import { RANKED_GAME_NAMES } from "../shared/rankedQueue.ts";
import { historyOf, leaderboard, leaderboardSize, positionOf, ratingsOf } from "./store/matchRecords.ts";
import type { Store } from "./store/store.ts";

/** Most rows one page holds. */
const MAX_PAGE = 100;

const boardQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(20),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    /** A player id: the page centred on that player instead of `offset`. */
    around: z.string().min(1).max(80).optional(),
  })
  .strict();

const historyQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(20),
    /** The `next` of the previous page: matches that ended before it. */
    before: z.coerce.number().int().min(0).optional(),
  })
  .strict();

const playerId = z.string().min(1).max(80);

function fail(response: Response, status: number, error: string): void {
  response.status(status).json({ code: status, error });
}

/** Run a read; a store that does not answer is 503 (Retry-After: 2), not a hang or a crash. */
function reading(handler: (request: Request, response: Response) => Promise<void>) {
  return (request: Request, response: Response): void => {
    handler(request, response).catch(() => {
      response.setHeader("retry-after", "2");
      fail(response, HttpStatus.UNAVAILABLE, "the store is unavailable; try again shortly");
    });
  };
}

/**
 * What the store shows the world, read-only (rate-limited per address like matchmaking):
 * - `GET /leaderboards/:game?limit&offset|around=<playerId>`: `{ game, total, offset, entries }`
 * - `GET /players/:id`: `{ id, name, createdAt, ratings, recent }` (recent: the last 10 matches)
 * - `GET /players/:id/matches?limit&before`: `{ matches, next }` (`next`: pass as `before`)
 */
export function playerRoutes(store: Store): express.Router {
  const router = express.Router();

  router.get(
    "/leaderboards/:game",
    reading(async (request, response) => {
      const game = RANKED_GAME_NAMES.find((name) => name === request.params.game);
      if (game === undefined)
        return fail(response, HttpStatus.NOT_FOUND, `no ranked game "${String(request.params.game)}" (games: ${RANKED_GAME_NAMES.join(", ")})`);
      const query = boardQuery.safeParse(request.query);
      if (!query.success) return fail(response, HttpStatus.INVALID_REQUEST, `invalid query: ${z.prettifyError(query.error)}`);
      const { limit, around } = query.data;
      let offset = query.data.offset;
      if (around !== undefined) {
        const position = await positionOf(store, game, around);
        if (position === undefined) return fail(response, HttpStatus.NOT_FOUND, `player ${around} is not on the ${game} leaderboard`);
        offset = Math.max(0, position - Math.floor(limit / 2));
      }
      const [entries, total] = await Promise.all([leaderboard(store, game, { offset, limit }), leaderboardSize(store, game)]);
      response.json({ game, total, offset, entries });
    }),
  );

  router.get(
    "/players/:id",
    reading(async (request, response) => {
      const id = playerId.safeParse(request.params.id);
      if (!id.success) return fail(response, HttpStatus.INVALID_REQUEST, "invalid player id");
      const account = await store.db
        .selectFrom("accounts")
        .select(["id", "name", "created_at", "password_hash"])
        .where("id", "=", id.data)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (account === undefined) return fail(response, HttpStatus.NOT_FOUND, `no player ${id.data}`);
      const [ratings, recent] = await Promise.all([ratingsOf(store, account.id), historyOf(store, account.id, { limit: 10 })]);
      response.json({ id: account.id, name: account.name, guest: account.password_hash === null, createdAt: account.created_at, ratings, recent });
    }),
  );

  router.get(
    "/players/:id/matches",
    reading(async (request, response) => {
      const id = playerId.safeParse(request.params.id);
      if (!id.success) return fail(response, HttpStatus.INVALID_REQUEST, "invalid player id");
      const query = historyQuery.safeParse(request.query);
      if (!query.success) return fail(response, HttpStatus.INVALID_REQUEST, `invalid query: ${z.prettifyError(query.error)}`);
      const matches = await historyOf(store, id.data, { limit: query.data.limit, before: query.data.before });
      const last = matches.at(-1);
      response.json({ matches, next: matches.length === query.data.limit && last !== undefined ? last.endedAt : null });
    }),
  );

  return router;
}
