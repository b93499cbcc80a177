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
 * TODO(2): the full route pattern that matched (a mounted router's prefix included), never the raw
 * URL: one label value per route, not one per user id. Requests that matched no route all share
 * the label "unmatched".
 */
export function routeLabel(req: Request): string {
  return req.originalUrl;
}

export function createMetrics(): Metrics {
  const registry = new Registry();

  // TODO(3): time every request and record its duration in a histogram registered in `registry`
  //          (name, labels, unit and buckets: README, step 3).
  // TODO(4): count the requests that failed on the server's side (README, step 4). A failure
  //          inside a mounted router keeps its full route pattern too.
  // TODO(5): the process's own metrics (CPU, memory, event loop), in this registry.
  const middleware: RequestHandler = (_req, _res, next) => next();

  // TODO(6): answer in the Prometheus text format; scrapes themselves are not counted.
  const handler: RequestHandler = (_req, res) => {
    res.status(404).json({ error: "metrics are not implemented yet" });
  };

  return { registry, middleware, handler };
}
