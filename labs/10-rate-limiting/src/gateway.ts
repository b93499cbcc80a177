import type { Express, RequestHandler } from "express";
import type { Config } from "./config.ts";
import type { Limiter } from "./limiter.ts";

export interface RoutePolicy {
  /** What this route does when the limiter cannot decide (Redis down or not answering): let requests through, or refuse them. */
  whenLimiterDown: "open" | "closed";
}

/**
 * TODO(3): tell Express how many proxies in front of the app can be trusted, so that req.ip is
 * the address the outermost of those trusted proxies saw (the one the client connected to), not
 * whatever a client wrote into X-Forwarded-For.
 */
export function trustProxies(app: Express, hops: number): void {
  void app;
  void hops;
}

/** The client's address, as the starter sees it. */
function clientIp(forwardedFor: string | undefined, socketAddress: string | undefined): string {
  // TODO(3): the left-most X-Forwarded-For entry is written by the client itself.
  return forwardedFor?.split(",")[0]?.trim() || socketAddress || "unknown";
}

/**
 * The gateway in front of every /api route: who is the client, may it go on, and what it is told.
 *
 * TODO(3): the key is the API key (X-API-Key) when one is sent, else the client IP; a request with
 * an unknown API key is refused before it can reach a keyed client's budget.
 * TODO(4): a refused client learns when to come back (Retry-After) and every answer carries the
 * policy and what is left of it (RateLimit-Policy, RateLimit).
 * TODO(5): when the limiter cannot decide, follow the route's policy instead of failing the request.
 */
export function gate(config: Config, limiter: Limiter, policy: RoutePolicy): RequestHandler {
  void policy;
  return async (req, res, next) => {
    const key = clientIp(req.get("x-forwarded-for"), req.socket.remoteAddress);
    const decision = await limiter.take(key);
    if (!decision.allowed) return void res.status(429).end();
    const apiKey = req.get("x-api-key");
    if (apiKey !== undefined && !config.apiKeys.has(apiKey)) return void res.status(401).json({ error: "unknown API key" });
    res.locals.client = apiKey === undefined ? `ip ${key}` : "api key";
    next();
  };
}
