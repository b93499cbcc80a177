/** Everything the process reads from its environment, with the defaults a learner gets by hand. */
export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  mongoUrl: string;
  /** Prefix for Redis keys, client names and the BullMQ prefix; also the MongoDB database name. */
  namespace: string;
  /** How long readiness answers 503 before the listener closes, so a load balancer can notice. */
  drainDelayMs: number;
  /** The hard limit on a graceful shutdown; past it the process exits with code 1. */
  shutdownTimeoutMs: number;
}

function milliseconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of milliseconds, got "${raw}"`);
  return value;
}

export function readConfig(): Config {
  return {
    port: Number(process.env.PORT ?? 3000),
    host: process.env.HOST ?? "127.0.0.1",
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    mongoUrl: process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true",
    namespace: process.env.WORKBOOK_NS ?? "wb_local",
    drainDelayMs: milliseconds("DRAIN_DELAY_MS", 500),
    shutdownTimeoutMs: milliseconds("SHUTDOWN_TIMEOUT_MS", 10_000),
  };
}
