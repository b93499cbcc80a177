import path from "node:path";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { MongoClient } from "mongodb";
import { median, type BenchContext, type BenchFigure } from "#kit/testing/index.ts";

const HOT_USERS = 20;
const READS = 1_000;
const SLOW_DB_MS = 20;
const SLOW_READS = 200;

type AppModule = typeof import("./src/app.ts");
type RedisModule = typeof import("./src/redis.ts");
type SeedModule = typeof import("./src/seed.ts");

/**
 * Runs the lab's app in this process against a MongoClient that counts `find` commands:
 * 1,000 reads spread over 20 hot users, then 200 reads with every query delayed by 20 ms.
 */
export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const load = <T>(file: string) => import(pathToFileURL(path.join(ctx.appDir, file)).href) as Promise<T>;
  const { createApp } = await load<AppModule>("src/app.ts");
  const { createRedisClient } = await load<RedisModule>("src/redis.ts");
  const { seedUsers } = await load<SeedModule>("src/seed.ts");

  const namespace = ctx.env.WORKBOOK_NS ?? `wb_bench_${process.pid}`;
  let queries = 0;
  const mongo = new MongoClient(ctx.env.MONGO_URL ?? "", { monitorCommands: true });
  mongo.on("commandStarted", (event) => {
    if (event.databaseName === namespace && event.commandName === "find") queries++;
  });
  await mongo.connect();
  const db = mongo.db(namespace);
  const redis = createRedisClient(ctx.env.REDIS_URL ?? "");
  if (redis.status !== "ready") await once(redis, "ready");

  // One app per phase: each starts with empty caches, as after a deploy.
  const serve = async (dbDelayMs: number, phase: string) => {
    const server = createApp({ db, redis, namespace: `${namespace}_${phase}`, dbDelayMs }).listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      base,
      close: () => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      },
    };
  };
  const read = async (base: string, id: string) => {
    const response = await fetch(`${base}/users/${id}`);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET /users/${id} answered ${response.status}`);
  };

  try {
    const ids = await seedUsers(db, HOT_USERS, "bench");

    const fast = await serve(0, "count");
    queries = 0;
    for (let i = 0; i < READS; i++) await read(fast.base, ids[i % HOT_USERS]!);
    const queriesPerThousand = (queries * 1_000) / READS;
    await fast.close();
    ctx.log(`${queries} MongoDB queries for ${READS} reads of ${HOT_USERS} users`);

    const slow = await serve(SLOW_DB_MS, "slow");
    const latencies: number[] = [];
    for (let i = 0; i < SLOW_READS; i++) {
      const started = performance.now();
      await read(slow.base, ids[i % HOT_USERS]!);
      latencies.push(performance.now() - started);
    }
    await slow.close();
    const medianMs = median(latencies);
    ctx.log(`median read ${medianMs.toFixed(2)} ms with a ${SLOW_DB_MS} ms database`);

    return [
      { name: `MongoDB queries per ${READS.toLocaleString("en")} reads of ${HOT_USERS} hot users`, value: queriesPerThousand, unit: "queries", better: "lower" },
      { name: `median read latency, database slowed by ${SLOW_DB_MS} ms`, value: medianMs, unit: "ms", better: "lower" },
      { name: "median read latency ÷ database delay", value: medianMs / SLOW_DB_MS, unit: "×", better: "lower" },
    ];
  } finally {
    for await (const keys of redis.scanStream({ match: `${namespace}_*`, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
    redis.disconnect();
    await db.dropDatabase().catch(() => {});
    await mongo.close();
  }
}
