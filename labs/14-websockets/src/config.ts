// Settings of one instance, from the environment. Tests and the bench pass their own.
export interface Config {
  port: number;
  host: string;
  /** This instance's name, in the hello message and in /stats. */
  instance: string;
  redisUrl: string;
  /** Put in front of every Redis key, so runs can share one Redis. */
  namespace: string;
  /** Pages allowed to open the feed: exact origins, e.g. "https://shop.example". */
  allowedOrigins: string[];
  /** How many recent updates a reconnecting client can catch up on. */
  replayWindow: number;
  /** How many bytes may wait in one socket's send buffer before that client counts as too slow. */
  maxBufferedBytes: number;
  /** Over how many milliseconds a stopping instance closes its sockets. */
  drainWindowMs: number;
  sessionTtlSeconds: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number (got "${raw}")`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: positiveInt(env, "PORT", 3000),
    host: env.HOST || "127.0.0.1",
    instance: env.INSTANCE || `app-${process.pid}`,
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    namespace: env.WORKBOOK_NS || "wb14",
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "http://localhost:3000,https://shop.example")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    replayWindow: positiveInt(env, "REPLAY_WINDOW", 1000),
    maxBufferedBytes: positiveInt(env, "MAX_BUFFERED_BYTES", 1024 * 1024),
    drainWindowMs: positiveInt(env, "DRAIN_WINDOW_MS", 10_000),
    sessionTtlSeconds: positiveInt(env, "SESSION_TTL_SECONDS", 3600),
  };
}
