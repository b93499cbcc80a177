/**
 * Settings of one process (API instance or worker), read from the environment once at start-up.
 * A missing or invalid variable stops the process with a message that names it.
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

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got "${raw}"`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const namespace = required(env, "WORKBOOK_NS", "the kit sets it (npm run lab -- start 17); by hand, any short name such as wb_local");
  if (!/^[A-Za-z0-9_-]{1,48}$/.test(namespace)) throw new ConfigError(`WORKBOOK_NS must be 1-48 letters, digits, _ or -, got "${namespace}"`);
  const adminToken = required(env, "ADMIN_TOKEN", "choose a secret of at least 16 characters");
  if (adminToken.length < 16) throw new ConfigError("ADMIN_TOKEN must be at least 16 characters long");
  return {
    port: port(env, "PORT", 3000),
    host: env.HOST || "127.0.0.1",
    mongoUrl: url(env, "MONGO_URL", ["mongodb:"], "the kit sets it; by hand, e.g. mongodb://127.0.0.1:27017"),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"], "the kit sets it; by hand, e.g. redis://127.0.0.1:6379"),
    namespace,
    emailUrl: url(env, "EMAIL_URL", ["http:", "https:"], "the email provider's base URL, e.g. http://127.0.0.1:4100"),
    instance: env.INSTANCE || `pid-${process.pid}`,
    adminToken,
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
