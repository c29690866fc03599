import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { RoomSettings } from "../rooms/base/settings.ts";
import type { AuthSettings } from "./auth.ts";
import type { PageAccess } from "./devTools.ts";
import type { HttpLimits } from "./httpGuards.ts";
import type { StoreSettings } from "./store/store.ts";
import type { WebClientSettings } from "./webClient.ts";

/**
 * The only reader of `process.env`. Everything else receives a slice of the frozen
 * object this module builds, so a room or route can be tested with any values.
 */

const portNumber = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().min(0).max(3600);
const flag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const environmentSchema = z.object({
  /** TCP port for HTTP matchmaking and WebSocket rooms. @default 2567 */
  PORT: portNumber.default(2567),
  /** Interface to bind. @default "0.0.0.0" */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** How long a dropped player's seat (and entity) is kept for the SDK to reconnect. @default 20 */
  RECONNECTION_WINDOW_SECONDS: seconds.default(20),
  /** How long SIGTERM waits for rooms to dispose before the process exits anyway. @default 10 */
  SHUTDOWN_TIMEOUT_SECONDS: seconds.default(10),
  /** WebSocket ping interval; a client missing `pingMaxRetries` pongs in a row is dropped. @default 3000 */
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  /** Largest WebSocket frame accepted from a client, in bytes; larger closes it with 1009. @default 4096 */
  WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(4096),
  /** "production" turns the dev tools off (DEV_TOOLS=on with a password turns them on) and requires AUTH_SECRET. @default "development" */
  NODE_ENV: z.string().default("development"),
  /** Serve the web client (the built `client/web`) at `/`. @default true */
  WEB_CLIENT_ENABLED: flag.default(true),
  /** Folder of the built web client (`npm run build:client` writes it). @default "<project>/dist/client" */
  WEB_CLIENT_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL("../dist/client", import.meta.url))),
  /** Serve Prometheus metrics at GET /metrics. @default true */
  METRICS_ENABLED: flag.default(true),
  /** When set, /metrics requires `Authorization: Bearer <token>`. @default unset (open) */
  METRICS_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  /** Colyseus monitor (/monitor) and playground (/playground): "auto" = on outside production. @default "auto" */
  DEV_TOOLS: z.enum(["auto", "on", "off"]).default("auto"),
  /** Login for the dev tools; required to turn them on in production. @default "admin" */
  DEV_TOOLS_USER: z.string().min(1).default("admin"),
  /** Password for the dev tools; when set they always ask for the login. @default unset */
  DEV_TOOLS_PASSWORD: z.string().min(12, "use at least 12 characters").optional(),
  /** HMAC secret that signs guest tokens (32+ characters); required in production. @default a random secret per boot outside production */
  AUTH_SECRET: z.string().min(32, "use at least 32 characters").optional(),
  /** Every room requires a valid token (`Authorization: Bearer`); otherwise anonymous guests may join. @default false */
  AUTH_REQUIRED: flag.default(false),
  /** Lifetime of a guest token. @default 86400 */
  AUTH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(86400),
  /** Keep accounts, ratings and match history (off: every guest is new at each start and no result is kept). @default true */
  STORE_ENABLED: flag.default(true),
  /** Folder of the embedded store (and of the result outbox, with either store). @default "<project>/data" */
  DATA_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL("../data", import.meta.url))),
  /** A PostgreSQL server for the store, shared by every process of a cluster (`postgres://user@host:5432/db`). @default unset: the embedded store */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "a postgres:// URL")
    .optional(),
  /** Largest body accepted on matchmaking, join-code and auth routes (413 above). @default 8192 */
  HTTP_MAX_BODY_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(8192),
  /** Matchmaking, join-code and auth requests per second one address may average (429 beyond). @default 10 */
  HTTP_RATE_PER_SECOND: z.coerce.number().min(0).default(10),
  /** Such requests one address may make in a burst. @default 30 */
  HTTP_RATE_BURST: z.coerce.number().int().min(1).default(30),
  /** Time a client has to send a whole HTTP request, body included (408 and closed after). @default 10 */
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(10),
  /** Time a client has to send an HTTP request's headers (a WebSocket upgrade's too). @default 5 */
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(5),
  /** Connections (HTTP and WebSocket) one address may hold open; one more is closed at once. @default 100 */
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  /**
   * How late (99th percentile of a second, two seconds in a row) the event loop may run its
   * timers before matchmaking and join codes answer 503 (Retry-After: 1) instead of seating
   * more players: past it the process is not keeping up, and more players would make every
   * room later. A join crosses the loop about four times (matchmaking, upgrade, join, full
   * state), so 250 ms late is where set-up nears 1 s; lower, a burst of joins that the
   * process would seat well within a second is refused. 0 never refuses. @default 250
   */
  MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().min(0).max(10_000).default(250),
  /** Rooms one process hosts at most; creating another answers 503. @default 2000 */
  MAX_ROOMS_PER_PROCESS: z.coerce.number().int().min(1).default(2000),
  /** Bytes queued for one client past which it must keep draining (see WS_STALL_SECONDS); 16x this cuts it at once. @default 262144 */
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(16_384)
    .max(64 * 1_048_576)
    .default(262_144),
  /** How long a client over WS_MAX_BUFFERED_BYTES may drain nothing before it is cut (it may reconnect). @default 3 */
  WS_STALL_SECONDS: z.coerce.number().min(0.1).max(60).default(3),
  /** Time a WebSocket has to complete the join handshake; past it the socket is closed (4002) and its seat freed. @default 5 */
  WS_JOIN_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(5),
  /** Redis for presence and the matchmaking driver, shared by every process of a deployment. @default unset (in-process) */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "a redis:// or rediss:// URL")
    .optional(),
  /** host[:port][/path] clients reach this process at (no scheme); seat reservations carry it. @default "127.0.0.1:<PORT>" with REDIS_URL */
  PUBLIC_ADDRESS: z
    .string()
    .regex(/^[^\s/:]+(:\d+)?(\/\S*)?$/, "host[:port][/path], no scheme")
    .optional(),
  /** host:port the router (server/router.ts) reaches this process at, announced in its Redis heartbeat. @default "127.0.0.1:<port it listens on>" (HOST when not a wildcard) */
  INTERNAL_ADDRESS: z
    .string()
    .regex(/^[^\s/:]+:\d+$/, "host:port")
    .optional(),
  /** Host in the derived public address (`<PUBLIC_HOST>:<PORT>`) when PUBLIC_ADDRESS is unset. @default "127.0.0.1" */
  PUBLIC_HOST: z
    .string()
    .regex(/^[^\s/:]+$/, "a host name or IPv4 address")
    .default("127.0.0.1"),
  /** Processes `npm run start:cluster` starts behind its router (which listens on PORT), on ports PORT+1, PORT+2, ... @default 2 */
  CLUSTER_PROCESSES: z.coerce.number().int().min(1).max(64).default(2),
  /** How often each process looks for dead peers and drops their rooms from listings (Redis only). @default 5 */
  PROCESS_CHECK_INTERVAL_SECONDS: z.coerce.number().min(1).max(3600).default(5),
  /** How often each movable room writes a checkpoint to Redis, what a survivor restores it from if this process dies (Redis only; 0: never). @default 1 */
  CHECKPOINT_SECONDS: z.coerce.number().min(0).max(3600).default(1),
  /** A process that has not renewed its heartbeat in Redis for this long is dead: survivors adopt its rooms from their checkpoints. @default 3 */
  FAILOVER_DETECT_SECONDS: z.coerce.number().min(0.5).max(3600).default(3),
  /** Players per team in arena matches formed by the queue. @default 2 */
  QUEUE_ARENA_TEAM_SIZE: z.coerce.number().int().min(1).max(8).default(2),
  /** Rating gap queued tickets accept at once. @default 100 */
  QUEUE_BASE_GAP: z.coerce.number().min(0).default(100),
  /** Rating gap added per second a ticket waits. @default 50 */
  QUEUE_GAP_PER_SECOND: z.coerce.number().min(0).default(50),
  /** Largest rating gap ever accepted. @default 1000 */
  QUEUE_MAX_GAP: z.coerce.number().min(0).default(1000),
  /** Which matches are recorded for replays: "declared" (each room type's own choice: ranked matches), "all" or "none". @default "declared" */
  RECORD_MATCHES: z.enum(["declared", "all", "none"]).default("declared"),
  /** Seconds between a recording's keyframes: a seek decodes at most this much of patches. @default 5 */
  RECORDING_KEYFRAME_SECONDS: z.coerce.number().min(0.5).max(60).default(5),
  /** A recording longer than this stops and is kept as it is (a casual room may run for days). @default 30 */
  RECORDING_MAX_MINUTES: z.coerce.number().min(1).max(240).default(30),
  /** Days a kept recording can be replayed; older ones are deleted as new ones are saved. @default 30 */
  RECORDING_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),
  /** Recordings kept in this process's memory when there is no store (STORE_ENABLED=false). @default 20 */
  RECORDINGS_IN_MEMORY: z.coerce.number().int().min(0).max(1000).default(20),
});

/** Every variable the schema reads (read-only), so a test can hold README's tables to it. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(environmentSchema.shape));

export type Environment = Record<string, string | undefined>;

export interface TickroomConfig {
  readonly port: number;
  readonly host: string;
  readonly shutdownTimeoutMs: number;
  readonly transport: {
    readonly pingIntervalMs: number;
    readonly maxPayloadBytes: number;
    readonly maxBufferedBytes: number;
    readonly stallMs: number;
    readonly joinTimeoutMs: number;
  };
  /** What rooms are told (the drain's grace is derived from `shutdownTimeoutMs` and `cluster` where rooms get it, server/app.config.ts). */
  readonly rooms: Omit<RoomSettings, "shutdownGraceMs">;
  /** Past this event-loop delay (ms), matchmaking sheds new seats (0: never). */
  readonly maxEventLoopDelayMs: number;
  readonly metrics: {
    readonly enabled: boolean;
    readonly token: string | undefined;
  };
  readonly webClient: WebClientSettings;
  /** Who may open /monitor and /playground. */
  readonly devTools: PageAccess;
  readonly auth: AuthSettings;
  /** Where accounts, ratings and matches are kept. */
  readonly store: StoreSettings;
  /** How long kept recordings live, and how many a process keeps without a store. */
  readonly recordings: { readonly retentionDays: number; readonly inMemory: number };
  readonly http: HttpLimits;
  /** What `npm run start:cluster` launches. */
  readonly launcher: { readonly processes: number; readonly publicHost: string };
  /** Set when processes share Redis; absent: in-process presence and driver. */
  readonly cluster:
    | {
        readonly redisUrl: string;
        readonly publicAddress: string;
        readonly processCheckIntervalMs: number;
        /** host:port the router reaches this process at; undefined: derived once it listens. */
        readonly internalAddress: string | undefined;
        /** How often movable rooms checkpoint to Redis (0: never). */
        readonly checkpointMs: number;
        /** A heartbeat older than this marks a process dead. */
        readonly failoverDetectMs: number;
      }
    | undefined;
}

/** Variables whose values are never printed, not even in a configuration error. */
const SECRET_VARIABLES = new Set(["AUTH_SECRET", "DEV_TOOLS_PASSWORD", "METRICS_TOKEN", "REDIS_URL", "DATABASE_URL"]);

/** An environment the server cannot start with: `message` names every bad variable, its value (secrets hidden) and what is wrong. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `NAME="value": problem`, or `NAME (hidden): problem` for a secret, or `NAME: problem` when unset. */
function problemWith(env: Environment, name: string, problem: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") return `${name}: ${problem}`;
  return SECRET_VARIABLES.has(name) ? `${name} (hidden): ${problem}` : `${name}=${JSON.stringify(value)}: ${problem}`;
}

/** Parse and validate an environment; throws one `ConfigError` listing every bad variable. */
export function parseConfig(env: Environment): TickroomConfig {
  const parsed = environmentSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => problemWith(env, issue.path.join("."), issue.message)));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const devToolsOn = e.DEV_TOOLS === "on" || (e.DEV_TOOLS === "auto" && !production);
  const problems: string[] = [];
  if (production && e.AUTH_SECRET === undefined) {
    // A per-boot secret would log every player out on each deploy, and differ between processes.
    problems.push(problemWith(env, "AUTH_SECRET", "required with NODE_ENV=production"));
  }
  if (e.HTTP_HEADERS_TIMEOUT_SECONDS > e.HTTP_REQUEST_TIMEOUT_SECONDS) {
    // Node refuses a headers timeout longer than the whole request's.
    problems.push(problemWith(env, "HTTP_HEADERS_TIMEOUT_SECONDS", `must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (${e.HTTP_REQUEST_TIMEOUT_SECONDS})`));
  }
  if (e.REDIS_URL !== undefined && e.PUBLIC_ADDRESS === undefined && e.PORT === 0) {
    // Seats name the process's address; with an OS-picked port it cannot be known in advance.
    problems.push(problemWith(env, "PUBLIC_ADDRESS", "required with REDIS_URL when PORT is 0"));
  }
  if (devToolsOn && production && e.DEV_TOOLS_PASSWORD === undefined) {
    // Never open by default in production: asking for them there without a login is an error.
    problems.push(problemWith(env, "DEV_TOOLS", "on with NODE_ENV=production needs DEV_TOOLS_PASSWORD"));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    transport: {
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      stallMs: e.WS_STALL_SECONDS * 1000,
      joinTimeoutMs: e.WS_JOIN_TIMEOUT_SECONDS * 1000,
    },
    rooms: {
      reconnectionSeconds: e.RECONNECTION_WINDOW_SECONDS,
      maxRoomsPerProcess: e.MAX_ROOMS_PER_PROCESS,
      queue: {
        teamSizes: { arena: e.QUEUE_ARENA_TEAM_SIZE },
        baseGap: e.QUEUE_BASE_GAP,
        gapPerSecond: e.QUEUE_GAP_PER_SECOND,
        maxGap: e.QUEUE_MAX_GAP,
      },
      recording: {
        matches: e.RECORD_MATCHES,
        keyframeSeconds: e.RECORDING_KEYFRAME_SECONDS,
        maxMinutes: e.RECORDING_MAX_MINUTES,
      },
    },
    recordings: { retentionDays: e.RECORDING_RETENTION_DAYS, inMemory: e.RECORDINGS_IN_MEMORY },
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
    metrics: { enabled: e.METRICS_ENABLED, token: e.METRICS_TOKEN },
    webClient: { enabled: e.WEB_CLIENT_ENABLED, dir: e.WEB_CLIENT_DIR },
    launcher: { processes: e.CLUSTER_PROCESSES, publicHost: e.PUBLIC_HOST },
    cluster:
      e.REDIS_URL === undefined
        ? undefined
        : {
            redisUrl: e.REDIS_URL,
            publicAddress: e.PUBLIC_ADDRESS ?? `${e.PUBLIC_HOST}:${e.PORT}`,
            processCheckIntervalMs: e.PROCESS_CHECK_INTERVAL_SECONDS * 1000,
            checkpointMs: e.CHECKPOINT_SECONDS * 1000,
            internalAddress: e.INTERNAL_ADDRESS,
            failoverDetectMs: e.FAILOVER_DETECT_SECONDS * 1000,
          },
    http: {
      maxBodyBytes: e.HTTP_MAX_BODY_BYTES,
      perAddressPerSecond: e.HTTP_RATE_PER_SECOND,
      perAddressBurst: e.HTTP_RATE_BURST,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      maxConnectionsPerAddress: e.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
    auth: {
      // Outside production a random secret lets `npm start` run with nothing configured;
      // tokens then last until the process restarts.
      secret: e.AUTH_SECRET ?? randomBytes(32).toString("base64url"),
      required: e.AUTH_REQUIRED,
      tokenTtlSeconds: e.AUTH_TOKEN_TTL_SECONDS,
    },
    store: !e.STORE_ENABLED
      ? { kind: "off" }
      : e.DATABASE_URL !== undefined
        ? { kind: "postgres", url: e.DATABASE_URL, dataDir: e.DATA_DIR }
        : { kind: "embedded", dataDir: e.DATA_DIR },
    devTools: !devToolsOn
      ? { mode: "off" }
      : e.DEV_TOOLS_PASSWORD === undefined
        ? { mode: "open" }
        : { mode: "login", user: e.DEV_TOOLS_USER, password: e.DEV_TOOLS_PASSWORD },
  });
}

/**
 * An empty variable (`PORT=`) means "use the default", as in most twelve-factor tools; so
 * does one of only spaces (zod would read `PORT=" "` as the number 0).
 */
function stripEmpty(env: Environment): Environment {
  const out: Environment = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") out[key] = value;
  }
  return out;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === "object" && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}

/** Lazily read so that importing this module in a test never touches the real environment. */
export function loadConfig(): TickroomConfig {
  return parseConfig(process.env);
}
