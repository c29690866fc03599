import { timingSafeEqual } from "node:crypto";
import { createMiddleware } from "@colyseus/core";
import type { Application, NextFunction, Request, RequestHandler, Response } from "express";

/** Who may open an operator page: nobody (off), anybody (open), or a basic-auth login. */
export type PageAccess = { readonly mode: "off" } | { readonly mode: "open" } | { readonly mode: "login"; readonly user: string; readonly password: string };

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** HTTP basic auth against one configured login; 401 with a challenge otherwise. */
export function basicAuth(user: string, password: string, realm: string): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    const header = request.headers.authorization ?? "";
    const [scheme, encoded] = header.split(" ");
    if (scheme?.toLowerCase() === "basic" && encoded !== undefined) {
      const decoded = Buffer.from(encoded, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0 && sameText(decoded.slice(0, colon), user) && sameText(decoded.slice(colon + 1), password)) {
        next();
        return;
      }
    }
    response.set("WWW-Authenticate", `Basic realm="${realm}", charset="UTF-8"`);
    response.status(401).json({ code: 401, error: "credentials required" });
  };
}

/** Static bearer token (for Prometheus's `authorization` scrape setting). */
export function bearerToken(token: string): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    const header = request.headers.authorization ?? "";
    if (header.startsWith("Bearer ") && sameText(header.slice("Bearer ".length), token)) {
      next();
      return;
    }
    response.set("WWW-Authenticate", "Bearer");
    response.status(401).json({ code: 401, error: "bearer token required" });
  };
}

/**
 * Mount Colyseus's monitor (`/monitor`: rooms, clients, state, kick) and playground
 * (`/playground`: join rooms and send messages from a browser). Both are loaded only when
 * mounted: the playground patches every room's join to send its message catalogue, which
 * a production server must not carry.
 */
export async function mountDevTools(app: Application, access: PageAccess): Promise<void> {
  if (access.mode === "off") return;
  const [{ monitor }, { playground }] = await Promise.all([import("@colyseus/monitor"), import("@colyseus/playground")]);
  const guard: RequestHandler[] = access.mode === "login" ? [basicAuth(access.user, access.password, "tickroom dev tools")] : [];
  // Under NODE_ENV=production the playground answers 404 unless given a route middleware
  // (its own "is this guarded?" check). The login above is the guard; this only says so.
  const guarded = access.mode === "login" ? [createMiddleware(async () => undefined)] : [];
  app.use("/monitor", ...guard, monitor());
  app.use("/playground", ...guard, playground({ use: guarded }));
}
