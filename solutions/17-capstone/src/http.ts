import { createHash } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Redis } from "ioredis";
import { MongoServerError } from "mongodb";

/** An error with the status and message the client should get. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A product id: a positive integer, nothing else. */
export function productId(raw: unknown): number {
  const text = String(raw);
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new HttpError(400, `product id must be a positive integer, got "${text.slice(0, 40)}"`);
  return Number(text);
}

/** A whole number in [min, max] from a query parameter, or the fallback when absent. */
export function intParam(raw: unknown, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = String(raw);
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return Number(text);
}

/** Catalog answers are the same for everyone: any cache may keep them briefly; the ETag makes revalidation cheap. */
export const publicShortLived: RequestHandler = (_req, res, next) => {
  res.set("Cache-Control", "public, max-age=5, stale-while-revalidate=10");
  next();
};
/** Answers about one person: no shared cache may keep them, and no browser should store them. */
export const personal: RequestHandler = (_req, res, next) => {
  res.set("Cache-Control", "private, no-store");
  next();
};

/** MongoDB over its budget (the governor's error 462 after the driver's own retries) or no pooled connection in time. */
function isOverload(error: unknown): boolean {
  if (error instanceof MongoServerError && (error.code === 462 || error.hasErrorLabel("SystemOverloadedError"))) return true;
  return error instanceof Error && /WaitQueueTimeout/.test(error.name);
}

/** The last middleware: HttpErrors become their status, bad JSON a 400, overload a 503 the client may retry, anything else a 500 without details. */
export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) return void res.destroy();
  if (error instanceof HttpError) return void res.status(error.status).json({ error: error.message });
  const status = (error as { status?: number }).status;
  if (status === 400 || status === 413) return void res.status(status).json({ error: status === 413 ? "request body too large" : "request body is not valid JSON" });
  if (isOverload(error)) {
    res.set("Retry-After", "1");
    return void res.status(503).json({ error: "the service is overloaded; retry shortly" });
  }
  console.error(`${req.method} ${req.path}: ${(error as Error).stack ?? error}`);
  res.status(500).json({ error: "internal error" });
}

// A fixed window per client, counted in Redis so three instances enforce one budget. INCR and the
// expiry run as one script: a client cannot slip between them, and the first hit of a window sets
// its TTL (PEXPIRE ... NX would need Redis 7). A fixed window may let up to twice the limit through
// across a window boundary; that is acceptable for shedding a flooding client, and costs one key
// and one round trip per request. The TTL comes back so the headers say when the window resets.
const FIXED_WINDOW = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }
`;

export interface RateLimitOptions {
  namespace: string;
  limit: number;
  windowSeconds: number;
}

/**
 * Per client: the X-Client-Id header (an API key in a real shop), else the address the nearest
 * trusted proxy saw. Draft -10 fields on every answer it counts (RateLimit-Policy and RateLimit),
 * 429 + Retry-After past the limit. If Redis cannot answer, the request goes through (fail open):
 * a shop that refuses every sale because its limiter is down has turned an outage into a bigger one.
 */
export function rateLimit(redis: Redis, options: RateLimitOptions): RequestHandler {
  const windowMs = options.windowSeconds * 1000;
  const policy = `"default";q=${options.limit};w=${options.windowSeconds}`;
  // defineCommand sends the script once, then calls it by its SHA (EVALSHA), reloading it if Redis forgot it.
  if (!("shopFixedWindow" in redis)) redis.defineCommand("shopFixedWindow", { numberOfKeys: 1, lua: FIXED_WINDOW });
  const fixedWindow = (redis as unknown as { shopFixedWindow: (key: string, windowMs: string) => Promise<[number, number]> }).shopFixedWindow.bind(redis);
  return async (req, res, next) => {
    const clientId = req.get("x-client-id");
    // Client ids are credentials: the Redis key holds a fingerprint, never the id itself.
    const who = clientId ? `id:${createHash("sha256").update(clientId).digest("base64url").slice(0, 22)}` : `ip:${req.ip ?? "unknown"}`;
    let count: number;
    let ttlMs: number;
    try {
      [count, ttlMs] = await fixedWindow(`${options.namespace}:ratelimit:${who}`, String(windowMs));
    } catch (error) {
      console.error(`rate limiter unavailable, failing open: ${(error as Error).message}`);
      return next();
    }
    const resetSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    res.set("RateLimit-Policy", policy);
    res.set("RateLimit", `"default";r=${Math.max(0, options.limit - count)};t=${resetSeconds}`);
    if (count > options.limit) {
      res.set("Retry-After", String(resetSeconds));
      return void res.status(429).json({ error: `rate limit exceeded: ${options.limit} requests per ${options.windowSeconds} s` });
    }
    next();
  };
}
