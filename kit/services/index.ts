import { randomBytes } from "node:crypto";
import type { ServiceName } from "../manifest/schema.ts";
import { haproxyForLab } from "./haproxy.ts";
import { resolveMongo } from "./mongo.ts";
import { resolveRedis } from "./redis.ts";
import { resolveRedisCluster } from "./redis-cluster.ts";
import { locatePgbouncer, locatePostgres } from "./postgres.ts";
import { locateVarnish } from "./varnish.ts";
import type { ResolvedService } from "./types.ts";

export { resolveRedis, NoRedisError, composeRedisUrl, startPrivateRedis } from "./redis.ts";
export { resolveRedisCluster, startPrivateRedisCluster, NoRedisClusterError, composeRedisClusterUrl, redisClusterReady } from "./redis-cluster.ts";
export type { ResolvedRedisCluster } from "./redis-cluster.ts";
export { resolveMongo, NoMongoError, composeMongoUrl } from "./mongo.ts";
export { startMongoGovernor, MongoGovernorOptionsError, EXEMPT_COMMANDS } from "./mongo-governor.ts";
export type { MongoGovernor, MongoGovernorOptions, GovernorStats, GovernorCounters, MemberStats } from "./mongo-governor.ts";
export { resolvePrometheus, NoPrometheusError, PrometheusConfigError, composePrometheusUrl, startPrivatePrometheus, prometheusReady } from "./prometheus.ts";
export type { ResolvedPrometheus } from "./prometheus.ts";
export { resolveVarnish, NoVarnishError, VarnishConfigError, composeVarnishUrl, startPrivateVarnish, vclWithBackend, locateVarnish, findVarnishd } from "./varnish.ts";
export type { ResolvedVarnish } from "./varnish.ts";
export { resolveHaproxy, findHaproxy, NoHaproxyError, HaproxyConfigError, composeHaproxyUrl, composeHaproxyStatsUrl, startPrivateHaproxy, readHaproxyStats, haproxyForLab } from "./haproxy.ts";
export type { ResolvedHaproxy, HaproxyStatsRow } from "./haproxy.ts";
export { resolvePostgres, resolvePgbouncer, startPrivatePostgres, startPrivatePgbouncer, locatePostgres, locatePgbouncer, findPostgresBinDir, findPgbouncer, postgresAnswers, NoPostgresError, NoPgbouncerError, composePostgresUrl, composePgbouncerUrl } from "./postgres.ts";
export type { ResolvedPostgres, PgbouncerOptions } from "./postgres.ts";
export { getFreePort } from "./ports.ts";
export { spawnTied } from "../lifecycle.ts";
export type { ResolvedService } from "./types.ts";

/** A fresh namespace for one run: a Redis key prefix, a BullMQ prefix and a MongoDB database name. */
export function newNamespace(): string {
  return `wb_${randomBytes(5).toString("hex")}`;
}

export interface Services {
  /** Variables for the lab's tests: REDIS_URL, REDIS_CLUSTER_URL, MONGO_URL, HAPROXY_BIN (or HAPROXY_URL), VARNISHD_BIN, PG_BIN_DIR, PGBOUNCER_BIN, WORKBOOK_NS. */
  env: Record<string, string>;
  /** One line per service: which backend answered. */
  backends: string[];
  stop(): Promise<void>;
  /** Let the process exit without stopping what it started (the OS reclaims it at exit). */
  unref(): void;
}

/** Resolve every service a lab needs, plus a fresh namespace. */
export async function resolveServices(needed: readonly ServiceName[], base: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const started: ResolvedService[] = [];
  const backends: string[] = [];
  const env: Record<string, string> = { WORKBOOK_NS: base.WORKBOOK_NS ?? newNamespace() };
  const stop = async () => {
    await Promise.allSettled(started.map((service) => service.stop()));
  };
  try {
    if (needed.includes("redis")) {
      const redis = await resolveRedis({ env: base });
      started.push(redis);
      env.REDIS_URL = redis.url;
    }
    if (needed.includes("redis-cluster")) {
      const cluster = await resolveRedisCluster({ env: base });
      started.push(cluster);
      env.REDIS_CLUSTER_URL = cluster.url;
    }
    if (needed.includes("mongo") || needed.includes("mongo-replset")) {
      const mongo = await resolveMongo({ env: base, replicaSet: needed.includes("mongo-replset") });
      started.push(mongo);
      env.MONGO_URL = mongo.url;
    }
    if (needed.includes("varnish")) {
      // Nothing is started here: each test starts varnishd with its own VCL.
      const varnish = await locateVarnish(base);
      Object.assign(env, varnish.env);
      backends.push(varnish.backend);
    }
    // Nothing is started for these two: the lab's tests start their own servers with the lab's settings.
    if (needed.includes("postgres")) {
      const postgres = await locatePostgres(base);
      Object.assign(env, postgres.env);
      backends.push(postgres.backend);
    }
    if (needed.includes("pgbouncer")) {
      const pgbouncer = await locatePgbouncer(base);
      Object.assign(env, pgbouncer.env);
      backends.push(pgbouncer.backend);
    }
    if (needed.includes("haproxy")) {
      const haproxy = await haproxyForLab(base);
      Object.assign(env, haproxy.env);
      started.push({ url: haproxy.env.HAPROXY_URL ?? "", backend: haproxy.backend, stop: async () => {} });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { env, backends: [...started.map((s) => s.backend), ...backends], stop, unref: () => started.forEach((s) => s.unref?.()) };
}
