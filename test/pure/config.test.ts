import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CONFIG_VARIABLES, type Environment, loadConfig, parseConfig, type TickroomConfig } from "../../server/config.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
const configSource = readFileSync(join(projectRoot, "server", "config.ts"), "utf8");

const SECRET = "s".repeat(32);
const PASSWORD = "correct-horse";
const REDIS = "redis://cache.internal:6379";

/** The auth secret is random per parse unless configured; replace it to compare the rest. */
function withoutSecret(config: TickroomConfig): unknown {
  return { ...config, auth: { ...config.auth, secret: "<secret>" } };
}

/** Every leaf of the config, keyed by its dotted path ("rooms.queue.maxGap"). */
function leaves(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix === "" ? key : `${prefix}.${key}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** Dotted paths whose value differs between two configs (the random secret aside). */
function changedFields(before: TickroomConfig, after: TickroomConfig): string[] {
  const a = leaves(withoutSecret(before));
  const b = leaves(withoutSecret(after));
  return [...new Set([...a.keys(), ...b.keys()])].filter((path) => !Object.is(a.get(path), b.get(path))).sort();
}

function field(config: TickroomConfig, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

/** Asserts parsing fails with one "invalid configuration" error; returns its message. */
function rejection(env: Environment): string {
  let message: string | undefined;
  assert.throws(
    () => parseConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof Error);
      message = error.message;
      return true;
    },
  );
  assert.match(message!, /^invalid configuration:\n/);
  return message!;
}

/** The variables an error message names, one per `  NAME="value": reason` (or `NAME (hidden):`, or `NAME:`) line. */
function namedVariables(message: string): string[] {
  return [...message.matchAll(/^ {2}([A-Z0-9_]+)(?=[=: ])/gm)].map((match) => match[1]!);
}

describe("config defaults (README's Configuration and Scaling out tables)", () => {
  // Written from README.md's tables, not from server/config.ts.
  const documented = {
    port: 2567,
    host: "0.0.0.0",
    shutdownTimeoutMs: 10_000,
    transport: { pingIntervalMs: 3000, maxPayloadBytes: 4096, maxBufferedBytes: 262_144, stallMs: 3000, joinTimeoutMs: 5000 },
    rooms: {
      reconnectionSeconds: 20,
      maxRoomsPerProcess: 2000,
      queue: { teamSizes: { arena: 2 }, baseGap: 100, gapPerSecond: 50, maxGap: 1000 },
      recording: { matches: "declared", keyframeSeconds: 5, maxMinutes: 30 },
    },
    recordings: { retentionDays: 30, inMemory: 20 },
    maxEventLoopDelayMs: 250,
    metrics: { enabled: true, token: undefined },
    webClient: { enabled: true, dir: join(projectRoot, "dist", "client") },
    launcher: { processes: 2, publicHost: "127.0.0.1" },
    cluster: undefined,
    http: {
      maxBodyBytes: 8192,
      perAddressPerSecond: 10,
      perAddressBurst: 30,
      requestTimeoutMs: 10_000,
      headersTimeoutMs: 5000,
      maxConnectionsPerAddress: 100,
    },
    auth: { secret: "<secret>", required: false, tokenTtlSeconds: 86_400 },
    store: { kind: "embedded", dataDir: join(projectRoot, "data") },
    devTools: { mode: "open" },
  };

  it("an empty environment gives every documented default", () => {
    assert.deepEqual(withoutSecret(parseConfig({})), documented);
  });

  it("the web client is served from the project's dist/client", () => {
    assert.equal(parseConfig({}).webClient.dir, join(projectRoot, "dist", "client"));
  });

  it("without REDIS_URL there is no cluster: presence and driver stay in-process", () => {
    assert.equal(parseConfig({}).cluster, undefined);
  });

  it("outside production the dev tools are open and metrics need no token", () => {
    const config = parseConfig({ NODE_ENV: "development" });
    assert.deepEqual(config.devTools, { mode: "open" });
    assert.deepEqual(config.metrics, { enabled: true, token: undefined });
  });
});

describe("config variables map to their fields", () => {
  /**
   * Setting `variable` to `value` on top of `base` changes `path` to `expected`, and
   * nothing outside `path` (so a knob cannot silently land on a neighbour's field).
   */
  const knobs: { variable: string; value: string; path: string; expected: unknown; base?: Environment }[] = [
    { variable: "PORT", value: "8080", path: "port", expected: 8080 },
    { variable: "PORT", value: "0", path: "port", expected: 0 },
    { variable: "HOST", value: "127.0.0.1", path: "host", expected: "127.0.0.1" },
    { variable: "RECONNECTION_WINDOW_SECONDS", value: "7", path: "rooms.reconnectionSeconds", expected: 7 },
    { variable: "SHUTDOWN_TIMEOUT_SECONDS", value: "3", path: "shutdownTimeoutMs", expected: 3000 },
    { variable: "WS_PING_INTERVAL_MS", value: "1500", path: "transport.pingIntervalMs", expected: 1500 },
    { variable: "WS_MAX_PAYLOAD_BYTES", value: "8192", path: "transport.maxPayloadBytes", expected: 8192 },
    { variable: "WS_MAX_BUFFERED_BYTES", value: "65536", path: "transport.maxBufferedBytes", expected: 65_536 },
    { variable: "WS_STALL_SECONDS", value: "0.5", path: "transport.stallMs", expected: 500 },
    { variable: "WS_JOIN_TIMEOUT_SECONDS", value: "2", path: "transport.joinTimeoutMs", expected: 2000 },
    { variable: "HTTP_REQUEST_TIMEOUT_SECONDS", value: "20", path: "http.requestTimeoutMs", expected: 20_000 },
    { variable: "HTTP_HEADERS_TIMEOUT_SECONDS", value: "2", path: "http.headersTimeoutMs", expected: 2000 },
    { variable: "HTTP_MAX_CONNECTIONS_PER_ADDRESS", value: "7", path: "http.maxConnectionsPerAddress", expected: 7 },
    { variable: "MAX_ROOMS_PER_PROCESS", value: "50", path: "rooms.maxRoomsPerProcess", expected: 50 },
    { variable: "MAX_EVENT_LOOP_DELAY_MS", value: "100", path: "maxEventLoopDelayMs", expected: 100 },
    { variable: "QUEUE_ARENA_TEAM_SIZE", value: "3", path: "rooms.queue.teamSizes.arena", expected: 3 },
    { variable: "QUEUE_BASE_GAP", value: "150", path: "rooms.queue.baseGap", expected: 150 },
    { variable: "QUEUE_GAP_PER_SECOND", value: "12.5", path: "rooms.queue.gapPerSecond", expected: 12.5 },
    { variable: "QUEUE_MAX_GAP", value: "400", path: "rooms.queue.maxGap", expected: 400 },
    { variable: "RECORD_MATCHES", value: "all", path: "rooms.recording.matches", expected: "all" },
    { variable: "RECORDING_KEYFRAME_SECONDS", value: "2.5", path: "rooms.recording.keyframeSeconds", expected: 2.5 },
    { variable: "RECORDING_MAX_MINUTES", value: "12", path: "rooms.recording.maxMinutes", expected: 12 },
    { variable: "RECORDING_RETENTION_DAYS", value: "7", path: "recordings.retentionDays", expected: 7 },
    { variable: "RECORDINGS_IN_MEMORY", value: "3", path: "recordings.inMemory", expected: 3 },
    { variable: "AUTH_SECRET", value: SECRET, path: "auth.secret", expected: SECRET },
    { variable: "AUTH_REQUIRED", value: "true", path: "auth.required", expected: true },
    { variable: "AUTH_TOKEN_TTL_SECONDS", value: "3600", path: "auth.tokenTtlSeconds", expected: 3600 },
    { variable: "HTTP_MAX_BODY_BYTES", value: "1024", path: "http.maxBodyBytes", expected: 1024 },
    { variable: "HTTP_RATE_PER_SECOND", value: "2.5", path: "http.perAddressPerSecond", expected: 2.5 },
    { variable: "HTTP_RATE_BURST", value: "5", path: "http.perAddressBurst", expected: 5 },
    { variable: "WEB_CLIENT_ENABLED", value: "false", path: "webClient.enabled", expected: false },
    { variable: "WEB_CLIENT_DIR", value: "/srv/tickroom/client", path: "webClient.dir", expected: "/srv/tickroom/client" },
    { variable: "METRICS_ENABLED", value: "0", path: "metrics.enabled", expected: false },
    { variable: "METRICS_TOKEN", value: "m".repeat(16), path: "metrics.token", expected: "m".repeat(16) },
    { variable: "DEV_TOOLS", value: "off", path: "devTools", expected: { mode: "off" } },
    { variable: "DEV_TOOLS_PASSWORD", value: PASSWORD, path: "devTools", expected: { mode: "login", user: "admin", password: PASSWORD } },
    { variable: "DEV_TOOLS_USER", value: "ops", path: "devTools.user", expected: "ops", base: { DEV_TOOLS_PASSWORD: PASSWORD } },
    { variable: "NODE_ENV", value: "production", path: "devTools", expected: { mode: "off" }, base: { AUTH_SECRET: SECRET } },
    { variable: "STORE_ENABLED", value: "false", path: "store", expected: { kind: "off" } },
    { variable: "DATA_DIR", value: "/var/lib/tickroom", path: "store.dataDir", expected: "/var/lib/tickroom" },
    {
      variable: "DATABASE_URL",
      value: "postgres://game@db:5432/tickroom",
      path: "store",
      expected: { kind: "postgres", url: "postgres://game@db:5432/tickroom", dataDir: join(projectRoot, "data") },
    },
    { variable: "PUBLIC_HOST", value: "10.0.0.7", path: "launcher.publicHost", expected: "10.0.0.7" },
    { variable: "CLUSTER_PROCESSES", value: "4", path: "launcher.processes", expected: 4 },
    {
      variable: "REDIS_URL",
      value: REDIS,
      path: "cluster",
      expected: {
        redisUrl: REDIS,
        publicAddress: "127.0.0.1:2567",
        processCheckIntervalMs: 5000,
        checkpointMs: 1000,
        internalAddress: undefined,
        failoverDetectMs: 3000,
      },
    },
    { variable: "PUBLIC_ADDRESS", value: "game-3.example.com", path: "cluster.publicAddress", expected: "game-3.example.com", base: { REDIS_URL: REDIS } },
    { variable: "PROCESS_CHECK_INTERVAL_SECONDS", value: "2", path: "cluster.processCheckIntervalMs", expected: 2000, base: { REDIS_URL: REDIS } },
    { variable: "CHECKPOINT_SECONDS", value: "0.5", path: "cluster.checkpointMs", expected: 500, base: { REDIS_URL: REDIS } },
    { variable: "FAILOVER_DETECT_SECONDS", value: "10", path: "cluster.failoverDetectMs", expected: 10_000, base: { REDIS_URL: REDIS } },
    { variable: "INTERNAL_ADDRESS", value: "10.0.0.7:2568", path: "cluster.internalAddress", expected: "10.0.0.7:2568", base: { REDIS_URL: REDIS } },
  ];

  for (const { variable, value, path, expected, base = {} } of knobs) {
    const context = Object.keys(base).length === 0 ? "" : ` (with ${Object.keys(base).join(", ")})`;
    it(`${variable}=${value} sets ${path}${context}`, () => {
      const before = parseConfig(base);
      const after = parseConfig({ ...base, [variable]: value });
      assert.deepEqual(field(after, path), expected);
      const outside = changedFields(before, after).filter((changed) => changed !== path && !changed.startsWith(`${path}.`));
      assert.deepEqual(outside, [], `${variable} also changed other fields`);
    });
  }

  it("every variable the schema knows has a case above", () => {
    const covered = new Set(knobs.map((knob) => knob.variable));
    assert.deepEqual(
      CONFIG_VARIABLES.filter((variable) => !covered.has(variable)),
      [],
    );
  });

  it("fractional seconds are kept, and converted exactly where the config wants milliseconds", () => {
    const config = parseConfig({
      RECONNECTION_WINDOW_SECONDS: "2.5",
      SHUTDOWN_TIMEOUT_SECONDS: "0.5",
      PROCESS_CHECK_INTERVAL_SECONDS: "1.5",
      REDIS_URL: REDIS,
    });
    assert.equal(config.rooms.reconnectionSeconds, 2.5);
    assert.equal(config.shutdownTimeoutMs, 500);
    assert.equal(config.cluster?.processCheckIntervalMs, 1500);
  });

  it("accepts the values at both ends of each range", () => {
    const low = parseConfig({
      PORT: "0",
      RECONNECTION_WINDOW_SECONDS: "0",
      SHUTDOWN_TIMEOUT_SECONDS: "0",
      WS_PING_INTERVAL_MS: "0",
      WS_MAX_PAYLOAD_BYTES: "256",
      WS_MAX_BUFFERED_BYTES: "16384",
      METRICS_TOKEN: "t".repeat(16),
      DEV_TOOLS_PASSWORD: "p".repeat(12),
      AUTH_SECRET: "a".repeat(32),
      AUTH_TOKEN_TTL_SECONDS: "60",
      HTTP_MAX_BODY_BYTES: "256",
      HTTP_RATE_PER_SECOND: "0",
      HTTP_RATE_BURST: "1",
      MAX_ROOMS_PER_PROCESS: "1",
      CLUSTER_PROCESSES: "1",
      PROCESS_CHECK_INTERVAL_SECONDS: "1",
      QUEUE_ARENA_TEAM_SIZE: "1",
      QUEUE_BASE_GAP: "0",
      QUEUE_GAP_PER_SECOND: "0",
      QUEUE_MAX_GAP: "0",
    });
    assert.equal(low.port, 0);
    assert.equal(low.transport.maxPayloadBytes, 256);
    assert.equal(low.auth.tokenTtlSeconds, 60);
    const high = parseConfig({
      PORT: "65535",
      RECONNECTION_WINDOW_SECONDS: "3600",
      SHUTDOWN_TIMEOUT_SECONDS: "3600",
      WS_PING_INTERVAL_MS: "60000",
      WS_MAX_PAYLOAD_BYTES: "1048576",
      WS_MAX_BUFFERED_BYTES: String(64 * 1_048_576),
      AUTH_TOKEN_TTL_SECONDS: String(30 * 86_400),
      HTTP_MAX_BODY_BYTES: "1048576",
      CLUSTER_PROCESSES: "64",
      PROCESS_CHECK_INTERVAL_SECONDS: "3600",
      QUEUE_ARENA_TEAM_SIZE: "8",
    });
    assert.equal(high.port, 65_535);
    assert.equal(high.shutdownTimeoutMs, 3_600_000);
    assert.equal(high.transport.maxBufferedBytes, 64 * 1_048_576);
  });
});

describe("config flags", () => {
  const flags = [
    { variable: "WEB_CLIENT_ENABLED", read: (config: TickroomConfig) => config.webClient.enabled },
    { variable: "METRICS_ENABLED", read: (config: TickroomConfig) => config.metrics.enabled },
    { variable: "AUTH_REQUIRED", read: (config: TickroomConfig) => config.auth.required },
  ];

  for (const { variable, read } of flags) {
    it(`${variable} accepts true/1 and false/0`, () => {
      for (const value of ["true", "1"]) assert.equal(read(parseConfig({ [variable]: value })), true, value);
      for (const value of ["false", "0"]) assert.equal(read(parseConfig({ [variable]: value })), false, value);
    });

    it(`${variable} refuses anything else rather than guessing`, () => {
      for (const value of ["yes", "on", "2"]) assert.deepEqual(namedVariables(rejection({ [variable]: value })), [variable], value);
    });
  }
});

describe("config: an empty variable means the default", () => {
  it("every variable set to the empty string parses as if unset", () => {
    const defaults = withoutSecret(parseConfig({}));
    for (const variable of CONFIG_VARIABLES) assert.deepEqual(withoutSecret(parseConfig({ [variable]: "" })), defaults, variable);
  });

  it("so does a value of only spaces (a number would otherwise read as 0)", () => {
    const defaults = withoutSecret(parseConfig({}));
    for (const variable of CONFIG_VARIABLES) assert.deepEqual(withoutSecret(parseConfig({ [variable]: "  " })), defaults, variable);
  });

  it("all of them empty at once, too", () => {
    const env = Object.fromEntries(CONFIG_VARIABLES.map((variable) => [variable, ""]));
    assert.deepEqual(withoutSecret(parseConfig(env)), withoutSecret(parseConfig({})));
  });

  it("an empty AUTH_SECRET in production is missing, not a secret", () => {
    assert.deepEqual(namedVariables(rejection({ NODE_ENV: "production", AUTH_SECRET: "" })), ["AUTH_SECRET"]);
  });
});

describe("config: invalid values", () => {
  const invalid: [variable: string, value: string][] = [
    ["PORT", "abc"],
    ["PORT", "65536"],
    ["PORT", "-1"],
    ["PORT", "80.5"],
    ["RECONNECTION_WINDOW_SECONDS", "-1"],
    ["RECONNECTION_WINDOW_SECONDS", "3601"],
    ["SHUTDOWN_TIMEOUT_SECONDS", "3601"],
    ["SHUTDOWN_TIMEOUT_SECONDS", "ten"],
    ["WS_PING_INTERVAL_MS", "60001"],
    ["WS_MAX_PAYLOAD_BYTES", "1"],
    ["WS_MAX_PAYLOAD_BYTES", "255"],
    ["WS_MAX_PAYLOAD_BYTES", "1048577"],
    ["WS_MAX_BUFFERED_BYTES", "16383"],
    ["WS_MAX_BUFFERED_BYTES", String(64 * 1_048_576 + 1)],
    ["WS_STALL_SECONDS", "0"],
    ["WS_STALL_SECONDS", "61"],
    ["WS_JOIN_TIMEOUT_SECONDS", "0"],
    ["HTTP_REQUEST_TIMEOUT_SECONDS", "0.5"],
    ["HTTP_MAX_CONNECTIONS_PER_ADDRESS", "0"],
    ["WEB_CLIENT_ENABLED", "yes"],
    ["METRICS_ENABLED", "enabled"],
    ["METRICS_TOKEN", "t".repeat(15)],
    ["DEV_TOOLS", "yes"],
    ["DEV_TOOLS_PASSWORD", "p".repeat(11)],
    ["AUTH_SECRET", "a".repeat(31)],
    ["AUTH_REQUIRED", "maybe"],
    ["AUTH_TOKEN_TTL_SECONDS", "59"],
    ["AUTH_TOKEN_TTL_SECONDS", String(30 * 86_400 + 1)],
    ["HTTP_MAX_BODY_BYTES", "255"],
    ["HTTP_RATE_PER_SECOND", "-1"],
    ["HTTP_RATE_PER_SECOND", "Infinity"],
    ["HTTP_RATE_BURST", "0"],
    ["HTTP_RATE_BURST", "1.5"],
    ["MAX_ROOMS_PER_PROCESS", "0"],
    ["MAX_EVENT_LOOP_DELAY_MS", "-1"],
    ["MAX_EVENT_LOOP_DELAY_MS", "soon"],
    ["REDIS_URL", "http://cache:6379"],
    ["REDIS_URL", "cache:6379"],
    ["PUBLIC_ADDRESS", "http://game.example.com"],
    ["PUBLIC_ADDRESS", "wss://game.example.com/p3"],
    ["PUBLIC_ADDRESS", "game example.com"],
    ["PUBLIC_HOST", "10.0.0.7:2567"],
    ["PUBLIC_HOST", "http://game.example.com"],
    ["CLUSTER_PROCESSES", "0"],
    ["CLUSTER_PROCESSES", "65"],
    ["PROCESS_CHECK_INTERVAL_SECONDS", "0"],
    ["PROCESS_CHECK_INTERVAL_SECONDS", "3601"],
    ["CHECKPOINT_SECONDS", "-1"],
    ["FAILOVER_DETECT_SECONDS", "0.1"],
    ["INTERNAL_ADDRESS", "10.0.0.7"],
    ["INTERNAL_ADDRESS", "http://10.0.0.7:2568"],
    ["QUEUE_ARENA_TEAM_SIZE", "0"],
    ["QUEUE_ARENA_TEAM_SIZE", "9"],
    ["QUEUE_BASE_GAP", "-1"],
    ["QUEUE_GAP_PER_SECOND", "-1"],
    ["QUEUE_MAX_GAP", "-1"],
  ];

  for (const [variable, value] of invalid) {
    it(`refuses ${variable}=${value}, naming it`, () => {
      assert.deepEqual(namedVariables(rejection({ [variable]: value })), [variable]);
    });
  }

  it("names every bad variable in one error", () => {
    const message = rejection({ PORT: "abc", WS_MAX_PAYLOAD_BYTES: "1", HOST: "localhost" });
    assert.deepEqual(namedVariables(message), ["PORT", "WS_MAX_PAYLOAD_BYTES"]);
  });

  it("names all of them when every variable is bad at once", () => {
    const env = Object.fromEntries(invalid);
    assert.deepEqual(namedVariables(rejection(env)).sort(), Object.keys(env).sort());
  });

  it("explains the length rules for tokens, passwords and secrets", () => {
    assert.match(rejection({ METRICS_TOKEN: "short" }), /METRICS_TOKEN \(hidden\): use at least 16 characters/);
    assert.match(rejection({ DEV_TOOLS_PASSWORD: "short" }), /DEV_TOOLS_PASSWORD \(hidden\): use at least 12 characters/);
    assert.match(rejection({ AUTH_SECRET: "short" }), /AUTH_SECRET \(hidden\): use at least 32 characters/);
  });

  it("shows each bad value that is not a secret, so the line says what to fix", () => {
    const message = rejection({ PORT: "abc", METRICS_ENABLED: "maybe" });
    assert.match(message, /^ {2}PORT="abc": /m);
    assert.match(message, /^ {2}METRICS_ENABLED="maybe": /m);
  });

  it("lists every problem between variables in one block, not the first alone", () => {
    const message = rejection({ NODE_ENV: "production", HTTP_HEADERS_TIMEOUT_SECONDS: "60", HTTP_REQUEST_TIMEOUT_SECONDS: "30" });
    assert.deepEqual(namedVariables(message), ["AUTH_SECRET", "HTTP_HEADERS_TIMEOUT_SECONDS"]);
  });

  it("does not echo a rejected secret into the message (it ends up in logs)", () => {
    const secrets = { METRICS_TOKEN: "tok-3f9a1c", DEV_TOOLS_PASSWORD: "pw-77b2e0", AUTH_SECRET: "sec-0d4e19", REDIS_URL: "http://:pw-c0ffee@cache:6379" };
    const message = rejection(secrets);
    for (const leaked of ["tok-3f9a1c", "pw-77b2e0", "sec-0d4e19", "pw-c0ffee"]) assert.ok(!message.includes(leaked), leaked);
  });

  it("is strict about variable names: a lowercase `port` is someone else's variable", () => {
    assert.equal(parseConfig({ port: "abc" }).port, 2567);
  });
});

describe("config: rules across variables", () => {
  it("production without AUTH_SECRET refuses to start", () => {
    const message = rejection({ NODE_ENV: "production" });
    assert.deepEqual(namedVariables(message), ["AUTH_SECRET"]);
    assert.match(message, /required with NODE_ENV=production/);
  });

  it("production with AUTH_SECRET uses it", () => {
    assert.equal(parseConfig({ NODE_ENV: "production", AUTH_SECRET: SECRET }).auth.secret, SECRET);
  });

  it("a headers timeout longer than the request timeout refuses (Node would)", () => {
    const message = rejection({ HTTP_HEADERS_TIMEOUT_SECONDS: "20", HTTP_REQUEST_TIMEOUT_SECONDS: "10" });
    assert.deepEqual(namedVariables(message), ["HTTP_HEADERS_TIMEOUT_SECONDS"]);
    assert.equal(parseConfig({ HTTP_HEADERS_TIMEOUT_SECONDS: "10", HTTP_REQUEST_TIMEOUT_SECONDS: "10" }).http.headersTimeoutMs, 10_000);
  });

  it("REDIS_URL with PORT=0 and no PUBLIC_ADDRESS refuses: the address cannot be known", () => {
    const message = rejection({ REDIS_URL: REDIS, PORT: "0" });
    assert.deepEqual(namedVariables(message), ["PUBLIC_ADDRESS"]);
    assert.match(message, /required with REDIS_URL when PORT is 0/);
  });

  it("REDIS_URL with PORT=0 is fine given a PUBLIC_ADDRESS", () => {
    const config = parseConfig({ REDIS_URL: REDIS, PORT: "0", PUBLIC_ADDRESS: "game-3.example.com" });
    assert.equal(config.port, 0);
    assert.equal(config.cluster?.publicAddress, "game-3.example.com");
  });

  it("PORT=0 without REDIS_URL is fine (single process, any free port)", () => {
    assert.equal(parseConfig({ PORT: "0" }).cluster, undefined);
  });

  it("REDIS_URL derives the public address from PUBLIC_HOST:PORT", () => {
    const config = parseConfig({ REDIS_URL: REDIS, PUBLIC_HOST: "10.0.0.7", PORT: "2568" });
    assert.deepEqual(config.cluster, {
      redisUrl: REDIS,
      publicAddress: "10.0.0.7:2568",
      processCheckIntervalMs: 5000,
      checkpointMs: 1000,
      internalAddress: undefined,
      failoverDetectMs: 3000,
    });
  });

  it("PUBLIC_ADDRESS wins over PUBLIC_HOST:PORT, in each documented form", () => {
    for (const address of ["game-3.example.com", "play.example.com/p3", "10.0.0.5:2567", "play.example.com:443/p3"]) {
      const config = parseConfig({ REDIS_URL: REDIS, PUBLIC_HOST: "10.0.0.7", PUBLIC_ADDRESS: address });
      assert.equal(config.cluster?.publicAddress, address);
    }
  });

  it("accepts rediss:// (TLS) URLs", () => {
    assert.equal(parseConfig({ REDIS_URL: "rediss://:pw@cache:6380/13" }).cluster?.redisUrl, "rediss://:pw@cache:6380/13");
  });

  it("without REDIS_URL, PUBLIC_ADDRESS and PROCESS_CHECK_INTERVAL_SECONDS change nothing", () => {
    const config = parseConfig({ PUBLIC_ADDRESS: "game-3.example.com", PROCESS_CHECK_INTERVAL_SECONDS: "2" });
    assert.deepEqual(withoutSecret(config), withoutSecret(parseConfig({})));
  });

  it("DEV_TOOLS=on in production without a password refuses to start", () => {
    const message = rejection({ NODE_ENV: "production", AUTH_SECRET: SECRET, DEV_TOOLS: "on" });
    assert.deepEqual(namedVariables(message), ["DEV_TOOLS"]);
    assert.match(message, /DEV_TOOLS_PASSWORD/);
  });

  it("DEV_TOOLS=on in production with a password asks for the login", () => {
    const config = parseConfig({ NODE_ENV: "production", AUTH_SECRET: SECRET, DEV_TOOLS: "on", DEV_TOOLS_USER: "ops", DEV_TOOLS_PASSWORD: PASSWORD });
    assert.deepEqual(config.devTools, { mode: "login", user: "ops", password: PASSWORD });
  });

  it("DEV_TOOLS=auto in production is off, even with a password (turning them on takes DEV_TOOLS=on)", () => {
    assert.deepEqual(parseConfig({ NODE_ENV: "production", AUTH_SECRET: SECRET }).devTools, { mode: "off" });
    assert.deepEqual(parseConfig({ NODE_ENV: "production", AUTH_SECRET: SECRET, DEV_TOOLS_PASSWORD: PASSWORD }).devTools, { mode: "off" });
  });

  it("DEV_TOOLS=auto outside production is open, or asks for the login when a password is set", () => {
    for (const nodeEnv of ["development", "test", "staging"]) {
      assert.deepEqual(parseConfig({ NODE_ENV: nodeEnv }).devTools, { mode: "open" }, nodeEnv);
      assert.deepEqual(
        parseConfig({ NODE_ENV: nodeEnv, DEV_TOOLS_PASSWORD: PASSWORD }).devTools,
        { mode: "login", user: "admin", password: PASSWORD },
        nodeEnv,
      );
    }
  });

  it("DEV_TOOLS=on outside production without a password is open", () => {
    assert.deepEqual(parseConfig({ DEV_TOOLS: "on" }).devTools, { mode: "open" });
  });

  it("DEV_TOOLS=off stays off, password or not, production or not", () => {
    for (const env of [{}, { DEV_TOOLS_PASSWORD: PASSWORD }, { NODE_ENV: "production", AUTH_SECRET: SECRET, DEV_TOOLS_PASSWORD: PASSWORD }]) {
      assert.deepEqual(parseConfig({ ...env, DEV_TOOLS: "off" }).devTools, { mode: "off" });
    }
  });
});

describe("config: the auth secret outside production", () => {
  it("is generated when AUTH_SECRET is unset: 32+ characters", () => {
    assert.ok(parseConfig({}).auth.secret.length >= 32);
  });

  it("is different on each parse (a new one per boot)", () => {
    const secrets = new Set(Array.from({ length: 5 }, () => parseConfig({}).auth.secret));
    assert.equal(secrets.size, 5);
  });

  it("is AUTH_SECRET, verbatim, when set", () => {
    assert.equal(parseConfig({ AUTH_SECRET: SECRET }).auth.secret, SECRET);
  });
});

describe("config: the result", () => {
  const full = parseConfig({ REDIS_URL: REDIS, DEV_TOOLS_PASSWORD: PASSWORD, METRICS_TOKEN: "m".repeat(16) });

  it("is frozen all the way down", () => {
    const visit = (value: object, path: string): void => {
      assert.ok(Object.isFrozen(value), `${path} is not frozen`);
      for (const [key, child] of Object.entries(value)) if (typeof child === "object" && child !== null) visit(child, `${path}.${key}`);
    };
    visit(full, "config");
  });

  it("throws on assignment to a nested field (modules are strict)", () => {
    assert.throws(() => {
      (full.rooms.queue as { maxGap: number }).maxGap = 1;
    }, TypeError);
    assert.throws(() => {
      (full.cluster as { redisUrl: string }).redisUrl = "redis://elsewhere";
    }, TypeError);
    assert.throws(() => {
      (full as { port: number }).port = 1;
    }, TypeError);
    assert.equal(full.rooms.queue.maxGap, 1000);
  });

  it("ignores the rest of a real environment", () => {
    const env = {
      PATH: "/usr/local/bin:/usr/bin",
      HOME: "/home/tickroom",
      LANG: "C.UTF-8",
      TERM: "xterm-256color",
      npm_config_cache: "/tmp/npm",
      NODE_OPTIONS: "--max-old-space-size=512",
      DEBUG: "colyseus:*",
      CI: "true",
      PORT: "3000",
    };
    assert.deepEqual(withoutSecret(parseConfig(env)), withoutSecret(parseConfig({ PORT: "3000" })));
  });

  it("leaves the environment it was given untouched", () => {
    const env: Environment = { PORT: "", HOST: "127.0.0.1", UNRELATED: "x" };
    parseConfig(env);
    assert.deepEqual(env, { PORT: "", HOST: "127.0.0.1", UNRELATED: "x" });
  });
});

describe("loadConfig", () => {
  function withPort<T>(value: string, run: () => T): T {
    const saved = process.env.PORT;
    process.env.PORT = value;
    try {
      return run();
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  }

  it("reads process.env, on every call", () => {
    assert.equal(
      withPort("3456", () => loadConfig().port),
      3456,
    );
    assert.equal(
      withPort("3457", () => loadConfig().port),
      3457,
    );
  });

  it("refuses a bad value in process.env, naming it", () => {
    withPort("abc", () => assert.throws(() => loadConfig(), /invalid configuration:\n(.*\n)* {2}PORT="abc": /));
  });
});

describe("config documentation", () => {
  /** `NAME`s in the first column of README tables headed "variable", within one "## " section. */
  function documentedVariables(heading: string): string[] {
    const start = readme.indexOf(`\n## ${heading}\n`);
    assert.notEqual(start, -1, `README.md has no "## ${heading}" section`);
    const next = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, next === -1 ? undefined : next);
    const names: string[] = [];
    let inVariableTable = false;
    for (const line of section.split("\n")) {
      if (!line.startsWith("|")) {
        inVariableTable = false;
        continue;
      }
      const firstCell = line.split("|")[1]!.trim();
      if (firstCell === "variable") inVariableTable = true;
      else if (inVariableTable) names.push(...[...firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]!));
    }
    assert.ok(names.length > 0, `no variable table in "## ${heading}"`);
    return names;
  }

  const readmeVariables = [...documentedVariables("Configuration"), ...documentedVariables("Scaling out")];

  it("README's tables list every variable the schema reads", () => {
    const listed = new Set(readmeVariables);
    assert.deepEqual(
      CONFIG_VARIABLES.filter((variable) => !listed.has(variable)),
      [],
      "in server/config.ts but not in README.md",
    );
  });

  it("the schema reads every variable README's tables list", () => {
    const known = new Set(CONFIG_VARIABLES);
    assert.deepEqual(
      readmeVariables.filter((variable) => !known.has(variable)),
      [],
      "in README.md but not in server/config.ts",
    );
  });

  it("README's tables list each variable once", () => {
    assert.deepEqual(
      readmeVariables.filter((variable, index) => readmeVariables.indexOf(variable) !== index),
      [],
    );
  });

  it("each variable in the schema has a JSDoc comment with exactly one @default", () => {
    const start = configSource.indexOf("const environmentSchema = z.object({");
    assert.notEqual(start, -1, "server/config.ts has no environmentSchema");
    const lines = configSource.slice(start, configSource.indexOf("\n});", start)).split("\n");
    for (const variable of CONFIG_VARIABLES) {
      const at = lines.findIndex((line) => line.startsWith(`  ${variable}:`));
      assert.notEqual(at, -1, `${variable} not found in the schema's source`);
      const comment: string[] = [];
      for (let index = at - 1; index >= 0; index--) {
        const line = lines[index]!.trim();
        if (!line.startsWith("/**") && !line.startsWith("*")) break;
        comment.unshift(line);
        if (line.startsWith("/**")) break;
      }
      const text = comment.join("\n");
      assert.ok(text.startsWith("/**") && text.endsWith("*/"), `${variable} has no JSDoc comment right above it`);
      assert.equal(text.match(/@default\b/g)?.length ?? 0, 1, `${variable}: ${text}`);
    }
  });
});
