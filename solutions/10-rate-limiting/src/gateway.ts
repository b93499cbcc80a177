import { createHash } from "node:crypto";
import type { Express, RequestHandler } from "express";
import type { Config } from "./config.ts";
import type { Decision, Limiter } from "./limiter.ts";

export interface RoutePolicy {
  /** What this route does when the limiter cannot decide (Redis down or not answering): let requests through, or refuse them. */
  whenLimiterDown: "open" | "closed";
}

/** The policy's name in RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-10, the revision the lab follows). */
const POLICY_NAME = "default";
/** What a fail-closed route tells clients while the limiter is down. */
const LIMITER_DOWN_RETRY_SECONDS = 5;

/**
 * A hop count, not `true`: with `true` Express takes the left-most X-Forwarded-For entry, which the
 * client writes itself. With n hops it walks n entries in from the right (the ones our own proxies
 * appended) and req.ip is the address the outermost trusted proxy saw.
 */
export function trustProxies(app: Express, hops: number): void {
  app.set("trust proxy", hops);
}

/** Whole seconds, rounded up: a client told to wait 1 s when 1.2 s remain comes back too early and is refused again. */
const wholeSeconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** API keys are secrets: the Redis key (visible to MONITOR and KEYS) carries a fingerprint, not the key. */
const fingerprint = (apiKey: string) => createHash("sha256").update(apiKey).digest("base64url").slice(0, 22);

/** The gateway in front of every /api route: who is the client, may it go on, and what it is told. */
export function gate(config: Config, limiter: Limiter, policy: RoutePolicy): RequestHandler {
  const policyHeader = `"${POLICY_NAME}";q=${config.limit};w=${config.windowSeconds}`;
  return async (req, res, next) => {
    const apiKey = req.get("x-api-key");
    const knownKey = apiKey !== undefined && config.apiKeys.has(apiKey);
    const ip = req.ip ?? req.socket.remoteAddress ?? "unknown";
    // An unknown key is charged to the address it came from, never to a key's budget: guessing keys
    // costs the guesser, and a made-up key does not buy a fresh budget.
    const bucket = knownKey ? `key:${fingerprint(apiKey)}` : `ip:${ip}`;

    let decision: Decision;
    try {
      decision = await limiter.take(bucket);
    } catch (error) {
      console.error(`rate limiter unavailable (${(error as Error).message}); ${req.method} ${req.path} fails ${policy.whenLimiterDown}`);
      if (policy.whenLimiterDown === "closed") {
        res.set("Retry-After", String(LIMITER_DOWN_RETRY_SECONDS));
        return void res.status(503).json({ error: "rate limiting is unavailable; this route is refused until it is back" });
      }
      // Fail open: serve the request, and send no RateLimit field, since nothing is known about the quota.
      res.locals.client = knownKey ? "api key" : `ip ${ip}`;
      return next();
    }

    res.set("RateLimit-Policy", policyHeader);
    res.set("RateLimit", `"${POLICY_NAME}";r=${decision.remaining};t=${wholeSeconds(decision.resetMs)}`);
    if (!decision.allowed) {
      res.set("Retry-After", String(Math.max(1, wholeSeconds(decision.retryAfterMs))));
      return void res.status(429).json({ error: `rate limit exceeded: ${config.limit} requests per ${config.windowSeconds} s` });
    }
    if (apiKey !== undefined && !knownKey) return void res.status(401).json({ error: "unknown API key" });
    res.locals.client = knownKey ? "api key" : `ip ${ip}`;
    next();
  };
}
