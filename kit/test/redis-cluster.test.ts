// Redis Cluster resolution (kit/services/redis-cluster.ts): REDIS_CLUSTER_URL, compose's cluster, a private
// cluster of redis-server nodes, or a clear error. The private cluster is checked as a client sees it: every
// slot served, keys spread over the primaries, replicas attached, and nothing left once stopped.
// (A parent killed with SIGKILL leaving no node behind: kit/test/lifecycle.test.ts.)
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Cluster, Redis } from "ioredis";
import { getFreePort } from "../services/ports.ts";
import { NoRedisClusterError, redisClusterReady, resolveRedisCluster, startPrivateRedisCluster } from "../services/redis-cluster.ts";
import { redisAnswers } from "../services/redis.ts";

const closedUrl = async () => `redis://127.0.0.1:${await getFreePort()}`;
const seeds = (nodes: string[]) => nodes.map((url) => ({ host: "127.0.0.1", port: Number(new URL(url).port) }));

/** Run `fn` with a plain client on one node. */
async function onNode<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

describe("Redis Cluster resolution", () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of cleanup) await stop();
  });

  test("1. REDIS_CLUSTER_URL wins, without probing anything", async () => {
    const resolved = await resolveRedisCluster({ env: { REDIS_CLUSTER_URL: "redis://example.invalid:7000, redis://example.invalid:7001/" }, composeUrl: "redis://127.0.0.1:1" });
    assert.deepEqual(resolved.nodes, ["redis://example.invalid:7000", "redis://example.invalid:7001"]);
    assert.equal(resolved.started, false);
    assert.match(resolved.backend, /REDIS_CLUSTER_URL/);
  });

  test("3. a private cluster: three primaries serve every slot, keys spread over all three, stop() ends every node", async () => {
    const resolved = await resolveRedisCluster({ env: { PATH: process.env.PATH }, composeUrl: await closedUrl() });
    cleanup.push(resolved.stop);
    assert.equal(resolved.started, true);
    assert.equal(resolved.nodes.length, 3);
    assert.match(resolved.backend, /private Redis Cluster: 3 primaries/);
    for (const node of resolved.nodes) assert.ok(await redisClusterReady(node), `${node} should report cluster_state:ok with every slot assigned`);

    const cluster = new Cluster(seeds(resolved.nodes));
    try {
      for (let i = 0; i < 60; i++) await cluster.set(`key:${i}`, String(i));
      for (let i = 0; i < 60; i++) assert.equal(await cluster.get(`key:${i}`), String(i));
      const slots = (await cluster.cluster("SLOTS")) as [number, number, ...unknown[]][];
      assert.equal(slots.reduce((n, [first, last]) => n + last - first + 1, 0), 16384, "the primaries together should serve all 16384 slots");
    } finally {
      cluster.disconnect();
    }
    const perNode = await Promise.all(resolved.nodes.map((node) => onNode(node, (client) => client.dbsize())));
    assert.equal(perNode.reduce((a, b) => a + b, 0), 60);
    assert.ok(perNode.every((n) => n > 5), `60 keys should spread over the three primaries; got ${perNode.join(", ")}`);

    await resolved.stop();
    for (const node of resolved.nodes) assert.equal(await redisAnswers(node, 300), false, `${node} should be stopped`);
  });

  test("2. compose's cluster, when its first node reports a healthy cluster", async () => {
    const running = await startPrivateRedisCluster("redis-server", { primaries: 1 });
    cleanup.push(running.stop);
    const resolved = await resolveRedisCluster({ env: {}, composeUrl: running.url });
    assert.equal(resolved.started, false);
    assert.deepEqual(resolved.nodes, running.nodes);
    assert.match(resolved.backend, /compose Redis Cluster/);
  });

  test("replicas attach to the primaries, one each", async () => {
    const cluster = await startPrivateRedisCluster("redis-server", { primaries: 2, replicasPerPrimary: 1 });
    cleanup.push(cluster.stop);
    assert.equal(cluster.nodes.length, 4);
    const nodes = await onNode(cluster.nodes[0]!, async (client) => String(await client.call("CLUSTER", "NODES")));
    const lines = nodes.trim().split("\n");
    const primaries = lines.filter((line) => /\bmaster\b/.test(line));
    const replicas = lines.filter((line) => /\bslave\b/.test(line));
    assert.equal(primaries.length, 2, nodes);
    assert.equal(replicas.length, 2, nodes);
    const primaryIds = new Set(primaries.map((line) => line.split(" ")[0]));
    const followed = replicas.map((line) => line.split(" ")[3]);
    assert.deepEqual(new Set(followed), primaryIds, `each primary should have one replica:\n${nodes}`);
  });

  test("4. without REDIS_CLUSTER_URL, compose or a redis-server, a clear error names the three ways", async () => {
    await assert.rejects(resolveRedisCluster({ env: { REDIS_SERVER_BIN: "/no/such/redis-server" }, composeUrl: await closedUrl() }), (error: Error) => {
      assert.ok(error instanceof NoRedisClusterError, `expected a NoRedisClusterError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /"\/no\/such\/redis-server" could not be started/);
      assert.match(error.message, /REDIS_CLUSTER_URL/);
      assert.match(error.message, /docker compose --profile cluster up -d redis-cluster/);
      assert.match(error.message, /apt install redis-server/);
      return true;
    });
  });

  test("a cluster needs at least one primary", async () => {
    await assert.rejects(startPrivateRedisCluster("redis-server", { primaries: 0 }), RangeError);
  });
});
