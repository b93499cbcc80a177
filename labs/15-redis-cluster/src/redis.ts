import { Redis, type Cluster } from "ioredis";
import type { Config } from "./config.ts";

/** What the rest of the app talks to: ioredis's Redis and Cluster share their command methods. */
export type Client = Redis | Cluster;

/**
 * The app's client for sessions, carts, products and limits: today, one Redis.
 *
 * TODO(1): talk to the cluster (config.clusterNodes) instead, and keep the promise that a session or cart
 * written a moment ago is read back.
 * TODO(5): a slot can move between primaries while the app runs; a request that meets a slot on the move
 * must still be answered, correctly.
 */
export function connect(config: Config): Client {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on("error", (error: Error) => console.error(`redis: ${error.message}`));
  return redis;
}

/**
 * BullMQ's connection. A Worker blocks on its connection, so BullMQ wants its own clients, refuses one with a
 * keyPrefix or with a retry limit per command, and duplicates this one for its blocking reads.
 *
 * TODO(3): the queues move to the cluster too.
 */
export function connectForQueues(config: Config): Client {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", (error: Error) => console.error(`redis (queues): ${error.message}`));
  return redis;
}
