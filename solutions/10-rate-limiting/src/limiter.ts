import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Config } from "./config.ts";

/** What the limiter decided for one request. Times are in milliseconds; the gateway turns them into headers. */
export interface Decision {
  allowed: boolean;
  /** Requests the client may still make right now (0 when refused). */
  remaining: number;
  /** How long until the client's quota starts to come back (its oldest counted request stops counting). */
  resetMs: number;
  /** When refused: how long until a request would be allowed again. 0 when allowed. */
  retryAfterMs: number;
}

export interface Limiter {
  /** Count one request for `key` if the policy allows it, and say what was decided. Rejects if it cannot decide. */
  take(key: string): Promise<Decision>;
  /** Release everything the limiter opened, so the process can end by itself. */
  close(): Promise<void>;
}

// A sliding window log: one sorted-set member per admitted request, scored by the time it was
// admitted. The policy promises "at most q in ANY w seconds", and only an exact log keeps that
// promise; a token bucket or GCRA with a burst of q lets up to 2q through in a worst-case window.
// The whole decision runs inside Redis as one script, so no other request can slip in between
// the count and the add, whichever instance sent it. The clock is Redis's own (TIME), so
// instances with skewed clocks still agree on what "the last w seconds" means.
const slidingWindowScript = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  -- The member must be unique: two requests in the same millisecond are two requests.
  redis.call('ZADD', key, now, now .. ':' .. ARGV[3])
  count = count + 1
  allowed = 1
end
-- Refreshed on every call: the key outlives its newest member by at most one window, then Redis forgets it.
redis.call('PEXPIRE', key, windowMs)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local resetMs = 0
if oldest[2] then resetMs = tonumber(oldest[2]) + windowMs - now end
return { allowed, limit - count, resetMs }
`;

type SlidingWindow = (key: string, limit: number, windowMs: number, id: string) => Promise<[number, number, number]>;

/** The policy: at most `config.limit` requests per client in any `config.windowSeconds` seconds, shared by every instance through Redis. */
export function createLimiter(config: Config): Limiter {
  const windowMs = config.windowSeconds * 1000;
  const redis = new Redis(config.redisUrl, {
    keyPrefix: config.prefix,
    // A limiter that waits for Redis holds up every request behind it. Give up quickly and let the
    // route's policy (fail open or closed) decide: a second per command, one retry at most.
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
  });
  let lastError = "";
  redis.on("error", (error: Error) => {
    if (error.message !== lastError) console.error(`rate limiter: Redis error: ${error.message}`);
    lastError = error.message;
  });
  redis.on("ready", () => (lastError = ""));
  // defineCommand sends the script once and then calls it by its SHA (EVALSHA), reloading it if Redis forgot it.
  redis.defineCommand("slidingWindow", { numberOfKeys: 1, lua: slidingWindowScript });
  const slidingWindow = (redis as unknown as { slidingWindow: SlidingWindow }).slidingWindow.bind(redis);

  return {
    async take(key) {
      const [allowed, remaining, resetMs] = await slidingWindow(`ratelimit:${key}`, config.limit, windowMs, randomUUID());
      return { allowed: allowed === 1, remaining, resetMs, retryAfterMs: allowed === 1 ? 0 : resetMs };
    },
    async close() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect(); // Redis is gone: nothing to be polite to
      }
    },
  };
}
