// The shop with its budgets, as one thing to start and stop: stack.ts (`npm run lab -- start 17`)
// and the tests use this same module, so what the tests check is what you run by hand.
// It starts the database governor and the email provider (the budgets), seeds the catalog, starts
// the worker and as many instances of src/server.ts as deploy.json asks (within the budget of 3),
// and a private HAProxy with haproxy.cfg in front of them. Every process dies with its parent.
// This file is the environment, not the app: leave it as it is.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { MongoClient } from "mongodb";
import { findHaproxy, getFreePort, readHaproxyStats, spawnTied, startMongoGovernor, startPrivateHaproxy, type HaproxyStatsRow, type MongoGovernor, type ResolvedHaproxy } from "#kit/services/index.ts";
import { startEmailProvider, type EmailProvider } from "#kit/testing/index.ts";
import { seed } from "./src/seed.ts";

const here = new URL(".", import.meta.url);

/** The instance budget: a fixed compute quota, whatever deploy.json asks. */
export const INSTANCE_BUDGET = 3;

/** deploy.json's `instances`: a whole number from 1 to the budget, or an error that names the budget. */
export function readDeploy(file: URL = new URL("deploy.json", here)): { instances: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`deploy.json could not be read as JSON (${(error as Error).message}); it should be like {"instances": 1}`);
  }
  const instances = (parsed as { instances?: unknown } | null)?.instances;
  if (typeof instances !== "number" || !Number.isInteger(instances) || instances < 1 || instances > INSTANCE_BUDGET) {
    throw new Error(`deploy.json: "instances" must be a whole number from 1 to ${INSTANCE_BUDGET} (the instance budget is ${INSTANCE_BUDGET}), got ${JSON.stringify(instances)}`);
  }
  return { instances };
}

export interface ShopOptions {
  /** MONGO_URL, REDIS_URL, WORKBOOK_NS (and anything else every process should get). */
  env: Record<string, string | undefined>;
  /** The DB budget (default 300). */
  dbOpsPerSecond?: number;
  /** The email budget (default 5). */
  emailCallsPerSecond?: number;
  /** The provider's other settings (bucket size, failure rate, delay). */
  email?: { burst?: number; failureRate?: number; delayMs?: number };
  /** An email provider that runs elsewhere (EMAIL_URL): none is started. */
  emailUrl?: string;
  /** Default: deploy.json's. */
  instances?: number;
  /** HAProxy's port (default: a free one). */
  port?: number;
  /** "inherit": the processes print to this terminal; "capture" (default): kept for output(). */
  stdio?: "inherit" | "capture";
}

export interface ShopProcess {
  name: string;
  /** http://127.0.0.1:port (the worker has none). */
  url: string;
  port: number;
  /** Running now? */
  alive(): boolean;
  /** What it printed (stdio "capture"). */
  output(): string;
  /** Send `signal` (default SIGKILL) and wait until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Send `signal` and return at once (SIGSTOP and SIGCONT, to freeze a process in a test). */
  signal(signal: NodeJS.Signals): void;
  /** The running process's id (undefined when it is not running). */
  pid(): number | undefined;
  /** Start it again (same port) and wait until it is ready. */
  restart(): Promise<void>;
}

export interface Shop {
  /** HAProxy: where clients connect. */
  url: string;
  statsUrl: string;
  adminToken: string;
  namespace: string;
  instances: ShopProcess[];
  worker: ShopProcess;
  governor: MongoGovernor;
  /** Undefined when emailUrl was given. */
  email: EmailProvider | undefined;
  emailUrl: string;
  dbOpsPerSecond: number;
  emailCallsPerSecond: number;
  /** HAProxy's rows for the app backend's servers, by name (app1...). */
  servers(): Promise<Map<string, HaproxyStatsRow>>;
  /** Wait until HAProxy has every running instance UP and none slow-starting. */
  untilAllUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await sleep(50);
  }
}

async function answers(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export async function startShop(options: ShopOptions): Promise<Shop> {
  const { MONGO_URL: mongoUrl, REDIS_URL: redisUrl, WORKBOOK_NS: namespace } = options.env;
  if (!mongoUrl || !redisUrl || !namespace) throw new Error("startShop needs MONGO_URL, REDIS_URL and WORKBOOK_NS (the kit sets them)");
  const count = options.instances ?? readDeploy().instances;
  if (!Number.isInteger(count) || count < 1 || count > INSTANCE_BUDGET) throw new Error(`instances must be a whole number from 1 to ${INSTANCE_BUDGET} (the instance budget), got ${count}`);
  const haproxyBin = await findHaproxy();
  if (!haproxyBin) throw new Error("the shop needs a haproxy binary (apt install haproxy, or HAPROXY_BIN)");
  const dbOpsPerSecond = options.dbOpsPerSecond ?? 300;
  const emailCallsPerSecond = options.emailCallsPerSecond ?? 15;

  const cleanups: (() => Promise<unknown>)[] = [];
  const processes: ShopProcess[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const governor = await startMongoGovernor({ upstream: mongoUrl, opsPerSecond: dbOpsPerSecond });
    cleanups.push(() => governor.close());
    const email = options.emailUrl ? undefined : await startEmailProvider({ callsPerSecond: emailCallsPerSecond, ...options.email });
    if (email) cleanups.push(() => email.close());
    const emailUrl = options.emailUrl ?? email!.url;

    // Seeded straight on MongoDB, around the budget: the seed is not traffic.
    const seedClient = await new MongoClient(mongoUrl).connect();
    try {
      await seed(seedClient.db(namespace).collection("products"));
    } finally {
      await seedClient.close();
    }

    const adminToken = options.env.ADMIN_TOKEN ?? randomBytes(18).toString("base64url");
    const env: Record<string, string> = {
      ...(Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter(([, v]) => v !== undefined)) as Record<string, string>),
      MONGO_URL: governor.uri,
      EMAIL_URL: emailUrl,
      ADMIN_TOKEN: adminToken,
      // One secret for every process: a cursor or cookie signed by one instance is checked by another.
      SECRET: options.env.SECRET ?? randomBytes(32).toString("base64url"),
      EMAIL_CALLS_PER_SECOND: String(emailCallsPerSecond),
      TRUST_PROXY_HOPS: "1",
      HOST: "127.0.0.1",
    };

    const makeProcess = (name: string, entry: string, port: number, ready: (p: ShopProcess) => Promise<void>): ShopProcess => {
      let child: ChildProcess | undefined;
      let out = "";
      const launch = () => {
        const capture = options.stdio !== "inherit";
        child = spawnTied(process.execPath, [new URL(entry, here).pathname], {
          env: { ...env, INSTANCE: name, ...(port ? { PORT: String(port) } : {}) },
          stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
        });
        child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.once("exit", (code, signal) => {
          if (!stopping && options.stdio === "inherit") console.error(`${name} (${entry}) exited (${signal ?? `code ${code}`})`);
        });
      };
      const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
      const proc: ShopProcess = {
        name,
        port,
        url: port ? `http://127.0.0.1:${port}` : "",
        alive,
        output: () => out,
        async kill(signal: NodeJS.Signals = "SIGKILL") {
          if (!alive()) return;
          const exited = once(child!, "exit");
          child!.kill(signal);
          const force = setTimeout(() => child?.kill("SIGKILL"), 20_000);
          await exited;
          clearTimeout(force);
        },
        signal(signal: NodeJS.Signals) {
          if (alive()) child!.kill(signal);
        },
        pid: () => (alive() ? child!.pid : undefined),
        async restart() {
          if (stopping) throw new Error(`the shop is stopped: ${name} is not started again`);
          if (alive()) throw new Error(`${name} is still running: kill it first`);
          launch();
          await ready(proc);
        },
      };
      launch();
      cleanups.push(() => proc.kill("SIGKILL"));
      processes.push(proc);
      return proc;
    };

    const exitedEarly = (p: ShopProcess) => {
      if (!p.alive()) throw new Error(`${p.name} exited before it was ready; it printed:\n${p.output().slice(-2000)}`);
    };
    const worker = makeProcess("worker1", "src/worker.ts", 0, (p) =>
      until(`${p.name} to say it is ready`, () => (exitedEarly(p), /ready/.test(p.output()) || options.stdio === "inherit"), 60_000),
    );
    const ports: number[] = [];
    for (let i = 0; i < INSTANCE_BUDGET; i++) ports.push(await getFreePort());
    const instanceReady = (p: ShopProcess) => until(`${p.name} to answer 200 on /health/ready`, async () => (exitedEarly(p), (await answers(`${p.url}/health/ready`)) === 200), 60_000);
    const instances = ports.slice(0, count).map((port, i) => makeProcess(`app${i + 1}`, "src/server.ts", port, instanceReady));
    await Promise.all([...instances.map(instanceReady), (async () => options.stdio === "inherit" || until("worker1 to say it is ready", () => (exitedEarly(worker), /ready/.test(worker.output())), 60_000))()]);

    // Servers past deploy.json's count point at ports nobody listens on: HAProxy keeps them DOWN.
    const haproxy: ResolvedHaproxy = await startPrivateHaproxy(haproxyBin, readFileSync(new URL("haproxy.cfg", here), "utf8"), {
      ...(options.port ? { LB_BIND: `127.0.0.1:${options.port}` } : {}),
      ...Object.fromEntries(ports.map((port, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${port}`])),
    });
    cleanups.push(() => haproxy.stop());
    const servers = async () => {
      const rows = await readHaproxyStats(haproxy.statsUrl!);
      return new Map(rows.filter((row) => row.pxname === "app" && row.svname !== "BACKEND" && row.svname !== "FRONTEND").map((row) => [row.svname!, row]));
    };
    const untilAllUp = async (timeoutMs = 30_000) => {
      let seen = "";
      await until(
        "HAProxy to have every running instance UP, none slow-starting, and the servers past deploy.json's count DOWN",
        async () => {
          const rows = await servers();
          const running = instances.filter((p) => p.alive());
          const unused = ports.slice(count).map((_, i) => `app${count + i + 1}`);
          seen = [...running.map((p) => p.name), ...unused].map((name) => `${name} ${rows.get(name)?.status ?? "?"}${rows.get(name)?.throttle ? ` (${rows.get(name)?.throttle} %)` : ""}`).join(", ");
          return running.every((p) => rows.get(p.name)?.status === "UP" && !rows.get(p.name)?.throttle) && unused.every((name) => /^DOWN/.test(rows.get(name)?.status ?? ""));
        },
        timeoutMs,
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${seen}`);
      });
    };
    await untilAllUp(30_000);
    return {
      url: haproxy.url,
      statsUrl: haproxy.statsUrl!,
      adminToken,
      namespace,
      instances,
      worker,
      governor,
      email,
      emailUrl,
      dbOpsPerSecond,
      emailCallsPerSecond,
      servers,
      untilAllUp,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
