import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { readHaproxyStats, resolveHaproxy, type ResolvedHaproxy } from "#kit/services/index.ts";
import { percentile, startInstance, type BenchScenario, type Instance } from "#kit/testing/index.ts";

/**
 * Two scenarios through a real HAProxy running the lab's haproxy.cfg, in front of three instances.
 * 1. One slow instance: app3 answers in 400 ms, app1 and app2 in 20 ms; 8 keep-alive clients send
 *    400 requests. Measured: client-side p95 and p99, and app3's share of the requests.
 * 2. A killed instance: 6 clients send requests for 5 s; app2 is SIGKILLed after 1 s. Measured:
 *    the requests that failed.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  ok: boolean;
  instance: string;
  ms: number;
}

function get(url: string, agent: http.Agent): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean, instance = "") => resolve({ ok, instance, ms: performance.now() - t0 });
    const req = http.get(`${url}/work`, { agent }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode === 200, String(res.headers["x-instance"] ?? "")));
      res.on("error", () => done(false));
    });
    req.setTimeout(20_000, () => req.destroy(new Error("timeout")));
    req.on("error", () => done(false));
  });
}

async function cluster(appDir: string, workMs: number[]): Promise<{ lb: ResolvedHaproxy; apps: Instance[]; stop(): Promise<void> }> {
  const apps: Instance[] = [];
  for (const [i, ms] of workMs.entries()) {
    apps.push(await startInstance({ entry: path.join(appDir, "src/server.ts"), env: { INSTANCE: `app${i + 1}`, WORK_MS: String(ms), WARMUP_MS: "200" }, name: `app${i + 1}`, startTimeoutMs: 60_000 }));
  }
  const lb = await resolveHaproxy({
    config: readFileSync(path.join(appDir, "haproxy.cfg"), "utf8"),
    vars: Object.fromEntries(apps.map((app, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${app.port}`])),
  });
  // Wait until HAProxy sends traffic to all three (after `rise` checks, if there are checks).
  for (let i = 0; i < 200; i++) {
    const rows = (await readHaproxyStats(lb.statsUrl!)).filter((row) => row.pxname === "app" && /^app\d$/.test(row.svname ?? ""));
    if (rows.length === 3 && rows.every((row) => /^(UP|no check)$/.test(row.status ?? ""))) break;
    await sleep(50);
  }
  return { lb, apps, stop: async () => void (await Promise.all([lb.stop(), ...apps.map((app) => app.kill())])) };
}

async function slowInstance(appDir: string): Promise<{ mean: number; p95: number; p99: number; slowShare: number }> {
  const { lb, stop } = await cluster(appDir, [20, 20, 400]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const answers: Answer[] = [];
    let issued = 0;
    const client = async () => {
      while (issued < 400) {
        issued++;
        answers.push(await get(lb.url, agent));
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    const ms = answers.map((a) => a.ms);
    return {
      mean: Math.round(ms.reduce((sum, x) => sum + x, 0) / ms.length),
      p95: Math.round(percentile(ms, 95)),
      p99: Math.round(percentile(ms, 99)),
      slowShare: Math.round((answers.filter((a) => a.instance === "app3").length / answers.length) * 1000) / 10,
    };
  } finally {
    agent.destroy();
    await stop();
  }
}

async function killedInstance(appDir: string): Promise<{ failed: number; total: number }> {
  const { lb, apps, stop } = await cluster(appDir, [20, 20, 20]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  try {
    let running = true;
    let failed = 0;
    let total = 0;
    const client = async () => {
      while (running) {
        const answer = await get(lb.url, agent);
        total++;
        if (!answer.ok) failed++;
      }
    };
    const clients = Promise.all(Array.from({ length: 6 }, client));
    await sleep(1000);
    await apps[1]!.kill();
    await sleep(4000);
    running = false;
    await clients;
    return { failed, total };
  } finally {
    agent.destroy();
    await stop();
  }
}

const scenario: BenchScenario = async (ctx) => {
  ctx.log("one slow instance (400 ms against 20 ms): 8 clients, 400 requests");
  const slow = await slowInstance(ctx.appDir);
  ctx.log("one instance killed: 6 clients for 5 s, app2 SIGKILLed after 1 s");
  const killed = await killedInstance(ctx.appDir);
  return [
    { name: "p99 latency with one instance 20x slower", value: slow.p99, unit: "ms", better: "lower", headline: true },
    { name: "p95 latency with one instance 20x slower", value: slow.p95, unit: "ms", better: "lower" },
    { name: "mean latency with one instance 20x slower", value: slow.mean, unit: "ms", better: "lower" },
    { name: "share of requests sent to the slow instance", value: slow.slowShare, unit: "%", better: "lower" },
    { name: "failed requests while an instance is killed (6 clients, 5 s)", value: killed.failed, unit: "requests", better: "lower" },
  ];
};

export default scenario;
