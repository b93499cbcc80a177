/**
 * Settings for the API and the worker, read from the environment once at start-up.
 * Tests and the bench set these variables on the processes they start.
 */

/** How a welcome-email job is retried when the provider fails. */
export interface RetrySettings {
  /** Total tries, the first one included. */
  attempts: number;
  /** The first retry waits this long; an exponential backoff doubles it each time. */
  backoffDelayMs: number;
}

/** How the worker takes and protects jobs. */
export interface WorkerSettings {
  /** Jobs one worker process runs at the same time. */
  concurrency: number;
  /** How long a job's lock lasts; a running worker renews it every lockDurationMs / 2. */
  lockDurationMs: number;
  /** How often a worker looks for jobs whose lock expired (their worker died). */
  stalledIntervalMs: number;
}

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  mongoUrl: string;
  /** Unique per run: the MongoDB database name and the BullMQ key prefix. */
  namespace: string;
  /** Base URL of the email provider's HTTP API. */
  emailUrl: string;
  retry: RetrySettings;
  worker: WorkerSettings;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: positiveInt(env, "PORT", 3000),
    host: env.HOST ?? "127.0.0.1",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    mongoUrl: env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true",
    namespace: env.WORKBOOK_NS ?? "wb_local",
    emailUrl: env.EMAIL_URL ?? "http://127.0.0.1:4000",
    retry: {
      attempts: positiveInt(env, "WELCOME_ATTEMPTS", 5),
      backoffDelayMs: positiveInt(env, "WELCOME_BACKOFF_MS", 1000),
    },
    worker: {
      concurrency: positiveInt(env, "WORKER_CONCURRENCY", 4),
      // BullMQ's own defaults (30 s). Tests lower them so a killed worker's job comes back in seconds.
      lockDurationMs: positiveInt(env, "WORKER_LOCK_DURATION_MS", 30_000),
      stalledIntervalMs: positiveInt(env, "WORKER_STALLED_INTERVAL_MS", 30_000),
    },
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
