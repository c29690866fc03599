import { createAuthContext, matchMaker, ServerError } from "@colyseus/core";
import express, { type Request, type Response } from "express";
import { HttpStatus } from "../shared/errors.ts";
import { JOIN_CODE_ALPHABET, normalizeJoinCode } from "../shared/joinCode.ts";
import { answerBodyErrors } from "./bodyErrors.ts";

/** Body of every error answer: the same shape as Colyseus's own matchmaking errors. */
interface RouteError {
  code: number;
  error: string;
}

/**
 * `POST /join-code/:code` with the join options as JSON body: reserves a seat in the
 * private room holding that code, found through the matchmaker (listing metadata), so it
 * works from any process. Answers the seat reservation, for `client.consumeSeatReservation()`
 * (client/joinCode.ts does both). Errors: 400 not a code or bad options, 404 no room has
 * this code (wrong, or the room has ended), 409 the room is full, 413 body over 4 kB,
 * others as the matchmaker reports them.
 */
export function joinCodeRouter(): express.Router {
  const router = express.Router();
  router.post("/join-code/:code", express.json({ limit: "4kb" }), async (request: Request, response: Response<unknown>) => {
    const fail = (status: number, error: string): void => {
      response.status(status).json({ code: status, error } satisfies RouteError);
    };
    const code = normalizeJoinCode(String(request.params.code ?? ""));
    if (code === undefined) return fail(400, `not a join code: 6 of ${JOIN_CODE_ALPHABET}`);
    const options: unknown = request.body ?? {};
    if (typeof options !== "object" || options === null || Array.isArray(options)) return fail(400, "join options must be a JSON object");

    // colyseus-internal: listing-metadata-filters
    let room: Awaited<ReturnType<typeof matchMaker.query>>[number] | undefined;
    try {
      [room] = await matchMaker.query({ code });
    } catch {
      // The listings could not be read (Redis failed): the outage guard's answer, never express's HTML 500.
      return fail(HttpStatus.UNAVAILABLE, "matchmaking is unavailable: the server cannot reach Redis; retry shortly");
    }
    if (room === undefined) return fail(404, "no room has this join code: it is wrong, or the room has ended");
    // The room refuses a player without a slot when it joins; say so now, before a seat is held.
    const spectator = (options as { spectator?: unknown }).spectator === true;
    if (!spectator && (room.metadata as { open?: boolean } | undefined)?.open === false) return fail(409, "no player slot left in this room");
    try {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      // colyseus-internal: join-code-auth-context
      const authContext = createAuthContext({ headers, remoteAddress: request.socket.remoteAddress, req: request });
      response.json(await matchMaker.joinById(room.roomId, options, authContext));
    } catch (error) {
      if (error instanceof ServerError) {
        // Colyseus reports a full (locked) room as 522; ours are 409 like the rest of the API.
        const status = error.code === 522 ? 409 : error.code >= 400 && error.code < 600 ? error.code : 500;
        return fail(status, error.message);
      }
      // SeatReservationError and anything else: a JSON answer, never an HTML page.
      return fail(409, `could not reserve a seat: ${(error as Error).message}`);
    }
  });
  // Unparseable or oversized bodies: a JSON answer, never express's HTML page with a stack trace.
  router.use((error: Error & { status?: number; type?: string }, _request: Request, response: Response<RouteError>, next: express.NextFunction) => {
    if (error.type === "entity.parse.failed") response.status(400).json({ code: 400, error: "body is not valid JSON" });
    else if (error.type === "entity.too.large") response.status(413).json({ code: 413, error: "body too large" });
    else next(error);
  });
  router.use("/join-code", answerBodyErrors);
  return router;
}
