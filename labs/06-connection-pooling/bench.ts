import path from "node:path";
import { MongoClient } from "mongodb";
import { getFreePort, percentile, startInstance, type BenchContext, type BenchFigure, type BenchScenario } from "#kit/testing/index.ts";
import { seedProducts } from "./src/catalog.ts";
import { startCountingProxy, type CountingProxy } from "./test/tcp-proxy.ts";

// Every product query takes 20 ms at the "database" (held by the proxy), as a real query would.
const queryMs = 20;
const concurrent = 200;
const downCapMs = 6000; // the driver's default would hang for 30 s; no need to wait that long to see it

/** 200 requests at once; their latencies (ms) and how many TCP connections the database saw. */
async function measureBurst(ctx: BenchContext, proxy: CountingProxy, poolEnv: Record<string, string>) {
  const app = await startInstance({
    entry: path.join(ctx.appDir, "src/server.ts"),
    env: { ...ctx.env, ...poolEnv, MONGO_URL: proxy.url, SKIP_SEED: "1" },
  });
  try {
    for (let i = 0; i < 5; i++) await (await fetch(`${app.url}/products/SKU-0001`)).arrayBuffer(); // warm up
    proxy.reset();
    const latencies = await Promise.all(
      Array.from({ length: concurrent }, async (_, i) => {
        const start = performance.now();
        const res = await fetch(`${app.url}/products/SKU-${String((i % 200) + 1).padStart(4, "0")}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET /products returned ${res.status} during the bench`);
        return performance.now() - start;
      }),
    );
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), connections: proxy.accepted };
  } finally {
    // The bench measures requests, not shutdown (the tests check that): the starter's clients may
    // still be waiting on the driver when it ends, so it is killed rather than asked to exit.
    await app.kill();
  }
}

/** With nothing listening on the database port and default settings: how long until an error. */
async function timeToError(ctx: BenchContext): Promise<number> {
  const closedPort = await getFreePort();
  const app = await startInstance({
    entry: path.join(ctx.appDir, "src/server.ts"),
    env: { ...ctx.env, MONGO_URL: `mongodb://127.0.0.1:${closedPort}/?directConnection=true`, SKIP_SEED: "1" },
  });
  try {
    const start = performance.now();
    try {
      await (await fetch(`${app.url}/products/SKU-0001`, { signal: AbortSignal.timeout(downCapMs) })).arrayBuffer();
      return performance.now() - start;
    } catch {
      return downCapMs; // still hanging at the cap
    }
  } finally {
    await app.kill(); // the starter's request is still inside the driver's 30 s server selection
  }
}

const scenario: BenchScenario = async (ctx) => {
  const mongoUrl = ctx.env.MONGO_URL;
  const dbName = ctx.env.WORKBOOK_NS;
  if (!mongoUrl || !dbName) throw new Error("the bench needs MONGO_URL and WORKBOOK_NS");
  const client = new MongoClient(mongoUrl);
  await client.connect();
  await seedProducts(client.db(dbName));
  const hello = await client.db("admin").command({ hello: 1 });
  const address = String(hello.primary ?? /^mongodb:\/\/(?:[^@/]*@)?([^,/?]+)/.exec(mongoUrl)?.[1] ?? "127.0.0.1:27017");
  const [host, port] = address.split(":");
  const proxy = await startCountingProxy({ host: host ?? "127.0.0.1", port: Number(port ?? 27017) });
  proxy.hold("products", queryMs);
  try {
    const one = await measureBurst(ctx, proxy, { MONGO_MAX_POOL_SIZE: "1", MONGO_MIN_POOL_SIZE: "0" });
    ctx.log(`pool of 1: p50 ${Math.round(one.p50)} ms, p95 ${Math.round(one.p95)} ms, ${one.connections} connections`);
    const tuned = await measureBurst(ctx, proxy, { MONGO_MAX_POOL_SIZE: "20", MONGO_MIN_POOL_SIZE: "2" });
    ctx.log(`tuned pool (20): p50 ${Math.round(tuned.p50)} ms, p95 ${Math.round(tuned.p95)} ms, ${tuned.connections} connections`);
    const down = await timeToError(ctx);
    ctx.log(`database down: error after ${Math.round(down)} ms${down >= downCapMs ? " (gave up waiting)" : ""}`);
    return [
      { name: `p50 latency, ${concurrent} concurrent requests, MONGO_MAX_POOL_SIZE=1`, value: one.p50, unit: "ms", better: "lower" },
      { name: `p95 latency, ${concurrent} concurrent requests, MONGO_MAX_POOL_SIZE=1`, value: one.p95, unit: "ms", better: "lower" },
      { name: `p50 latency, ${concurrent} concurrent requests, MONGO_MAX_POOL_SIZE=20`, value: tuned.p50, unit: "ms", better: "lower" },
      { name: `p95 latency, ${concurrent} concurrent requests, MONGO_MAX_POOL_SIZE=20`, value: tuned.p95, unit: "ms", better: "lower" },
      { name: `TCP connections opened for ${concurrent} requests (MONGO_MAX_POOL_SIZE=20)`, value: tuned.connections, unit: "connections", better: "lower" },
      { name: `time to an error with the database down (default settings, capped at ${downCapMs / 1000} s)`, value: down, unit: "ms", better: "lower" },
    ];
  } finally {
    await proxy.close();
    await client.db(dbName).dropDatabase().catch(() => {});
    await client.close();
  }
};

export default scenario;
