import type { Request, RequestHandler } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  /** This app's own registry (not prom-client's global one), so several apps can coexist. */
  registry: Registry;
  /** Times every request and counts the failed ones. */
  middleware: RequestHandler;
  /** GET /metrics in the Prometheus text format. */
  handler: RequestHandler;
}

// The full pattern of the route each request matched, noted while routing is still under way.
const matchedPatterns = new WeakMap<object, string>();
const matchedRoutes = new WeakMap<object, unknown>();
const watchedPrototypes = new WeakSet<object>();

/**
 * Note the full route pattern at the moment the router matches a route. That is the one moment
 * req.baseUrl holds the mount path ("/admin/audit") next to req.route ("/entries/:entryId"): when a
 * handler throws, Express leaves each mounted router on the way to the app's error handler and
 * puts req.baseUrl back to "", so a label computed when the response finishes would lose the prefix.
 * The router assigns req.route when a route matches; an accessor on the app's request prototype
 * (installed once, so requests keep their usual shape) turns that assignment into a note.
 */
function notePatternWhenMatched(req: Request): void {
  const prototype = Object.getPrototypeOf(req) as object;
  if (watchedPrototypes.has(prototype)) return;
  watchedPrototypes.add(prototype);
  Object.defineProperty(prototype, "route", {
    configurable: true,
    get(this: object) {
      return matchedRoutes.get(this);
    },
    set(this: Request, value: unknown) {
      matchedRoutes.set(this, value);
      const pattern = (value as { path?: unknown } | undefined)?.path;
      if (typeof pattern === "string") matchedPatterns.set(this, `${this.baseUrl}${pattern}`);
    },
  });
}

/**
 * The route pattern that matched ("/users/:id", "/admin/audit/entries/:entryId"), never the raw
 * URL: each label value creates a time series, so user ids in labels would mean one series per
 * user. Requests that matched no route share the single value "unmatched".
 */
export function routeLabel(req: Request): string {
  const noted = matchedPatterns.get(req);
  if (noted !== undefined) return noted;
  const pattern: unknown = req.route?.path;
  return typeof pattern === "string" ? `${req.baseUrl}${pattern}` : "unmatched";
}

// Milliseconds, from a fast cache hit to a request that is clearly too slow. Percentiles are
// interpolated inside a bucket, so buckets should be dense where the latency target sits.
const BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export function createMetrics(): Metrics {
  const registry = new Registry();

  const duration = new Histogram({
    name: "http_request_duration_ms",
    help: "Time from request to response finished, in milliseconds, by method, route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: BUCKETS_MS,
    registers: [registry],
  });
  const errors = new Counter({
    name: "http_errors_total",
    help: "Responses with a 5xx status, by route pattern and status class.",
    labelNames: ["route", "status_class"] as const,
    registers: [registry],
  });
  // CPU, memory, event-loop lag, handles: the saturation side of the picture.
  collectDefaultMetrics({ register: registry });

  const middleware: RequestHandler = (req, res, next) => {
    notePatternWhenMatched(req);
    // Scrapes are not user traffic: counting them would keep the request rate above zero on an
    // idle service and mix the scraper's latency into the users' percentiles.
    if (req.path === "/metrics") return next();
    const start = process.hrtime.bigint();
    res.once("finish", () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const route = routeLabel(req);
      duration.observe({ method: req.method, route, status: String(res.statusCode) }, ms);
      if (res.statusCode >= 500) errors.inc({ route, status_class: "5xx" });
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.setHeader("Content-Type", registry.contentType);
    res.send(await registry.metrics());
  };

  return { registry, middleware, handler };
}
