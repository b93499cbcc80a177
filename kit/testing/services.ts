import type { ServiceName } from "../manifest/schema.ts";
import { resolveServices } from "../services/index.ts";

export interface LabEnv {
  /** Set when the lab needs Redis. */
  redisUrl: string;
  /** Set when the lab needs MongoDB. */
  mongoUrl: string;
  /** Unique per run: use it as key prefix, BullMQ prefix and database name. */
  namespace: string;
  /** All of the above as environment variables, for child processes. */
  env: Record<string, string>;
}

let cached: Promise<LabEnv> | undefined;

/** The variable through which the kit hands each service to a lab's tests. */
const envOf: Record<ServiceName, string> = {
  redis: "REDIS_URL",
  "redis-cluster": "REDIS_CLUSTER_URL",
  mongo: "MONGO_URL",
  "mongo-replset": "MONGO_URL",
  haproxy: "HAPROXY_BIN",
  varnish: "VARNISHD_BIN",
  postgres: "PG_BIN_DIR",
  pgbouncer: "PGBOUNCER_BIN",
};

/**
 * The services for this test file. Under `npm run lab -- test` the kit has already resolved them
 * and passed REDIS_URL, MONGO_URL, PG_BIN_DIR and the rest (see envOf) with WORKBOOK_NS; run directly with `node --test`, this resolves
 * them itself (and stops anything it started when the process exits).
 */
export function labServices(needed: readonly ServiceName[]): Promise<LabEnv> {
  cached ??= (async () => {
    const missing = needed.filter((name) => !process.env[envOf[name]]);
    const resolved = missing.length > 0 ? await resolveServices(missing) : undefined;
    // Services this file started must not keep it alive after its last test: an in-process stand-in
    // dies with the process, and a private redis-server is killed by its exit hook.
    resolved?.unref();
    const env: Record<string, string> = {
      ...Object.fromEntries(Object.values(envOf).flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
      WORKBOOK_NS: process.env.WORKBOOK_NS ?? resolved?.env.WORKBOOK_NS ?? "wb_local",
      ...resolved?.env,
    };
    // Each test file gets its own namespace inside the run's, so files can run in parallel.
    env.WORKBOOK_NS = `${env.WORKBOOK_NS}_${Math.random().toString(36).slice(2, 8)}`;
    return { redisUrl: env.REDIS_URL ?? "", mongoUrl: env.MONGO_URL ?? "", namespace: env.WORKBOOK_NS, env };
  })();
  return cached;
}
