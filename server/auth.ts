import { randomUUID } from "node:crypto";
import { type AuthContext, type Room, ServerError } from "@colyseus/core";
import express, { type Request, type Response } from "express";
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Identity } from "../rooms/base/identity.ts";
import { INVALID_JOIN_OPTIONS_STATUS } from "../rooms/base/TickroomRoom.ts";
import { answerBodyErrors } from "./bodyErrors.ts";

/** HTTP status for a missing, malformed, tampered or expired token. */
export const UNAUTHENTICATED_STATUS = 401;

export interface AuthSettings {
  /** HMAC key for HS256 tokens (32+ bytes). */
  readonly secret: string;
  /** Every room requires a valid token; without it, players may join as anonymous guests. */
  readonly required: boolean;
  readonly tokenTtlSeconds: number;
}

const ISSUER = "tickroom";
const AUDIENCE = "tickroom-player";

const guestRequest = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .regex(/^[^\p{C}]+$/u, "no control characters"),
  })
  .strict();

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
      if (typeof payload.sub !== "string" || name === undefined) throw new ServerError(UNAUTHENTICATED_STATUS, "token lacks a subject or a name");
      return { id: payload.sub, name, guest: payload.guest === true };
    } catch (error) {
      if (error instanceof ServerError) throw error;
      if (error instanceof errors.JWTExpired) throw new ServerError(UNAUTHENTICATED_STATUS, "token expired");
      throw new ServerError(UNAUTHENTICATED_STATUS, "invalid token");
    }
  }

  /** `POST /auth/guest` with `{ "name": "..." }`: `{ token, id, name, expiresAt }`, or 400. */
  router(): express.Router {
    const router = express.Router();
    router.post("/auth/guest", express.json({ limit: "1kb" }), async (request: Request, response: Response) => {
      const parsed = guestRequest.safeParse(request.body);
      if (!parsed.success) {
        response.status(400).json({ code: 400, error: `invalid guest request: ${z.prettifyError(parsed.error)}` });
        return;
      }
      const { token, identity, expiresAt } = await this.issue(parsed.data.name);
      response.json({ token, id: identity.id, name: identity.name, expiresAt });
    });
    router.use("/auth", answerBodyErrors);
    return router;
  }
}

type RoomClass = new () => Room;
type OnAuth = (token: string, options: unknown, context: AuthContext) => unknown;

/**
 * The room type with token verification in front of its own `onAuth` (which validates join
 * options). Colyseus calls the static `onAuth` unbound with only the client's token, options
 * and context, so the verifier is closed over in a subclass made per server. A presented
 * token must be valid (401 otherwise, even where tokens are optional: a tampered token is
 * an attack, not a guest); with `AUTH_REQUIRED` a missing one is refused too. The verified
 * identity becomes `client.auth.identity`.
 */
export function withVerifiedIdentity<T extends RoomClass>(roomClass: T, auth: GuestAuth): T {
  const validateOptions = (roomClass as unknown as { onAuth?: OnAuth }).onAuth;
  const base = roomClass as RoomClass;
  class Verified extends base {
    static async onAuth(token: string, options: unknown, context: AuthContext): Promise<unknown> {
      // Colyseus's matchmaker reads options as an object after this (a `null` body made it throw).
      if (typeof options !== "object" || options === null || Array.isArray(options)) {
        throw new ServerError(INVALID_JOIN_OPTIONS_STATUS, "join options must be a JSON object");
      }
      const identity = token ? await auth.verify(token) : undefined;
      if (identity === undefined && auth.settings.required) {
        throw new ServerError(UNAUTHENTICATED_STATUS, "authentication required: send a token from POST /auth/guest");
      }
      const result = validateOptions === undefined ? true : await validateOptions(token, options, context);
      if (identity === undefined) return result;
      return { ...(typeof result === "object" && result !== null ? result : {}), identity };
    }
  }
  return Verified as unknown as T;
}
