/**
 * Settings for the API and the worker, read from the environment once at start-up.
 * The OpenTelemetry settings (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, TRACE_SAMPLE_RATIO)
 * are read by src/telemetry.ts, which runs before this file is ever loaded.
 */
export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  mongoUrl: string;
  /** Unique per run: the MongoDB database name and the BullMQ key prefix. */
  namespace: string;
  /** Base URL of the email provider's HTTP API, which the worker calls. */
  emailUrl: string;
  /** Jobs one worker process runs at the same time. */
  concurrency: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: positiveInt(env, "PORT", 3000),
    host: env.HOST ?? "127.0.0.1",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    mongoUrl: env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true",
    namespace: env.WORKBOOK_NS ?? "wb_local",
    emailUrl: env.EMAIL_URL ?? "http://127.0.0.1:4000",
    concurrency: positiveInt(env, "WORKER_CONCURRENCY", 4),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
