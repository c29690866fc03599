import { timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { HttpStatus } from "../shared/errors.ts";

/**
 * HTTP credential checks for operator routes: basic auth in front of the dev tools
 * (`/monitor`, `/playground`), a static bearer token in front of `/metrics`.
 */

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
    response.status(HttpStatus.UNAUTHENTICATED).json({ code: HttpStatus.UNAUTHENTICATED, error: "credentials required" });
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
    response.status(HttpStatus.UNAUTHENTICATED).json({ code: HttpStatus.UNAUTHENTICATED, error: "bearer token required" });
  };
}
