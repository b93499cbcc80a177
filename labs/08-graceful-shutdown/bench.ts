import http from "node:http";
import path from "node:path";
import { Redis } from "ioredis";
import { MongoClient } from "mongodb";
import { roundRobinProxy, startInstances, stopAll, type BenchScenario, type Instance } from "#kit/testing/index.ts";

/**
 * A rolling restart under load: two instances behind a round-robin load balancer whose health
 * check polls GET /ready. While a bounded load loop runs, instance A is restarted (SIGTERM, wait
 * for it to exit, start it again), then instance B. Every request that fails (a non-2xx answer
 * or a network error) is a user who saw an error during a routine deploy.
 */
const CONCURRENCY = 8;
const MAX_REQUESTS = 20_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

async function waitReady(instance: Instance): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${instance.url}/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${instance.url} never became ready after its restart. Its output:\n${instance.output()}`);
}

const scenario: BenchScenario = async (ctx) => {
  const entry = path.join(ctx.appDir, "src/server.ts");
  // DRAIN_DELAY_MS: ten health-check intervals of the balancer below (100 ms each), so it has
  // certainly seen the 503 before the listener closes.
  const env = { ...ctx.env, DRAIN_DELAY_MS: "1000", SHUTDOWN_TIMEOUT_MS: "10000" };
  const apps = await startInstances(2, { entry, env, startTimeoutMs: 30_000 });
  const lb = await roundRobinProxy({ targets: apps.map((a) => a.url), healthPath: "/ready", healthIntervalMs: 100 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let sent = 0;
  let failed = 0;
  let running = true;
  const errors = new Map<string, number>();
  const worker = async () => {
    while (running && sent < MAX_REQUESTS) {
      sent++;
      try {
        const status = await get(`${lb.url}/slow?ms=20`, agent);
        if (status < 200 || status > 299) {
          failed++;
          errors.set(`HTTP ${status}`, (errors.get(`HTTP ${status}`) ?? 0) + 1);
        }
      } catch (error) {
        failed++;
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }
  };
  try {
    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await sleep(1000); // steady state first
    for (const [i, app] of apps.entries()) {
      ctx.log(`restarting instance ${i === 0 ? "A" : "B"} under load`);
      await app.restart(); // SIGTERM, wait for exit (SIGKILL after 3 s), start again on the same port
      await waitReady(app);
      await sleep(500); // let the balancer's health check put it back in rotation
    }
    await sleep(500);
    running = false;
    await load;
  } finally {
    running = false;
    agent.destroy();
    await lb.close();
    await stopAll(apps);
    await cleanUp(ctx.env);
  }
  if (failed > 0) ctx.log(`failures by kind: ${[...errors].map(([kind, n]) => `${kind} x${n}`).join(", ")}`);
  return [
    { name: "failed requests during a rolling restart of 2 instances", value: failed, unit: "requests", better: "lower" },
    { name: "requests sent during the restart", value: sent, unit: "requests", better: "higher" },
  ];
};

async function cleanUp(env: Record<string, string>): Promise<void> {
  const namespace = env.WORKBOOK_NS;
  if (!namespace) return;
  if (env.REDIS_URL) {
    const redis = new Redis(env.REDIS_URL);
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  if (env.MONGO_URL) {
    const mongo = new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 3000 });
    await mongo.db(namespace).dropDatabase().catch(() => {});
    await mongo.close();
  }
}

export default scenario;
