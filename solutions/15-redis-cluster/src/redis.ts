import { Cluster, type Redis } from "ioredis";
import type { Config } from "./config.ts";

/** What the rest of the app talks to: ioredis's Redis and Cluster share their command methods. */
export type Client = Redis | Cluster;

const seeds = (config: Config) =>
  config.clusterNodes.map((url) => {
    const { hostname, port } = new URL(url);
    return { host: hostname, port: Number(port || 6379) };
  });

/**
 * The app's client for sessions, carts, products and limits.
 *
 * A Cluster client: it learns which primary owns which of the 16,384 slots from any seed node, sends each
 * command to the owner, and follows the cluster's redirections (MOVED: the slot has a new owner, refresh the
 * map; ASK: this one key is already on the importing node, ask there once; TRYAGAIN: a multi-key command met a
 * slot whose keys are half moved, wait and resend).
 */
export function connect(config: Config): Client {
  const cluster = new Cluster(seeds(config), {
    // Reads go to primaries: a session or cart written a moment ago must be read back, and a replica may
    // not have it yet. (scaleReads "all" or "slave" trades that promise for read capacity.)
    scaleReads: "master",
    // A slot migration moves its keys a batch at a time; until the last one has moved, a multi-key command on that
    // slot gets TRYAGAIN. ioredis's defaults (16 redirections, 100 ms apart) give up after about 1.6 s; a large
    // slot takes longer to move. 60 × 250 ms rides through 15 s of migration, and each ASK or MOVED costs one of them.
    maxRedirections: 60,
    retryDelayOnTryAgain: 250,
    // Not one queued command forever when every node is gone: the app's deadline answers 503 meanwhile.
    redisOptions: { connectTimeout: 2_000 },
  });
  cluster.on("error", (error: Error) => console.error(`redis cluster: ${error.message}`));
  return cluster;
}

/**
 * BullMQ's connection. A Worker blocks on its connection (BZPOPMIN), so BullMQ wants its own clients and
 * refuses one with keyPrefix or with a retry limit per command; it duplicates this one for its blocking reads.
 */
export function connectForQueues(config: Config): Client {
  const cluster = new Cluster(seeds(config), { redisOptions: { maxRetriesPerRequest: null } });
  cluster.on("error", (error: Error) => console.error(`redis cluster (queues): ${error.message}`));
  return cluster;
}
