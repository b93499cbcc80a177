import { Redis } from "ioredis";
import type { Config } from "./config.ts";

/**
 * One Redis connection for this instance. It is named after the namespace and the instance, so that
 * CLIENT LIST shows whose connections are still open. A command fails after one retry instead of
 * waiting for Redis forever: callers answer 503 and carry on.
 */
export function connectRedis(config: Config): Redis {
  const client = new Redis(config.redisUrl, {
    connectionName: `${config.namespace}-${config.instance}`.replace(/[^\w.-]/g, "_"),
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  let warned = false;
  client.on("error", (error: Error) => {
    if (!warned) console.error(`[${config.instance}] redis: ${error.message}`);
    warned = true;
  });
  client.on("ready", () => (warned = false));
  return client;
}
