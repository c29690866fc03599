import { join } from "node:path";
import express from "express";

export interface WebClientSettings {
  /** Serve the page at all; off for a server that only hosts rooms. */
  readonly enabled: boolean;
  /** Folder holding the built page: `index.html` and `assets/`. */
  readonly dir: string;
}

/**
 * Serve the built web client at `/`. Vite names assets by content hash, so they may be
 * cached for a year; `index.html` must be revalidated so a new build reaches players.
 * The folder is read per request: a build made after the server started is served
 * without a restart, and until one exists `/` says how to make it.
 */
export function mountWebClient(app: express.Application, settings: WebClientSettings): void {
  if (!settings.enabled) return;
  app.use("/assets", express.static(join(settings.dir, "assets"), { immutable: true, maxAge: "365d", index: false }));
  app.use(
    express.static(settings.dir, {
      index: "index.html",
      setHeaders: (response, path) => {
        if (path.endsWith(".html")) response.setHeader("Cache-Control", "no-cache");
      },
    }),
  );
  app.get("/", (_request, response) => {
    response
      .status(503)
      .type("text/plain")
      .send(
        `tickroom: the web client is not built (no index.html in ${settings.dir}).\n` +
          "Run `npm run build:client`, or start with `npm start`, which builds it first.\n",
      );
  });
}
