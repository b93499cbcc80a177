import { z } from "zod";

/** Everything the process reads from its environment, checked once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** Where queries go: PostgreSQL itself, or PgBouncer in front of it. */
  databaseUrl: string;
  /** A connection to PostgreSQL itself, never through PgBouncer (default: databaseUrl). */
  directUrl: string;
  /** This instance's share of the database's connections. */
  poolMax: number;
  /** How long a request may wait for a pooled connection before it is refused. */
  poolWaitMs: number;
  /** How long one statement may run before PostgreSQL cancels it. */
  statementTimeoutMs: number;
}

/** Thrown for a bad environment; server.ts prints its message and exits with code 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const wholeNumber = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (raw) => (raw === undefined || raw === "" ? fallback : typeof raw === "string" && /^[0-9]+$/.test(raw) ? Number(raw) : raw),
    z.number({ message: "must be a whole number" }).int().min(min).max(max),
  );

const schema = z.object({
  PORT: wholeNumber(3000, 0, 65_535),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").default("postgres://workbook@127.0.0.1:5432/workbook"),
  DIRECT_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  PG_POOL_MAX: wholeNumber(5, 1, 100),
  PG_POOL_WAIT_MS: wholeNumber(2000, 10, 60_000),
  PG_STATEMENT_TIMEOUT_MS: wholeNumber(5000, 10, 600_000),
});

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n"));
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    directUrl: e.DIRECT_DATABASE_URL ?? e.DATABASE_URL,
    poolMax: e.PG_POOL_MAX,
    poolWaitMs: e.PG_POOL_WAIT_MS,
    statementTimeoutMs: e.PG_STATEMENT_TIMEOUT_MS,
  };
}
