import express, { type Express, type Request } from "express";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Config } from "./config.ts";
import type { Store } from "./db.ts";
import { createAuth } from "./auth.ts";
import { catalogCache, catalogRoutes } from "./catalog.ts";
import { orderRoutes } from "./orders.ts";
import { adminRoutes } from "./admin.ts";
import { errorHandler, rateLimit } from "./http.ts";
import type { OrderEmailJob } from "./email.ts";

/** One registry per app (never prom-client's global one), so two apps in one process do not share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to answer, by route template (never the raw URL: ids would make a series per product), method and status.",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dbOperations: new Counter({ name: "db_operations_total", help: "MongoDB commands this process started: the unit of the DB budget.", labelNames: ["command"] as const, registers: [registry] }),
    cacheLookups: new Counter({ name: "cache_lookups_total", help: "Catalog cache lookups, by cache and result (hit or miss).", labelNames: ["cache", "result"] as const, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Whether this instance should get traffic: warm (connections made) and not draining. */
export interface Readiness {
  warm: boolean;
  draining: boolean;
}

export interface AppDeps {
  config: Config;
  store: Store;
  redis: Redis;
  queue: Queue<OrderEmailJob>;
  metrics: Metrics;
  readiness: Readiness;
}

/** The template that matched ("/products/:id"), or a fixed label for what matched nothing. */
function routeLabel(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === "string" ? `${req.baseUrl}${route.path}` : "unmatched";
}

export function createApp({ config, store, redis, queue, metrics, readiness }: AppDeps): Express {
  const app = express();
  // The client's address is the one our own proxies (HAProxy: 1 hop) saw, not what the client writes.
  app.set("trust proxy", config.trustProxyHops);
  app.use((req, res, next) => {
    const end = metrics.requestDuration.startTimer();
    res.on("finish", () => end({ route: routeLabel(req), method: req.method, status: String(res.statusCode) }));
    res.set("X-Instance", config.instance);
    // While draining, every answer asks its client to reconnect elsewhere: a keep-alive connection
    // held open would otherwise keep landing here until the listener closes.
    if (readiness.draining) res.set("Connection", "close");
    next();
  });

  // Probes and scrapes come before the rate limit: the balancer and Prometheus must never get a 429.
  app.get("/health/live", (_req, res) => void res.json({ status: "ok" }));
  app.get("/health/ready", (_req, res) => {
    if (readiness.warm && !readiness.draining) return void res.json({ status: "ready" });
    res.status(503).json({ status: "not ready", reason: readiness.draining ? "draining" : "warming up" });
  });
  app.get("/metrics", async (_req, res) => {
    res.set("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.use(rateLimit(redis, { namespace: config.namespace, limit: config.rateLimit, windowSeconds: config.rateWindowSeconds }));
  app.use(express.json({ limit: "16kb" }));

  const cache = catalogCache(redis, store, {
    namespace: config.namespace,
    productTtlSeconds: config.productCacheSeconds,
    listingTtlSeconds: config.listingCacheSeconds,
    onLookup: (name, hit) => metrics.cacheLookups.inc({ cache: name, result: hit ? "hit" : "miss" }),
  });
  const auth = createAuth(store, redis, { namespace: config.namespace, ttlSeconds: config.sessionTtlSeconds });
  app.use(auth.routes);
  app.use(catalogRoutes(store, cache, config.adminToken));
  app.use(
    orderRoutes({
      store,
      requireUser: auth.requireUser,
      queue,
      secret: config.secret,
      productsWritten: async (products) => void (await Promise.all(products.map((p) => cache.written(p)))),
      productExists: async (id) => (await cache.product(id)) !== null,
      redis,
      namespace: config.namespace,
    }),
  );
  app.use(adminRoutes(store, config.adminToken));

  app.use((_req, res) => void res.status(404).json({ error: "no such route" }));
  app.use(errorHandler);
  return app;
}
