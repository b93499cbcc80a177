import { Redis } from "ioredis";

/**
 * The Redis client the app uses (server.ts, the tests and the bench all create it here).
 *
 * The cache is an optimisation, so the client is tuned to give up quickly: every command
 * either answers within a fraction of a second or fails, and the caller falls back to MongoDB.
 */
export function createRedisClient(url: string): Redis {
  const redis = new Redis(url, {
    // While disconnected, reject commands at once instead of queueing them until Redis returns.
    enableOfflineQueue: false,
    // A command already sent when the connection drops is not replayed across reconnections.
    maxRetriesPerRequest: 1,
    // A Redis that accepts the connection but stalls (overloaded, frozen, half-open TCP)
    // would otherwise hold requests forever. A healthy Redis answers in well under a millisecond;
    // one second leaves room for a busy host and still fails long before a user gives up.
    commandTimeout: 1_000,
    connectTimeout: 1_000,
    // Keep reconnecting in the background, at most a second apart, so the cache heals on its own.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });

  // Without an "error" listener ioredis prints every failed reconnection attempt.
  // Log once per outage instead.
  let down = false;
  redis.on("error", (error: Error) => {
    if (!down) console.warn(`redis unavailable (${error.message}); serving from MongoDB until it returns`);
    down = true;
  });
  redis.on("ready", () => {
    down = false;
  });
  return redis;
}
