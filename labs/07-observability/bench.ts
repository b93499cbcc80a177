import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { median, spawnTied, type BenchScenario } from "#kit/testing/index.ts";

/**
 * The price of measuring: the same app with and without the metrics middleware (and /metrics).
 * Each variant runs in its own process; both discard their log lines, so the difference is the
 * metrics. Two figures per variant:
 * - server CPU time per request, from the server process's own CPU clock. Other programs on a busy
 *   machine barely move it, so the ratio of the two is the steady figure: the share of throughput
 *   one core keeps with metrics on;
 * - req/s over a fixed window, which a noisy neighbour moves a lot (shown for orientation).
 * The two variants take turns, window by window, so both see the same machine.
 */
const ROUNDS = 3;
const SECONDS = 2; // autocannon ends runs on a 1 s tick, so a fixed window counts more precisely than an amount
const paths = [{ path: "/users/1" }, { path: "/users/2" }, { path: "/users/42" }, { path: "/users" }];

interface Server {
  child: ChildProcess;
  url: string;
  cpu(): Promise<number>;
}

async function startServer(appDir: string, metrics: boolean): Promise<Server> {
  // spawnTied rather than fork: the server dies with the bench, even one killed with SIGKILL.
  const child = spawnTied(process.execPath, [...process.execArgv, fileURLToPath(new URL("./bench-server.ts", import.meta.url))], {
    env: { ...process.env, APP_DIR: appDir, METRICS: metrics ? "on" : "off" },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`the bench server exited with code ${code} before listening`)));
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once("message", (m) => {
        const { user, system } = (m as { cpu: NodeJS.CpuUsage }).cpu;
        resolve(user + system); // microseconds
      });
      child.send("cpu");
    });
  return { child, url: `http://127.0.0.1:${port}`, cpu };
}

async function measure(server: Server): Promise<{ reqPerSec: number; cpuPerRequestUs: number }> {
  const before = await server.cpu();
  const result = await autocannon({ url: server.url, duration: SECONDS, connections: 10, requests: paths });
  const after = await server.cpu();
  if (result.errors > 0 || result.requests.total === 0) throw new Error(`the app failed ${result.errors} of ${result.requests.total} requests`);
  return { reqPerSec: result.requests.total / SECONDS, cpuPerRequestUs: (after - before) / result.requests.total };
}

const scenario: BenchScenario = async (ctx) => {
  const servers = { with: await startServer(ctx.appDir, true), without: await startServer(ctx.appDir, false) };
  const samples = { with: [] as Array<{ reqPerSec: number; cpuPerRequestUs: number }>, without: [] as Array<{ reqPerSec: number; cpuPerRequestUs: number }> };
  try {
    for (const server of Object.values(servers)) await autocannon({ url: server.url, amount: 500, connections: 10, requests: paths }); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const);
      for (const variant of order) samples[variant].push(await measure(servers[variant]));
    }
  } finally {
    for (const server of Object.values(servers)) server.child.disconnect();
  }
  const cpu = { with: median(samples.with.map((s) => s.cpuPerRequestUs)), without: median(samples.without.map((s) => s.cpuPerRequestUs)) };
  const rps = { with: median(samples.with.map((s) => s.reqPerSec)), without: median(samples.without.map((s) => s.reqPerSec)) };
  ctx.log(`CPU per request: ${cpu.with.toFixed(0)} µs with metrics, ${cpu.without.toFixed(0)} µs without; req/s ${Math.round(rps.with)} vs ${Math.round(rps.without)}`);
  return [
    { name: "server CPU per request with the metrics middleware", value: Number(cpu.with.toFixed(1)), unit: "µs", better: "lower" },
    { name: "server CPU per request without it", value: Number(cpu.without.toFixed(1)), unit: "µs", better: "lower" },
    { name: "throughput kept with metrics on (CPU-bound: without / with)", value: Number((cpu.without / cpu.with).toFixed(3)), unit: "ratio", better: "higher" },
    { name: "req/s with / without (wall clock, noisy on a shared machine)", value: Number((rps.with / rps.without).toFixed(3)), unit: "ratio", better: "higher" },
  ];
};

export default scenario;
