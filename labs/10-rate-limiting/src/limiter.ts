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

/**
 * The policy: at most `config.limit` requests per client in any `config.windowSeconds` seconds.
 *
 * TODO(1): this counts in the memory of one process. Behind a load balancer with two instances a
 * client gets its budget once per instance. Keep the count in Redis (config.redisUrl, with
 * config.prefix in front of every key), decide in one atomic step, and let every key expire.
 *
 * TODO(2): a fixed window starts again from zero at every boundary, so a client that spends its
 * budget just before one and again just after gets twice the limit within a few seconds. Count over
 * a window that slides with time instead.
 */
export function createLimiter(config: Config): Limiter {
  void config.redisUrl;
  const windowMs = config.windowSeconds * 1000;
  const counts = new Map<string, number>();

  return {
    async take(key) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      const slot = `${key}@${window}`;
      const used = counts.get(slot) ?? 0;
      const resetMs = (window + 1) * windowMs - now;
      if (used >= config.limit) return { allowed: false, remaining: 0, resetMs, retryAfterMs: resetMs };
      counts.set(slot, used + 1);
      return { allowed: true, remaining: config.limit - used - 1, resetMs, retryAfterMs: 0 };
    },
    async close() {},
  };
}
