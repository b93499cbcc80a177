// Counts the requests that reach the origin, per "METHOD /path". The tests and the bench read it
// from GET /_origin/stats, straight from the app (never through the cache), to see what Varnish
// answered by itself.
import type { RequestHandler } from "express";

const counts = new Map<string, number>();

export const countOriginRequests: RequestHandler = (req, _res, next) => {
  if (!req.path.startsWith("/_origin") && req.path !== "/health") {
    const key = `${req.method} ${req.path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  next();
};

export const originStats: RequestHandler = (_req, res) => {
  res.set("Cache-Control", "no-store").json({ requests: Object.fromEntries(counts) });
};
