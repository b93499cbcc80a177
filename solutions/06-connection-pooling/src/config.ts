import { z } from "zod";

/** Everything the process reads from its environment, checked once at start-up. */
export interface Config {
  port: number;
  host: string;
  mongoUrl: string;
  dbName: string;
  pool: {
    maxPoolSize: number;
    minPoolSize: number;
    serverSelectionTimeoutMS: number;
    maxIdleTimeMS: number;
  };
}

/** Thrown for a bad environment; server.ts prints its message and exits with code 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * A whole number from an environment variable, with a default when unset or empty. Only ASCII
 * digits count: Number() would also take "1e3", "0x10", " 5" or "2.0", and a typo that still
 * parses is worse than one that stops the process.
 */
const wholeNumber = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (raw) => (raw === undefined || raw === "" ? fallback : typeof raw === "string" && /^[0-9]+$/.test(raw) ? Number(raw) : raw),
    z.number({ error: "must be a whole number written in digits" }).int().min(min).max(max),
  );

const envSchema = z
  .object({
    PORT: wholeNumber(3000, 0, 65_535),
    HOST: z.string().min(1).default("127.0.0.1"),
    MONGO_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// or mongodb+srv:// connection string")
      .default("mongodb://127.0.0.1:27017/?directConnection=true"),
    WORKBOOK_NS: z.string().regex(/^[\w-]{1,63}$/, "must be a database name").default("workbook_pooling"),
    // Per process. Instances x maxPoolSize must stay below what the server accepts, so this is
    // modest; raise it only when GET /pool shows requests waiting and the database has headroom.
    MONGO_MAX_POOL_SIZE: wholeNumber(20, 1, 500),
    // A couple of warm connections so the first requests after a quiet spell skip the handshake.
    MONGO_MIN_POOL_SIZE: wholeNumber(2, 0, 500),
    // Fail fast: how long an operation may wait for a usable server. The driver's default, 30 s,
    // is far longer than any client waits for an API response.
    MONGO_SERVER_SELECTION_TIMEOUT_MS: wholeNumber(2000, 100, 60_000),
    // Close connections idle this long, so a burst's extra connections do not linger for ever.
    MONGO_MAX_IDLE_TIME_MS: wholeNumber(60_000, 0, 3_600_000),
  })
  .refine((env) => env.MONGO_MIN_POOL_SIZE <= env.MONGO_MAX_POOL_SIZE, {
    path: ["MONGO_MIN_POOL_SIZE"],
    message: "must not be larger than MONGO_MAX_POOL_SIZE",
  });

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return `  ${name}=${JSON.stringify(env[name] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    mongoUrl: e.MONGO_URL,
    dbName: e.WORKBOOK_NS,
    pool: {
      maxPoolSize: e.MONGO_MAX_POOL_SIZE,
      minPoolSize: e.MONGO_MIN_POOL_SIZE,
      serverSelectionTimeoutMS: e.MONGO_SERVER_SELECTION_TIMEOUT_MS,
      maxIdleTimeMS: e.MONGO_MAX_IDLE_TIME_MS,
    },
  };
}
