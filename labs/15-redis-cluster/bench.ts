import path from "node:path";
import net from "node:net";
import { Redis } from "ioredis";
import { percentile, type BenchContext, type BenchFigure } from "#kit/testing/index.ts";
import { startPrivateRedis, startPrivateRedisCluster } from "#kit/services/index.ts";
import type { RunningApp } from "./src/app.ts";
import type { Config } from "./src/config.ts";
import { commandCalls, keysOn, moveSlot, type Lab, type Node } from "./test/helpers.ts";

const FAMILIES = 40;
const VARIANTS = 10;
const USERS = 200;
const CART_FAMILIES = 4;
const READS = 400;

/**
 * One app (the code measured) on a private Redis and a private three-primary cluster: 400 prices in 40 families,
 * 200 users with a session and a 40-item cart (10 variants of 4 families). Measured: how the run's keys and the
 * commands of 400 cart reads fall on the shards (the one Redis counts as a shard), commands per cart read, the p99
 * of a cart read, and the requests that fail while two slots holding prices move (one key every 400 ms, as in step 5).
 */
export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const single = await startPrivateRedis(process.env.REDIS_SERVER_BIN || "redis-server");
  const cluster = await startPrivateRedisCluster(process.env.REDIS_SERVER_BIN || "redis-server", { primaries: 3 });
  const nodeOf = (url: string): Node => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    return { url, port: Number(new URL(url).port), client };
  };
  const shards = [nodeOf(single.url), ...cluster.nodes.map(nodeOf)];
  const { createApp } = (await import(path.join(ctx.appDir, "src/app.ts"))) as { createApp: (config: Config) => RunningApp };
  const { readConfig } = (await import(path.join(ctx.appDir, "src/config.ts"))) as { readConfig: (env: NodeJS.ProcessEnv) => Config };
  const namespace = ctx.env.WORKBOOK_NS ?? "wb15_bench";
  const running = createApp(readConfig({ REDIS_URL: single.url, REDIS_CLUSTER_URL: cluster.url, WORKBOOK_NS: namespace, RUN_WORKERS: "0", LIMIT_PER_MINUTE: "100000", LIMIT_PER_HOUR: "100000", STORE_DEADLINE_MS: "5000" }));
  const server = running.app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const send = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(base + route, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, json };
  };
  try {
    ctx.log(`loading ${FAMILIES * VARIANTS} prices, ${USERS} sessions and carts`);
    const products = Array.from({ length: FAMILIES * VARIANTS }, (_, i) => ({ sku: `fam${Math.floor(i / VARIANTS)}-v${i % VARIANTS}`, priceCents: 100 + i }));
    const put = await send("POST", "/api/products", { products });
    if (put.status !== 204) ctx.log(`the price import answered ${put.status}: ${JSON.stringify(put.json).slice(0, 160)}`);
    const users = Array.from({ length: USERS }, (_, u) => `bench_${u}`);
    let failedLoads = 0;
    for (const [u, user] of users.entries()) {
      if ((await send("POST", "/api/sessions", { user })).status !== 201) failedLoads++;
      await Promise.all(
        Array.from({ length: CART_FAMILIES * VARIANTS }, async (_, i) => {
          const sku = `fam${(u + Math.floor(i / VARIANTS) * 7) % FAMILIES}-v${i % VARIANTS}`;
          if ((await send("POST", `/api/carts/${user}/items`, { sku, qty: 1 })).status !== 200) failedLoads++;
        }),
      );
    }
    if (failedLoads > 0) ctx.log(`${failedLoads} writes failed while loading`);

    // Keys per shard.
    const keyCounts = await Promise.all(shards.map(async (node) => (await keysOn(node)).filter((key) => key.includes(namespace)).length));
    const totalKeys = keyCounts.reduce((a, b) => a + b, 0);
    ctx.log(`keys per shard (one Redis, then the three primaries): ${keyCounts.join(" / ")}`);

    // Cart reads: commands per shard and latency.
    const before = await Promise.all(shards.map(commandCalls));
    const times: number[] = [];
    let failedReads = 0;
    for (let i = 0; i < READS; i++) {
      const started = performance.now();
      const reply = await send("GET", `/api/carts/${users[i % USERS]}`);
      times.push(performance.now() - started);
      if (reply.status !== 200) failedReads++;
    }
    const opsPerShard = await Promise.all(
      shards.map(async (node, i) => {
        let sum = 0;
        for (const [name, calls] of await commandCalls(node)) if (!name.startsWith("cluster") && name !== "info" && name !== "scan") sum += calls - (before[i]!.get(name) ?? 0);
        return sum;
      }),
    );
    const totalOps = opsPerShard.reduce((a, b) => a + b, 0);
    ctx.log(`commands of ${READS} cart reads per shard: ${opsPerShard.join(" / ")}; ${failedReads} reads failed`);

    // A reshard under load: move the slots of two families' prices while four clients read carts.
    const primaries = shards.slice(1);
    const lab = { primaries } as unknown as Lab;
    // The slots of two families' prices, found from the keys themselves (none when the code keeps them in the one Redis).
    const clusterKeys = (await Promise.all(primaries.map(keysOn))).flat();
    const priceKeys = clusterKeys.filter((key) => key.endsWith("fam0-v0") || key.endsWith("fam1-v0"));
    const slots = [...new Set(await Promise.all(priceKeys.map(async (key) => Number(await primaries[0]!.client.call("CLUSTER", "KEYSLOT", key)))))];
    let moving = true;
    let duringMove = 0;
    let failedDuringMove = 0;
    const reader = async (c: number) => {
      for (let i = 0; moving; i++) {
        const reply = await send("GET", `/api/carts/${users[(c * 50 + i) % USERS]}`);
        duringMove++;
        if (reply.status !== 200) failedDuringMove++;
      }
    };
    const readers = Promise.all([0, 1, 2, 3].map(reader));
    try {
      for (const slot of slots) await moveSlot(lab, slot, { batch: 1, pauseMs: 400 });
    } finally {
      moving = false;
      await readers;
    }
    ctx.log(`${failedDuringMove} of ${duringMove} cart reads failed while ${slots.length} slots moved`);

    return [
      { name: "share of the keys on the busiest shard", value: Math.round((Math.max(...keyCounts) / Math.max(1, totalKeys)) * 100), unit: "%", better: "lower", headline: true },
      { name: "share of the cart reads' commands on the busiest shard", value: Math.round((Math.max(...opsPerShard) / Math.max(1, totalOps)) * 100), unit: "%", better: "lower" },
      { name: `commands per ${CART_FAMILIES * VARIANTS}-item cart read (one GET per item: ${CART_FAMILIES * VARIANTS + 1})`, value: Math.round((totalOps / READS) * 10) / 10, unit: "commands", better: "lower" },
      { name: "cart reads that failed (no reshard)", value: failedReads, unit: "requests", better: "lower" },
      { name: "p99 of a cart read", value: Math.round(percentile(times, 99) * 10) / 10, unit: "ms", better: "lower" },
      { name: "cart reads that failed while two slots moved", value: failedDuringMove, unit: "requests", better: "lower" },
    ];
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.race([running.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    for (const node of shards) node.client.disconnect();
    await cluster.stop();
    await single.stop();
  }
}
