import type { Request, RequestHandler } from "express";
import { Registry } from "prom-client";

export interface Metrics {
  /** This app's own registry (not prom-client's global one), so several apps can coexist. */
  registry: Registry;
  /** Times every request and counts the failed ones. */
  middleware: RequestHandler;
  /** GET /metrics in the Prometheus text format. */
  handler: RequestHandler;
}

/**
 * The label for a request's route.
 *
 * TODO(2): return the route pattern that matched ("/users/:id", including req.baseUrl when the
 * route sits in a mounted router), never the raw URL: one label value per route, not one per
 * user id. Requests that matched no route (404s) all share one fixed label, "unmatched".
 */
export function routeLabel(req: Request): string {
  return req.originalUrl;
}

export function createMetrics(): Metrics {
  const registry = new Registry();

  // TODO(3): a Histogram named http_request_duration_ms, registered in `registry`, with labels
  //          method, route and status, and buckets in milliseconds (e.g. 5 ms to 5 s). Observe
  //          every request's duration when its response finishes.
  // TODO(4): a Counter named http_errors_total (labels route, status_class) counting 5xx responses.
  // TODO(5): default process metrics: collectDefaultMetrics({ register: registry }).
  const middleware: RequestHandler = (_req, _res, next) => next();

  // TODO(6): answer with registry.metrics() and registry.contentType. Decide whether scrapes of
  //          /metrics are themselves timed (the README recommends not).
  const handler: RequestHandler = (_req, res) => {
    res.status(404).json({ error: "metrics are not implemented yet" });
  };

  return { registry, middleware, handler };
}
