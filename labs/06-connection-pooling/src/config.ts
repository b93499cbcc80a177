/** Everything the process reads from its environment, checked once at start-up. */
export interface Config {
  port: number;
  host: string;
  mongoUrl: string;
  dbName: string;
  // TODO(2): the pool settings, under the driver's option names (README, step 2, has the
  // variables, defaults and accepted ranges).
}

/** Thrown for a bad environment; server.ts prints its message and exits with code 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // TODO(2): validate the environment in one place. Any value outside the README's rule must
  // throw a ConfigError whose message names the variable.
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? "127.0.0.1",
    mongoUrl: env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true",
    dbName: env.WORKBOOK_NS ?? "workbook_pooling",
  };
}
