/**
 * Settings of one process (API instance or worker), read from the environment once at start-up.
 * A missing or invalid variable stops the process with a message that names it: a fleet where one
 * instance silently runs with a default nobody chose is harder to debug than one that refuses to start.
 */
export interface Config {
  port: number;
  host: string;
  mongoUrl: string;
  redisUrl: string;
  /** This run's namespace: the MongoDB database name, the Redis key prefix (`${ns}:`) and the BullMQ prefix. */
  namespace: string;
  /** Base URL of the email provider's HTTP API (POST /emails). */
  emailUrl: string;
  /** How this process names itself in logs and in the X-Instance header. */
  instance: string;
  /** The bearer token of the /admin routes. */
  adminToken: string;
  /** Signs order cursors; the same on every instance, or a cursor from one is refused by another. */
  secret: string;
  /** The provider's budget: the worker's BullMQ limiter stays under it across every worker. */
  emailCallsPerSecond: number;
  /** How often the worker refreshes the admin report's view. */
  reportRefreshMs: number;
  /** Per client: at most rateLimit requests in a window of rateWindowSeconds, counted in Redis for every instance. */
  rateLimit: number;
  rateWindowSeconds: number;
  /** Proxies in front of the app (HAProxy: 1). Decides which X-Forwarded-For entry is the client's address. */
  trustProxyHops: number;
  /** After SIGTERM: how long /health/ready answers 503 before the listener closes, so the balancer stops sending first. */
  drainDelayMs: number;
  sessionTtlSeconds: number;
  /** How long a cached product may live in Redis; writes overwrite it, so this only bounds memory and rare races. */
  productCacheSeconds: number;
  /** How long a cached category listing may live (a short TTL: listings are invalidated, not versioned). */
  listingCacheSeconds: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: ${hint}`);
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[], hint: string): string {
  const raw = required(env, name, hint);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must start with ${protocols.join(" or ")}, got "${raw}"`);
  return raw;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const namespace = required(env, "WORKBOOK_NS", "the kit sets it (npm run lab -- start 17); by hand, any short name such as wb_local");
  if (!/^[A-Za-z0-9_-]{1,48}$/.test(namespace)) throw new ConfigError(`WORKBOOK_NS must be 1-48 letters, digits, _ or -, got "${namespace}"`);
  const adminToken = required(env, "ADMIN_TOKEN", "choose a secret of at least 16 characters");
  if (adminToken.length < 16) throw new ConfigError("ADMIN_TOKEN must be at least 16 characters long");
  const secret = required(env, "SECRET", "32 or more random characters, the same for every instance (openssl rand -base64 32)");
  if (secret.length < 32) throw new ConfigError("SECRET must be at least 32 characters long");
  return {
    port: whole(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    mongoUrl: url(env, "MONGO_URL", ["mongodb:"], "the kit sets it; by hand, e.g. mongodb://127.0.0.1:27017"),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"], "the kit sets it; by hand, e.g. redis://127.0.0.1:6379"),
    namespace,
    emailUrl: url(env, "EMAIL_URL", ["http:", "https:"], "the email provider's base URL, e.g. http://127.0.0.1:4100"),
    instance: env.INSTANCE || `pid-${process.pid}`,
    adminToken,
    secret,
    emailCallsPerSecond: whole(env, "EMAIL_CALLS_PER_SECOND", 15, 1, 10_000),
    reportRefreshMs: whole(env, "REPORT_REFRESH_MS", 5000, 100, 3_600_000),
    rateLimit: whole(env, "RATE_LIMIT", 100, 1, 1_000_000),
    rateWindowSeconds: whole(env, "RATE_WINDOW_SECONDS", 10, 1, 3600),
    trustProxyHops: whole(env, "TRUST_PROXY_HOPS", 0, 0, 10),
    drainDelayMs: whole(env, "DRAIN_DELAY_MS", 3000, 0, 60_000),
    sessionTtlSeconds: whole(env, "SESSION_TTL_SECONDS", 86_400, 60, 30 * 86_400),
    productCacheSeconds: whole(env, "PRODUCT_CACHE_SECONDS", 60, 1, 86_400),
    listingCacheSeconds: whole(env, "LISTING_CACHE_SECONDS", 5, 1, 3600),
  };
}

/** readConfig, or exit(1) with the reason: a process must not start half-configured. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`configuration error: ${error.message}`);
    process.exit(1);
  }
}
