/**
 * Which tickroom server the page talks to. By default the one that served it (same
 * origin); `?server=host:port` (or a full http(s)/ws(s) URL) points it elsewhere, so one
 * build works against any deployment. Pure: the caller passes in what the browser knows.
 */
export interface Endpoint {
  /** Base URL for HTTP (matchmaking, /health, /auth); the SDK derives ws(s) from it. */
  readonly http: string;
  /** How the endpoint was chosen, for the page to show. */
  readonly source: "query" | "page" | "dev-server";
}

export interface PageLocation {
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly search: string;
}

/** The Vite dev server (npm run dev:client) serves the page; the game server is on its default port. */
const DEV_SERVER_GAME_PORT = 2567;

export function resolveEndpoint(page: PageLocation, devServer: boolean): Endpoint {
  const asked = new URLSearchParams(page.search).get("server");
  if (asked !== null && asked.trim() !== "") {
    const http = parseServerAddress(asked, page.protocol);
    if (http !== undefined) return { http, source: "query" };
  }
  if (devServer) return { http: `${page.protocol}//${page.hostname}:${DEV_SERVER_GAME_PORT}`, source: "dev-server" };
  return { http: `${page.protocol}//${page.host}`, source: "page" };
}

/**
 * "host:port", "//host:port", "http(s)://host:port[/path]" or "ws(s)://...": the http(s)
 * base URL, without a trailing slash. A bare host takes the page's scheme. Undefined for
 * anything that is not a server address.
 */
export function parseServerAddress(typed: string, pageProtocol: string): string | undefined {
  let text = typed.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `${pageProtocol}//${text.replace(/^\/\//, "")}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const scheme = { "http:": "http:", "https:": "https:", "ws:": "http:", "wss:": "https:" }[url.protocol];
  if (scheme === undefined || url.hostname === "" || url.username !== "" || url.search !== "" || url.hash !== "") return undefined;
  const path = url.pathname.replace(/\/+$/, "");
  return `${scheme}//${url.host}${path}`;
}
