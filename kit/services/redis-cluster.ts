// A Redis Cluster for the labs that shard across Redis nodes, resolved like every other service:
// REDIS_CLUSTER_URL, then compose's cluster (profile "cluster") if it answers, then redis-server
// started by the kit as a cluster of its own on free loopback ports, or a clear error.
import { Redis } from "ioredis";
import { getFreePort } from "./ports.ts";
import { PrivateServerError, startPrivateServer, type PrivateServer } from "./private-server.ts";
import { redisAnswers } from "./redis.ts";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes its cluster's three primaries (profile "cluster"). */
export const composeRedisClusterUrl = "redis://127.0.0.1:7000,redis://127.0.0.1:7001,redis://127.0.0.1:7002";

/** Redis Cluster's hash slots, 0 to 16383, cut into one contiguous block per primary. */
export const hashSlots = 16384;

export interface RedisClusterResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Seed URLs to probe for compose's cluster; tests point them at a closed port. */
  composeUrl?: string;
  /** How many primaries a private cluster gets (default 3). */
  primaries?: number;
  /** How many replicas each primary gets (default 0). */
  replicasPerPrimary?: number;
}

export interface ResolvedRedisCluster extends ResolvedService {
  /** Every node's URL, primaries first: give any of them to ioredis's Cluster as seeds. */
  nodes: string[];
  /** True when this process started the nodes. */
  started: boolean;
}

export class NoRedisClusterError extends NoServiceError {
  override name = "NoRedisClusterError";
  constructor(detail: string) {
    super("Redis Cluster", detail, [
      "set REDIS_CLUSTER_URL to a running cluster's nodes, comma-separated (e.g. redis://127.0.0.1:7000,redis://127.0.0.1:7001)",
      "start compose's cluster: docker compose --profile cluster up -d redis-cluster   (primaries on 127.0.0.1:7000-7002)",
      "install redis-server 7 or later (apt install redis-server / brew install redis), or set REDIS_SERVER_BIN; the kit starts a private cluster",
    ]);
  }
}

const parseNodes = (urls: string) =>
  urls
    .split(",")
    .map((url) => url.trim().replace(/\/+$/, ""))
    .filter(Boolean);

/** CLUSTER INFO of one node, as a map; undefined when it does not answer or is not in cluster mode. */
async function clusterInfo(url: string, timeoutMs = 500): Promise<Map<string, string> | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    const text = String(await client.call("CLUSTER", "INFO"));
    return new Map(text.split(/\r?\n/).filter((line) => line.includes(":")).map((line) => line.split(":", 2) as [string, string]));
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** True when `url` is a cluster node that reports cluster_state:ok with every slot assigned. */
export async function redisClusterReady(url: string, timeoutMs = 500): Promise<boolean> {
  const info = await clusterInfo(url, timeoutMs);
  return info?.get("cluster_state") === "ok" && info.get("cluster_slots_assigned") === String(hashSlots);
}

/**
 * Resolve a Redis Cluster: REDIS_CLUSTER_URL, then compose's cluster when its first node reports a healthy
 * cluster, then a private cluster of REDIS_SERVER_BIN or redis-server, or a NoRedisClusterError.
 */
export async function resolveRedisCluster(options: RedisClusterResolveOptions = {}): Promise<ResolvedRedisCluster> {
  const env = options.env ?? process.env;
  if (env.REDIS_CLUSTER_URL) {
    const nodes = parseNodes(env.REDIS_CLUSTER_URL);
    return { url: nodes.join(","), nodes, backend: `Redis Cluster from REDIS_CLUSTER_URL (${nodes.join(", ")})`, started: false, stop: async () => {} };
  }
  const composeNodes = parseNodes(options.composeUrl ?? env.WORKBOOK_COMPOSE_REDIS_CLUSTER_URL ?? composeRedisClusterUrl);
  if (await redisClusterReady(composeNodes[0]!)) {
    return { url: composeNodes.join(","), nodes: composeNodes, backend: `the compose Redis Cluster (${composeNodes.join(", ")})`, started: false, stop: async () => {} };
  }
  return startPrivateRedisCluster(env.REDIS_SERVER_BIN || "redis-server", options);
}

/**
 * Start `primaries` × (1 + `replicasPerPrimary`) redis-server nodes in cluster mode, each on a free loopback port
 * with its cluster bus on another, in its own temporary directory; assign the hash slots to the primaries in
 * equal blocks, join the nodes with CLUSTER MEET, attach the replicas, and wait until every node reports the
 * cluster healthy. `stop()` ends every node and removes their directories.
 */
export async function startPrivateRedisCluster(binary = "redis-server", options: Pick<RedisClusterResolveOptions, "primaries" | "replicasPerPrimary"> = {}): Promise<ResolvedRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 0;
  if (!Number.isInteger(primaries) || primaries < 1 || !Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`a cluster needs a whole number of primaries (at least 1) and replicas per primary (at least 0); got ${primaries} and ${replicas}`);
  }
  const servers: PrivateServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  const nodes: { url: string; port: number; busPort: number }[] = [];
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      const port = await getFreePort();
      const busPort = await getFreePort();
      const url = `redis://127.0.0.1:${port}`;
      servers.push(
        await startPrivateServer({
          name: `cluster node ${i + 1} (${binary} on port ${port})`,
          binary,
          dirPrefix: "redis-cluster",
          args: (dir) => [
            ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no"],
            // cluster-port (Redis 7.0+) puts the bus on a port known to be free, not port + 10000.
            ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(busPort), "--cluster-node-timeout", "2000"],
            // A replica is listed in CLUSTER SLOTS once it has synced and its replication offset is above 0. The
            // primary waits repl-diskless-sync-delay (5 s by default) for more replicas before a sync, and on an
            // empty primary the offset moves with the first replication PING, every repl-ping-replica-period (10 s).
            ...["--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1"],
          ],
          ready: () => redisAnswers(url, 300),
          // A node answers within milliseconds of starting; 10 s allows for a machine under heavy load.
          readyTimeoutMs: 10_000,
        }),
      );
      nodes.push({ url, port, busPort });
    }
    await formCluster(nodes, primaries, servers);
  } catch (error) {
    await stop();
    if (error instanceof PrivateServerError && error.reason === "spawn") {
      throw new NoRedisClusterError(`REDIS_CLUSTER_URL is not set, compose's cluster does not answer, and "${binary}" could not be started (${error.message})`);
    }
    if (error instanceof PrivateServerError) throw new NoRedisClusterError(error.message);
    throw error;
  }
  const urls = nodes.map((node) => node.url);
  return {
    url: urls.join(","),
    nodes: urls,
    backend: `a private Redis Cluster: ${primaries} primaries${replicas > 0 ? ` with ${replicas} replica${replicas > 1 ? "s" : ""} each` : ""} on ${nodes.map((n) => n.port).join(", ")} (persistence off; stopped when the run ends)`,
    started: true,
    stop,
    unref: () => servers.forEach((server) => server.unref()),
  };
}

async function formCluster(nodes: { url: string; port: number; busPort: number }[], primaries: number, servers: PrivateServer[]): Promise<void> {
  const clients = nodes.map((node) => {
    const client = new Redis(node.url, { maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    return client;
  });
  try {
    // Slots in equal contiguous blocks: primary i owns [i * n / p, (i + 1) * n / p).
    for (let i = 0; i < primaries; i++) {
      const first = Math.floor((i * hashSlots) / primaries);
      const last = Math.floor(((i + 1) * hashSlots) / primaries) - 1;
      await clients[i]!.call("CLUSTER", "ADDSLOTSRANGE", first, last);
      // Distinct epochs on fresh nodes spare the cluster its collision-resolution round.
      await clients[i]!.call("CLUSTER", "SET-CONFIG-EPOCH", i + 1);
    }
    for (const node of nodes.slice(1)) await clients[0]!.call("CLUSTER", "MEET", "127.0.0.1", node.port, node.busPort);
    const ids = await Promise.all(clients.map(async (client) => String(await client.call("CLUSTER", "MYID"))));

    // Every node must know every other before a replica can name its primary.
    const deadline = Date.now() + 30_000; // a handful of gossip rounds here; 30 s for a loaded machine
    const failIfExited = () => {
      const gone = servers.find((server) => server.child.exitCode !== null || server.child.signalCode !== null);
      if (gone) throw new NoRedisClusterError(`a cluster node exited while the cluster formed; its log ends with:\n${gone.logTail(12)}`);
    };
    const waitUntil = async (done: () => Promise<boolean>, what: string) => {
      while (!(await done())) {
        failIfExited();
        if (Date.now() > deadline) throw new NoRedisClusterError(`the private cluster did not ${what} within 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const knowsAll = async (client: Redis) => String(await client.call("CLUSTER", "NODES")).trim().split("\n").filter((line) => !/\b(handshake|noaddr)\b/.test(line)).length === nodes.length;
    await waitUntil(async () => (await Promise.all(clients.map(knowsAll))).every(Boolean), "join up");
    for (let i = primaries; i < nodes.length; i++) await clients[i]!.call("CLUSTER", "REPLICATE", ids[(i - primaries) % primaries]!);
    // Ready once every node reports the cluster healthy and every node has heard, by gossip, of every replica:
    // a client asking any node then sees the same primaries and replicas.
    const replicaCount = nodes.length - primaries;
    const seesAllReplicas = async (client: Redis) => String(await client.call("CLUSTER", "NODES")).trim().split("\n").filter((line) => /\bslave\b/.test(line.split(" ")[2] ?? "")).length === replicaCount;
    await waitUntil(
      async () => (await Promise.all(nodes.map((node) => redisClusterReady(node.url)))).every(Boolean) && (await Promise.all(clients.map(seesAllReplicas))).every(Boolean),
      "report cluster_state:ok, and every replica, on every node",
    );
  } finally {
    clients.forEach((client) => client.disconnect());
  }
}
