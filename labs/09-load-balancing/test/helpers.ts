import { readFileSync } from "node:fs";
import http from "node:http";
import { after } from "node:test";
import { readHaproxyStats, resolveHaproxy, type HaproxyStatsRow, type ResolvedHaproxy } from "#kit/services/index.ts";
import { startInstance, type Instance } from "#kit/testing/index.ts";

/** The learner's balancer config, as the kit runs it. */
export const configFile = new URL("../haproxy.cfg", import.meta.url);

export interface Cluster {
  lb: ResolvedHaproxy;
  /** app1, app2, app3, in the order of the config's server lines. */
  apps: Instance[];
  /** The backend's server rows of the stats CSV, by server name. */
  servers(): Promise<Map<string, HaproxyStatsRow>>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** WORK_MS per instance (default 10 each). */
  workMs?: number[];
  /** WARMUP_MS of every instance (default 200). */
  warmupMs?: number;
}

const running: Cluster[] = [];
after(async () => {
  await Promise.allSettled(running.map((cluster) => cluster.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Start three instances and HAProxy with labs/09-load-balancing/haproxy.cfg in front of them; wait until all three are UP. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const workMs = options.workMs ?? [10, 10, 10];
  // The three start side by side: starting Node is most of a scenario's set-up time.
  const started = await Promise.allSettled(
    [0, 1, 2].map((i) =>
      startInstance({
        entry: new URL("../src/server.ts", import.meta.url),
        env: { LB_LAB_TRACE: "1", INSTANCE: `app${i + 1}`, WORK_MS: String(workMs[i] ?? 10), WARMUP_MS: String(options.warmupMs ?? 200) },
        name: `app${i + 1}`,
        // Generous: on a shared machine under load, starting Node can take many seconds.
        startTimeoutMs: 60_000,
      }),
    ),
  );
  const apps = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(apps.map((app) => app.kill()));
    throw failed.reason;
  }
  // Warm before HAProxy starts: HAProxy counts a server UP at start, but one failed check (a 503
  // while warming) marks it DOWN, and when it comes back, slow start ramps its weight up for seconds.
  // A scenario that began during that ramp would see the balancer favour the other servers.
  try {
    for (const app of apps) await until(`${app.name} to finish warming up`, () => app.output().includes("is warm"), 60_000);
  } catch (error) {
    await Promise.all(apps.map((app) => app.kill()));
    throw error;
  }
  let lb: ResolvedHaproxy;
  try {
    lb = await resolveHaproxy({
      config: readFileSync(configFile, "utf8"),
      vars: Object.fromEntries(apps.map((app, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${app.port}`])),
    });
  } catch (error) {
    await Promise.all(apps.map((app) => app.kill()));
    throw error;
  }
  const servers = async () => {
    const rows = await readHaproxyStats(lb.statsUrl!);
    return new Map(rows.filter((row) => row.pxname === "app" && row.svname !== "BACKEND" && row.svname !== "FRONTEND").map((row) => [row.svname!, row]));
  };
  let stopped: Promise<void> | undefined;
  const cluster: Cluster = {
    lb,
    apps,
    servers,
    stop: () =>
      (stopped ??= (async () => {
        await lb.stop();
        await Promise.all(apps.map((app) => app.kill()));
      })()),
  };
  running.push(cluster);
  // Every server must be taking its full share before a scenario starts: UP (with health checks,
  // that takes `rise` checks), and not slow-starting (an empty "throttle" column). A check that
  // failed at start on a loaded machine would otherwise leave one server ramping up.
  let statuses = "";
  await until("HAProxy to report app1, app2 and app3 UP (or without health checks, no check at all), none of them still slow-starting", async () => {
    const rows = await servers();
    statuses = ["app1", "app2", "app3"]
      .map((name) => `${name} ${rows.get(name)?.status ?? "(no row)"}${rows.get(name)?.throttle ? ` throttled to ${rows.get(name)?.throttle} %` : ""} (last check: ${rows.get(name)?.check_status ?? "-"} ${rows.get(name)?.check_code ?? ""})`)
      .join(", ");
    return ["app1", "app2", "app3"].every((name) => /^(UP|no check)$/.test(rows.get(name)?.status ?? "") && !rows.get(name)?.throttle);
  }, 30_000).catch((error: Error) => {
    throw new Error(`${error.message}; the three instances are warm, and HAProxy says: ${statuses}`);
  });
  return cluster;
}

/**
 * Wait until HAProxy's status of `server` matches `wanted`. Fails at once when the server has no
 * health checks at all ("no check"): its status can never change, so waiting would only hide that.
 */
export async function untilStatus(cluster: Cluster, server: string, wanted: RegExp, what: string, timeoutMs: number): Promise<string> {
  let status = "";
  await until(
    what,
    async () => {
      status = (await cluster.servers()).get(server)?.status ?? "(no row)";
      if (status === "no check") throw new Error(`HAProxy does not check ${server} at all (its status is "no check"), so it can never mark it otherwise`);
      return wanted.test(status);
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; ${server}'s status is "${status}"`);
  });
  return status;
}

/** Wait until `check()` holds; fail naming what was awaited. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await sleep(50);
  }
}

export interface Answer {
  status: number;
  /** X-Instance of the answer, or "" when there was none (an error from HAProxy, or no answer at all). */
  instance: string;
  /** The connection error, when there was no answer. */
  error?: string;
  /** Date.now() when the answer (or the error) came. */
  at: number;
}

/** Clients keep their connections open, as browsers and SDKs do. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
after(() => agent.destroy());

/** GET `path` through the balancer. */
export function get(url: string, path = "/work"): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.get(`${url}${path}`, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, instance: String(res.headers["x-instance"] ?? ""), at: Date.now() }));
      res.on("error", (error) => resolve({ status: 0, instance: "", error: error.message, at: Date.now() }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error("no answer within 20 s")));
    req.on("error", (error) => resolve({ status: 0, instance: "", error: error.message, at: Date.now() }));
  });
}

/** `total` requests from `concurrency` clients at once; `during` is called after each answer (to kill an instance, say). */
export async function load(url: string, options: { total: number; concurrency: number; during?: (done: number) => void | Promise<void> }): Promise<Answer[]> {
  const answers: Answer[] = [];
  let issued = 0;
  const client = async () => {
    while (issued < options.total) {
      issued++;
      const answer = await get(url);
      answers.push(answer);
      await options.during?.(answers.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return answers;
}

/** Requests from `concurrency` clients at once until `stop()` resolves; returns every answer. */
export async function loadUntil(url: string, concurrency: number, stop: Promise<unknown>): Promise<Answer[]> {
  const answers: Answer[] = [];
  let stopping = false;
  void stop.then(() => (stopping = true));
  const client = async () => {
    while (!stopping) answers.push(await get(url));
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return answers;
}

/** How many answers each instance gave. */
export function countBy(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = { app1: 0, app2: 0, app3: 0 };
  for (const answer of answers) if (answer.instance && answer.status === 200) counts[answer.instance] = (counts[answer.instance] ?? 0) + 1;
  return counts;
}

/** The failed answers, described in a line each (at most five). */
export function describeFailures(answers: readonly Answer[]): string {
  const failed = answers.filter((a) => a.status !== 200);
  const lines = failed.slice(0, 5).map((a) => (a.status === 0 ? `no answer (${a.error})` : `${a.status} from ${a.instance || "HAProxy itself"}`));
  return `${failed.length} of ${answers.length} requests failed: ${lines.join("; ")}${failed.length > 5 ? "; ..." : ""}`;
}

/** Requests an instance has started and not finished, from its "[work] start/end" lines. */
export function inFlight(app: Instance): number {
  const out = app.output();
  return (out.match(/\[work\] start/g)?.length ?? 0) - (out.match(/\[work\] end/g)?.length ?? 0);
}

/** PUT /admin/ready straight to the instance (HAProxy denies /admin from outside). */
export async function setReady(app: Instance, ready: boolean): Promise<void> {
  const response = await fetch(`${app.url}/admin/ready`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ ready }) });
  if (response.status !== 200) throw new Error(`PUT /admin/ready on ${app.name} answered ${response.status}: ${await response.text()}`);
}

export { sleep };
