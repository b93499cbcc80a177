import http from "node:http";
import { after } from "node:test";
import { Redis } from "ioredis";
import { MongoClient } from "mongodb";
import { labServices, startInstance, type Instance } from "#kit/testing/index.ts";
import { resolveServices } from "#kit/services/index.ts";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** True when the request went out on a keep-alive socket that an earlier request had used. */
  reusedSocket: boolean;
}

export interface ExitReport {
  code: number;
  /** Date.now() in the app when it called process.exit (the report's own Redis probe comes after). */
  exitedAt: number;
  /** Names of this app's Redis connections still open when it exited (or why the probe failed). */
  redisClients: string[] | string;
  mongoClientsOpen: number;
}

/** A running app process and the namespace its keys, queue and connection names use. */
export type App = Instance & { namespace: string };

const started: App[] = [];
let count = 0;

// Run straight with `node --test` (no MONGO_URL from the kit), this file resolves MongoDB itself,
// so that it can also stop it when the file is done: an embedded stand-in left running would keep
// the test process alive.
const ownMongo = process.env.MONGO_URL ? undefined : await resolveServices(["mongo"]);
if (ownMongo?.env.MONGO_URL) process.env.MONGO_URL = ownMongo.env.MONGO_URL;

/**
 * Start the app as its own process, with the exit witness from support/instrumented-server.ts.
 * `env` sets DRAIN_DELAY_MS / SHUTDOWN_TIMEOUT_MS for the test at hand. Each app gets its own
 * namespace, so one app's Redis connections are never mistaken for another's.
 */
export async function startApp(env: Record<string, string>): Promise<App> {
  const services = await labServices(["redis", "mongo"]);
  const namespace = `${services.namespace}_${++count}`;
  const instance = await startInstance({
    entry: new URL("./support/instrumented-server.ts", import.meta.url),
    env: { ...services.env, WORKBOOK_NS: namespace, ...env },
    startTimeoutMs: 30_000,
  });
  const app = Object.assign(instance, { namespace });
  started.push(app);
  return app;
}

/** One HTTP request. Without an agent it uses a fresh connection, as a new client would. */
export function request(url: string, options: { agent?: http.Agent; method?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? "GET",
        agent: options.agent ?? false,
        headers: payload ? { "content-type": "application/json" } : {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }));
        res.on("error", reject);
        res.on("aborted", () => reject(new Error("the response was cut off before it ended")));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** What a request came to: an answer, or the error code (ECONNREFUSED, ECONNRESET...). */
export async function attempt(url: string): Promise<{ status: number } | { error: string }> {
  try {
    return { status: (await request(url)).status };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

/** Resolve once the process has printed a line matching `pattern` (request handlers announce themselves). */
export async function waitForOutput(instance: Instance, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(instance.output())) {
    if (instance.child.exitCode !== null) throw new Error(`the app exited before printing ${pattern}. Its output:\n${instance.output()}`);
    if (Date.now() > deadline) throw new Error(`the app did not print ${pattern} within ${timeoutMs} ms. Its output:\n${instance.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The exit code, or a failure that says the process did not exit in time. */
export async function exitWithin(instance: Instance, ms: number, why: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the app had not exited ${ms} ms after the signal (${why}). Its output:\n${instance.output()}`)), ms);
  });
  try {
    return await Promise.race([instance.exited(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The report support/instrumented-server.ts printed as the process exited. */
export function exitReport(instance: Instance): ExitReport | undefined {
  const line = instance.output().split("\n").find((l) => l.startsWith("[exit-report] "));
  return line ? (JSON.parse(line.slice("[exit-report] ".length)) as ExitReport) : undefined;
}

/**
 * After the file: every app still running must stop by itself on SIGTERM (the kit's stop() fails
 * otherwise, naming it); then delete what the apps wrote (Redis keys under their namespaces, their
 * databases) and stop this file's own MongoDB stand-in, if it started one.
 */
after(async () => {
  const stopped = await Promise.allSettled(started.map((instance) => instance.stop()));
  try {
    if (started.length > 0) await cleanUp();
  } finally {
    await ownMongo?.stop();
  }
  const failures = stopped.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (failures.length > 0) throw new Error(`expected every app to exit by itself on SIGTERM:\n${failures.join("\n")}`);
});

async function cleanUp(): Promise<void> {
  const { redisUrl, mongoUrl } = await labServices(["redis", "mongo"]);
  const redis = new Redis(redisUrl);
  const mongo = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3000 });
  try {
    for (const { namespace } of started) {
      const keys = await redis.keys(`${namespace}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await mongo.db(namespace).dropDatabase().catch(() => {});
    }
  } finally {
    redis.disconnect();
    await mongo.close();
  }
}

/** Where the file's Redis is, for tests that inspect a queue themselves. */
export async function redisConnection(): Promise<{ host: string; port: number }> {
  const url = new URL((await labServices(["redis", "mongo"])).redisUrl);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll `url` on fresh connections, one at a time with a 5 ms pause (like a busy health checker),
 * until the connection is refused, the app exits or `limitMs` have passed. Returns the runs of
 * identical outcomes, e.g. [["200", 3], ["503", 40], ["ECONNREFUSED", 1]].
 */
export async function pollUntilRefused(url: string, app: App, limitMs = 20_000): Promise<Array<[string, number]>> {
  const runs: Array<[string, number]> = [];
  const until = performance.now() + limitMs;
  for (let i = 0; performance.now() < until && app.child.exitCode === null; i++) {
    if (i > 0) await sleep(5);
    const outcome = await attempt(url);
    const label = "status" in outcome ? String(outcome.status) : outcome.error;
    const last = runs.at(-1);
    if (last && last[0] === label) last[1]++;
    else runs.push([label, 1]);
    if (label === "ECONNREFUSED") break;
  }
  return runs;
}

export const show = (runs: Array<[string, number]>) => runs.map(([label, n]) => `${label} x${n}`).join(" -> ");

/** Ask /ready until it stops answering 200 (the first signal has visibly started the drain). */
export async function waitUntilNotReady(app: App): Promise<{ status: number } | { error: string }> {
  let seen = await attempt(`${app.url}/ready`);
  for (let i = 0; i < 500 && "status" in seen && seen.status === 200; i++) seen = await attempt(`${app.url}/ready`);
  return seen;
}
