import type { ServiceName } from "../manifest/schema.ts";
import { haproxyForLab, locatePgbouncer, locatePostgres, newNamespace, resolveMongo, resolveRedis, resolveRedisCluster, type ResolvedService } from "./index.ts";

/**
 * Services shared across many lab runs (the contract check, benches): each kind is resolved once,
 * and every run gets a fresh namespace.
 */
export class ServicePool {
  #resolved = new Map<string, Promise<ResolvedService>>();
  #backends = new Set<string>();

  async envFor(needed: readonly ServiceName[]): Promise<Record<string, string>> {
    const env: Record<string, string> = { WORKBOOK_NS: newNamespace() };
    if (needed.includes("redis")) env.REDIS_URL = (await this.#get("redis", () => resolveRedis())).url;
    if (needed.includes("redis-cluster")) env.REDIS_CLUSTER_URL = (await this.#get("redis-cluster", () => resolveRedisCluster())).url;
    if (needed.includes("mongo-replset")) env.MONGO_URL = (await this.#get("mongo-replset", () => resolveMongo({ replicaSet: true }))).url;
    else if (needed.includes("mongo")) env.MONGO_URL = (await this.#get("mongo", () => resolveMongo())).url;
    for (const [name, locate] of [["postgres", locatePostgres], ["pgbouncer", locatePgbouncer]] as const) {
      if (!needed.includes(name)) continue;
      const found = await locate();
      this.#backends.add(found.backend);
      Object.assign(env, found.env);
    }
    if (needed.includes("haproxy")) {
      const haproxy = await haproxyForLab();
      this.#backends.add(haproxy.backend);
      Object.assign(env, haproxy.env);
    }
    return env;
  }

  /** One line per backend in use. */
  backends(): string[] {
    return [...this.#backends];
  }

  async stop(): Promise<void> {
    const all = await Promise.allSettled(this.#resolved.values());
    await Promise.allSettled(all.flatMap((r) => (r.status === "fulfilled" ? [r.value.stop()] : [])));
    this.#resolved.clear();
  }

  #get(kind: string, resolve: () => Promise<ResolvedService>): Promise<ResolvedService> {
    let service = this.#resolved.get(kind);
    if (!service) {
      service = resolve().then((s) => {
        this.#backends.add(s.backend);
        return s;
      });
      this.#resolved.set(kind, service);
    }
    return service;
  }
}
