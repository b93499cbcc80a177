import http from "node:http";
import os from "node:os";
import path from "node:path";
import { percentile, startInstance, type BenchScenario, type Instance } from "#kit/testing/index.ts";

/**
 * CPU work against a health check. 2 x cores clients each send POST /hash (600,000 PBKDF2
 * iterations, the app's default, about 0.1 s of an idle core) until 8 x cores hashes are done, while one client asks
 * GET /health every 20 ms. Measured: /health p99, the main thread's event-loop delay p99 (read
 * in the app by monitorEventLoopDelay, see test/support/instrumented-server.ts), and hashes per
 * second, after a warm-up of one hash per core. POOL_SIZE is left to the pool's default.
 *
 * The event-loop delay is the lateness of a 10 ms timer beyond its 10 ms (the histogram itself records
 * the whole interval, so an idle loop would show 10 ms), and the utilization is the share of the run the
 * main thread spent busy rather than waiting for I/O (performance.eventLoopUtilization()).
 */
const ITERATIONS = 600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function request(url: string, method: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

interface LoopReport {
  /** Milliseconds beyond the timer's own interval. */
  p99: number;
  /** 0 to 1. */
  utilization: number;
}

async function eventLoop(app: Instance): Promise<LoopReport> {
  const seen = app.output().split("\n").filter((line) => line.startsWith("[eld] ")).length;
  app.signal("SIGUSR2");
  for (let i = 0; i < 500; i++) {
    const lines = app.output().split("\n").filter((line) => line.startsWith("[eld] "));
    if (lines.length > seen) return JSON.parse(lines.at(-1)!.slice(6)) as LoopReport;
    await sleep(20);
  }
  throw new Error(`the app printed no event-loop delay. Its output:\n${app.output()}`);
}

const scenario: BenchScenario = async (ctx) => {
  const cores = os.availableParallelism();
  const total = 8 * cores;
  const app = await startInstance({
    entry: path.join(ctx.appDir, "test/support/instrumented-server.ts"),
    env: { ...ctx.env, HASH_ITERATIONS: String(ITERATIONS), QUEUE_MAX: String(total) },
    startTimeoutMs: 30_000,
  });
  const healthMs: number[] = [];
  let done = 0;
  let failed = 0;
  let issued = 0;
  let hashing = true;
  try {
    ctx.log(`${cores} cores (os.availableParallelism()); ${total} hashes of ${ITERATIONS.toLocaleString("en-US")} iterations, ${2 * cores} at a time`);
    // Warm up (one hash per core, so every worker has started and loaded its code), then measure from zero.
    await Promise.all(Array.from({ length: cores }, (_, i) => request(`${app.url}/hash`, "POST", JSON.stringify({ password: `warm-${i}` })).catch(() => 0)));
    await eventLoop(app);
    const started = performance.now();
    const client = async () => {
      while (issued < total) {
        issued++;
        const status = await request(`${app.url}/hash`, "POST", JSON.stringify({ password: `bench-${issued}` })).catch(() => 0);
        if (status === 200) done++;
        else failed++;
      }
    };
    const health = async () => {
      while (hashing) {
        const t = performance.now();
        await request(`${app.url}/health`, "GET").catch(() => 0);
        healthMs.push(performance.now() - t);
        await sleep(20);
      }
    };
    const poller = health();
    await Promise.all(Array.from({ length: 2 * cores }, client));
    const seconds = (performance.now() - started) / 1000;
    hashing = false;
    await poller;
    const loop = await eventLoop(app);
    if (failed > 0) ctx.log(`${failed} hash requests failed`);
    return [
      { name: "GET /health p99 while hashing", value: Math.round(percentile(healthMs, 99) * 10) / 10, unit: "ms", better: "lower", headline: true },
      { name: "event-loop delay p99, beyond the 10 ms timer", value: loop.p99, unit: "ms", better: "lower" },
      { name: "main thread busy (event-loop utilization)", value: Math.round(loop.utilization * 100), unit: "%", better: "lower" },
      { name: `hashes per second on ${cores} cores`, value: Math.round((done / seconds) * 10) / 10, unit: "hashes/s", better: "higher" },
      { name: "health checks answered while hashing", value: healthMs.length, unit: "requests", better: "higher" },
    ];
  } finally {
    hashing = false;
    await app.kill();
  }
};

export default scenario;
