import { createMiddleware } from "@colyseus/core";
import type { Application, RequestHandler } from "express";
import { basicAuth } from "./httpAuth.ts";

/** Who may open an operator page: nobody (off), anybody (open), or a basic-auth login. */
export type PageAccess = { readonly mode: "off" } | { readonly mode: "open" } | { readonly mode: "login"; readonly user: string; readonly password: string };

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
  // colyseus-internal: playground-join-patch
  app.use("/playground", ...guard, playground({ use: guarded }));
}
