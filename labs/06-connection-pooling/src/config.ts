/** Everything the process reads from its environment, checked once at start-up. */
export interface Config {
  port: number;
  host: string;
  mongoUrl: string;
  dbName: string;
  // TODO(2): add the pool settings here (maxPoolSize, minPoolSize, serverSelectionTimeoutMS,
  // maxIdleTimeMS), read from MONGO_MAX_POOL_SIZE, MONGO_MIN_POOL_SIZE,
  // MONGO_SERVER_SELECTION_TIMEOUT_MS and MONGO_MAX_IDLE_TIME_MS with sane defaults.
}

/** Thrown for a bad environment; server.ts prints its message and exits with code 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // TODO(2): parse and validate with zod: a value that is not a whole number in range, or a
  // minimum above the maximum, must throw a ConfigError naming the variable.
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? "127.0.0.1",
    mongoUrl: env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true",
    dbName: env.WORKBOOK_NS ?? "workbook_pooling",
  };
}
