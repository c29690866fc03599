import { randomUUID } from "node:crypto";
import { ServerError } from "@colyseus/core";
import express, { type Request, type Response } from "express";
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Identity } from "../rooms/base/identity.ts";
import { displayName } from "../rooms/base/joinOptions.ts";
import { HttpStatus } from "../shared/errors.ts";
import { answerBodyErrors } from "./bodyErrors.ts";

export interface AuthSettings {
  /** HMAC key for HS256 tokens (32+ bytes). */
  readonly secret: string;
  /** Every room requires a valid token; without it, players may join as anonymous guests. */
  readonly required: boolean;
  readonly tokenTtlSeconds: number;
}

const ISSUER = "tickroom";
const AUDIENCE = "tickroom-player";

const guestRequest = z.object({ name: displayName }).strict();

/**
 * Guest sessions as signed JWTs (HS256, via `jose`): `POST /auth/guest` issues one with a
 * display name; matchmaking verifies it before any seat is reserved. Identity (id and
 * name) comes from the token's claims, never from join options.
 */
export class GuestAuth {
  readonly #key: Uint8Array;

  constructor(readonly settings: AuthSettings) {
    this.#key = new TextEncoder().encode(settings.secret);
  }

  async issue(name: string): Promise<{ token: string; identity: Identity; expiresAt: string }> {
    const identity: Identity = { id: `guest-${randomUUID()}`, name, guest: true };
    const expires = Math.floor(Date.now() / 1000) + this.settings.tokenTtlSeconds;
    const token = await new SignJWT({ name, guest: true })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(identity.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(this.#key);
    return { token, identity, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** The identity a token proves; a `ServerError(401)` (an HTTP 401 from matchmaking) otherwise. */
  async verify(token: string): Promise<Identity> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"] });
      const name = typeof payload.name === "string" ? payload.name : undefined;
      if (typeof payload.sub !== "string" || name === undefined) throw new ServerError(HttpStatus.UNAUTHENTICATED, "token lacks a subject or a name");
      return { id: payload.sub, name, guest: payload.guest === true };
    } catch (error) {
      if (error instanceof ServerError) throw error;
      if (error instanceof errors.JWTExpired) throw new ServerError(HttpStatus.UNAUTHENTICATED, "token expired");
      throw new ServerError(HttpStatus.UNAUTHENTICATED, "invalid token");
    }
  }

  /** `POST /auth/guest` with `{ "name": "..." }`: `{ token, id, name, expiresAt }`, or 400. */
  router(): express.Router {
    const router = express.Router();
    router.post("/auth/guest", express.json({ limit: "1kb" }), async (request: Request, response: Response) => {
      const parsed = guestRequest.safeParse(request.body);
      if (!parsed.success) {
        response
          .status(HttpStatus.INVALID_REQUEST)
          .json({ code: HttpStatus.INVALID_REQUEST, error: `invalid guest request: ${z.prettifyError(parsed.error)}` });
        return;
      }
      const { token, identity, expiresAt } = await this.issue(parsed.data.name);
      response.json({ token, id: identity.id, name: identity.name, expiresAt });
    });
    router.use("/auth", answerBodyErrors);
    return router;
  }
}
