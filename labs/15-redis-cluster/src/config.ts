export interface Config {
  port: number;
  host: string;
  /** The one Redis the app starts on (REDIS_URL). */
  redisUrl: string;
  /** The cluster's seed nodes (REDIS_CLUSTER_URL, comma-separated redis:// URLs). */
  clusterNodes: string[];
  /** WORKBOOK_NS: every key the app writes, queues included, must contain it (the tests give each run its own). */
  namespace: string;
  /** How long a session lives, in seconds. */
  sessionTtlSeconds: number;
  /** The cart writes one user may make per minute, and per hour. */
  limitPerMinute: number;
  limitPerHour: number;
  /** A request whose Redis work takes longer than this gets 503 (ms). */
  storeDeadlineMs: number;
  /** Whether this process runs the queues' workers (RUN_WORKERS=0: it only adds jobs). */
  runWorkers: boolean;
}

function whole(raw: string | undefined, fallback: number, name: string, min: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number from ${min}, got "${raw}"`);
  return Number(raw);
}

/**
 * PORT, HOST, REDIS_URL, REDIS_CLUSTER_URL, WORKBOOK_NS, SESSION_TTL_SECONDS (default 1800),
 * LIMIT_PER_MINUTE (default 60), LIMIT_PER_HOUR (default 600), STORE_DEADLINE_MS (default 15000),
 * RUN_WORKERS (default 1; 0 runs no queue worker).
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: whole(env.PORT, 3000, "PORT", 0),
    host: env.HOST ?? "127.0.0.1",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    clusterNodes: (env.REDIS_CLUSTER_URL ?? "redis://127.0.0.1:7000,redis://127.0.0.1:7001,redis://127.0.0.1:7002")
      .split(",")
      .map((url) => url.trim())
      .filter(Boolean),
    namespace: env.WORKBOOK_NS || "wb15",
    sessionTtlSeconds: whole(env.SESSION_TTL_SECONDS, 1800, "SESSION_TTL_SECONDS", 1),
    limitPerMinute: whole(env.LIMIT_PER_MINUTE, 60, "LIMIT_PER_MINUTE", 1),
    limitPerHour: whole(env.LIMIT_PER_HOUR, 600, "LIMIT_PER_HOUR", 1),
    storeDeadlineMs: whole(env.STORE_DEADLINE_MS, 15_000, "STORE_DEADLINE_MS", 1),
    runWorkers: env.RUN_WORKERS !== "0",
  };
}
