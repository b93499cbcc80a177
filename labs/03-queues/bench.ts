/**
 * Bench for lab 03. Two measurements against the code in ctx.appDir:
 * 1. POST /users latency (median and p95) with an email provider that takes 200 ms per email;
 * 2. how many welcome emails one worker process sends per second, at concurrency 1 and 8
 *    (150 jobs, a provider that takes 20 ms per email).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MongoClient } from "mongodb";
import { median, percentile, startInstance, startProcess, type BenchContext, type BenchFigure, type RunningProcess } from "#kit/testing/index.ts";
import { startFakeEmailProvider } from "./src/email-provider.ts";
import { createWelcomeQueue, type WelcomeEmailJob } from "./src/queue.ts";

const POSTS = 30;
const JOBS = 150;
const SLOW_PROVIDER_MS = 200;
const FAST_PROVIDER_MS = 20;

type Enqueue = (queue: ReturnType<typeof createWelcomeQueue>, job: WelcomeEmailJob, retry: { attempts: number; backoffDelayMs: number }) => Promise<void>;

export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const latency = await measurePostLatency(ctx);
  const perSecond1 = await measureThroughput(ctx, 1);
  const perSecond8 = await measureThroughput(ctx, 8);
  return [
    { name: `POST /users median latency (${SLOW_PROVIDER_MS} ms email provider)`, value: latency.median, unit: "ms", better: "lower" },
    { name: `POST /users p95 latency (${SLOW_PROVIDER_MS} ms email provider)`, value: latency.p95, unit: "ms", better: "lower" },
    { name: `emails sent per second, one worker, concurrency 1 (${FAST_PROVIDER_MS} ms provider)`, value: perSecond1, unit: "jobs/s", better: "higher" },
    { name: `emails sent per second, one worker, concurrency 8 (${FAST_PROVIDER_MS} ms provider)`, value: perSecond8, unit: "jobs/s", better: "higher" },
  ];
}

async function measurePostLatency(ctx: BenchContext): Promise<{ median: number; p95: number }> {
  const provider = await startFakeEmailProvider({ delayMs: SLOW_PROVIDER_MS });
  const namespace = `${ctx.env.WORKBOOK_NS}_post`;
  const env = { ...ctx.env, WORKBOOK_NS: namespace, EMAIL_URL: provider.url, WORKER_CONCURRENCY: "8" };
  const app = await startInstance({ entry: path.join(ctx.appDir, "src/server.ts"), env });
  // The worker drains the queue meanwhile, as it would in production (and competes for the CPU).
  const worker = await startProcess({ entry: path.join(ctx.appDir, "src/worker.ts"), env, readyPattern: /worker ready/, readyTimeoutMs: 20_000 });
  const samples: number[] = [];
  try {
    for (let i = -3; i < POSTS; i++) {
      const start = performance.now();
      const response = await fetch(`${app.url}/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `bench-${i + 3}@example.test`, name: `Bench ${i}` }),
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`POST /users answered ${response.status}; the bench needs 201`);
      if (i >= 0) samples.push(performance.now() - start); // the first three warm up connections
    }
    ctx.log(`POST /users: median ${median(samples).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms over ${POSTS} sign-ups`);
    return { median: median(samples), p95: percentile(samples, 95) };
  } finally {
    // The bench measures sign-ups, not shutdown (step 5's tests do): kill rather than wait.
    await app.kill();
    await worker.kill();
    await provider.close();
    await cleanUp(ctx, namespace);
  }
}

async function measureThroughput(ctx: BenchContext, concurrency: number): Promise<number> {
  const provider = await startFakeEmailProvider({ delayMs: FAST_PROVIDER_MS });
  const namespace = `${ctx.env.WORKBOOK_NS}_c${concurrency}`;
  const env = { ...ctx.env, WORKBOOK_NS: namespace, EMAIL_URL: provider.url, WORKER_CONCURRENCY: String(concurrency) };
  const queue = createWelcomeQueue(ctx.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace);
  // Jobs are added with the code being measured, so its job options apply.
  const { enqueueWelcomeEmail } = (await import(pathToFileURL(path.join(ctx.appDir, "src/welcome-jobs.ts")).href)) as { enqueueWelcomeEmail: Enqueue };
  let worker: RunningProcess | undefined;
  try {
    worker = await startProcess({ entry: path.join(ctx.appDir, "src/worker.ts"), env, readyPattern: /worker ready/, readyTimeoutMs: 20_000 });
    const start = performance.now();
    await Promise.all(
      Array.from({ length: JOBS }, (_, i) =>
        enqueueWelcomeEmail(queue, { userId: `${concurrency}x${i}`, email: `tput-${i}@example.test`, name: `T ${i}` }, { attempts: 3, backoffDelayMs: 100 }),
      ),
    );
    await provider.waitUntil(() => provider.deliveries.length >= JOBS, `${JOBS} emails were sent`, 60_000);
    const seconds = (performance.now() - start) / 1000;
    const perSecond = JOBS / seconds;
    ctx.log(`concurrency ${concurrency}: ${JOBS} emails in ${seconds.toFixed(2)} s (${perSecond.toFixed(0)} per second)`);
    return perSecond;
  } finally {
    await worker?.kill();
    await provider.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

/** Remove what a measurement left in Redis and MongoDB. */
async function cleanUp(ctx: BenchContext, namespace: string): Promise<void> {
  const queue = createWelcomeQueue(ctx.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace);
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  if (ctx.env.MONGO_URL) {
    const mongo = await new MongoClient(ctx.env.MONGO_URL).connect();
    await mongo.db(namespace).dropDatabase().catch(() => {});
    await mongo.close();
  }
}
