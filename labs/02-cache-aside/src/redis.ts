import { Redis } from "ioredis";

/**
 * The Redis client the app uses (server.ts, the tests and the bench all create it here).
 *
 * With ioredis's defaults, a command sent while Redis is unreachable waits in an offline
 * queue and is retried across up to 20 reconnection attempts, which takes many seconds;
 * a Redis that accepts the connection but never answers makes it wait forever.
 */
export function createRedisClient(url: string): Redis {
  // TODO(3): a cache must never make a request slower than going to the database.
  // Make commands fail fast while Redis is down or not answering, and keep reconnecting
  // in the background so the cache comes back on its own. README step 3 gives the limits
  // the tests hold the client to (and ioredis's options say which unit each one takes).
  const redis = new Redis(url);

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
