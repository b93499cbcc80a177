// `npm run lab -- bench 17`: the README's forecast mix, open-loop, at 1x, 2x, 5x and 10x of 50 requests/s,
// against the whole stack (stack.ts, which runs shop-stack.ts, the harness the tests use: the budgets, the
// seed, the worker, deploy.json's instances behind HAProxy), for the
// starter, your code and (with --solution) ours. Per multiple it prints p50/p95/p99 and errors per route class,
// what the budgets counted (database operations/s against the governor's 300, waits, sheds; email calls
// against the provider's 15/s, 429s), and the knee: the lowest multiple that breaks an SLO of the README.
// `--load 3x` runs one multiple. The curves are saved to .workbook/bench/17-capstone.load-curve.json, in the
// shape site/src/charts/load-curve.ts draws.
//
// What the mix leaves out, so that every request can be judged alone: POST /logout (it would end the sessions
// the other requests use) and deep pages of /orders (following cursors takes one request per page); the burst,
// the flooding client and a deploy are the tests' (steps 7 and 6), not this curve's; the flash sale is the
// forecast's, for ANSWER.md: at 30x on two cores the load generator would measure itself.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { curvePoints, formatNumber, kneeOf, runLoadCurve, stepLines, type CurveStep, type LoadCurvePoint, type LoadRequest, type MixEntry, type Slo } from "#kit/bench/load-curve.ts";
import { getFreePort, startProcess, workbookDir, type BenchContext, type BenchFigure, type RunningProcess } from "#kit/testing/index.ts";

/** 1x: the README's peak hour today. */
const baseRate = 50;
const defaultMultiples = [1, 2, 5, 10];
/** Per multiple: 150 requests at 1x, 1,500 at 10x; short enough that `bench 17` (3 runs each of the starter and yours) stays near 3 minutes. */
const durationMs = 3000;
const timeoutMs = 2000;
/** Users logged in before the run; the account, cart, checkout and orders classes act as them. */
const userCount = 24;
const password = "correct horse battery";

/** The README's SLOs per route class ("cart, orders" is one row there, two classes here). */
export const slo: Slo = {
  catalog: { p99Ms: 100, maxErrorShare: 0.001 },
  account: { p99Ms: 300, maxErrorShare: 0.005 },
  cart: { p99Ms: 300, maxErrorShare: 0.005 },
  checkout: { p99Ms: 500, maxErrorShare: 0.005 },
  orders: { p99Ms: 300, maxErrorShare: 0.005 },
  admin: { p99Ms: 1000, maxErrorShare: 0.01 },
};

interface User {
  email: string;
  cookie: string;
  client: string;
}

/** The product ids of the README's hot keys: 3 take 60 % of product reads, the top 20 take 85 %. */
const hot = [7, 42, 113];
const top20 = [...hot, ...Array.from({ length: 17 }, (_, i) => 150 + i)];
const rest = Array.from({ length: 200 }, (_, i) => i + 1).filter((id) => !top20.includes(id));
const pick = <T>(list: readonly T[], random: () => number): T => list[Math.floor(random() * list.length)]!;
function productRead(random: () => number): number {
  const r = random();
  return r < 0.6 ? pick(hot, random) : r < 0.85 ? pick(top20.slice(3), random) : pick(rest, random);
}
const categories = ["books", "garden", "kitchen", "music", "outdoor", "tools", "toys", "video"];

const json = (client: string, cookie?: string): Record<string, string> => ({ "content-type": "application/json", "x-client-id": client, ...(cookie ? { cookie } : {}) });

/** The forecast's mix (README, "The forecast"), over the users logged in before the run. */
function forecastMix(users: User[], adminToken: string, runTag: string): MixEntry[] {
  // Carts are filled and checked out in rotation over the users, adds three times as often as checkouts,
  // so a checkout finds a cart (an empty one is a 400, which would count as an error).
  let adds = 0;
  let checkouts = 0;
  let signups = 0;
  const admin = { authorization: `Bearer ${adminToken}`, "x-client-id": "dashboard" };
  return [
    {
      routeClass: "catalog",
      weight: 70,
      request: (_i, random): LoadRequest => {
        const client = `visitor-${Math.floor(random() * 1000)}`;
        if (random() < 0.85) return { method: "GET", path: `/products/${productRead(random)}`, headers: { "x-client-id": client } };
        return { method: "GET", path: `/products?category=${pick(categories, random)}`, headers: { "x-client-id": client } };
      },
    },
    {
      routeClass: "account",
      weight: 6,
      request: (_i, random): LoadRequest => {
        // The README's account class: one request in five hashes a password (a sign-up in twenty, a login in
        // about seven), the rest are GET /me.
        const r = random();
        if (r < 0.05) {
          const email = `bench-${runTag}-new${++signups}@example.com`;
          return { method: "POST", path: "/signup", headers: json(`signup-${signups}`), body: JSON.stringify({ email, password }) };
        }
        const user = pick(users, random);
        if (r < 0.2) return { method: "POST", path: "/login", headers: json(user.client), body: JSON.stringify({ email: user.email, password }) };
        return { method: "GET", path: "/me", headers: { cookie: user.cookie, "x-client-id": user.client } };
      },
    },
    {
      routeClass: "cart",
      weight: 12,
      request: (_i, random): LoadRequest => {
        if (random() < 0.5) {
          const user = pick(users, random);
          return { method: "GET", path: "/cart", headers: { cookie: user.cookie, "x-client-id": user.client } };
        }
        const user = users[adds++ % users.length]!;
        return { method: "POST", path: "/cart/items", headers: json(user.client, user.cookie), body: JSON.stringify({ productId: pick(rest, random), quantity: 1 }) };
      },
    },
    {
      routeClass: "checkout",
      weight: 2,
      request: (): LoadRequest => {
        const n = checkouts++;
        const user = users[n % users.length]!;
        return { method: "POST", path: "/checkout", headers: { ...json(user.client, user.cookie), "idempotency-key": `bench-${runTag}-${n}` } };
      },
    },
    {
      routeClass: "orders",
      weight: 9.5,
      request: (_i, random): LoadRequest => {
        const user = pick(users, random);
        return { method: "GET", path: `/orders?limit=${random() < 0.9 ? 20 : 100}`, headers: { cookie: user.cookie, "x-client-id": user.client } };
      },
    },
    {
      routeClass: "admin",
      weight: 0.5,
      request: (_i, random): LoadRequest => {
        if (random() < 0.9) return { method: "GET", path: "/admin/report", headers: admin };
        return { method: "PATCH", path: `/admin/products/${pick(rest, random)}`, headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ priceCents: 500 + Math.floor(random() * 9000) }) };
      },
    },
  ];
}

interface Budgets {
  at: number;
  db: { opsPerSecond: number; operations: number; waited: number; totalWaitMs: number; shed: number };
  email: { callsPerSecond: number; calls: number; rateLimited: number; delivered: number; failed: number };
}

/** What the budgets counted between two snapshots, per second of that span. */
export interface BudgetUse {
  seconds: number;
  dbOpsPerSecond: number;
  dbBudget: number;
  dbWaited: number;
  dbMeanWaitMs: number;
  dbShed: number;
  emailCalls: number;
  emailCallsPerSecond: number;
  emailBudget: number;
  email429: number;
  emailFailed: number;
}

async function readBudgets(url: string): Promise<Budgets> {
  const body = (await (await fetch(url)).json()) as Omit<Budgets, "at">;
  return { at: performance.now(), ...body };
}

function budgetUse(before: Budgets, after: Budgets): BudgetUse {
  const seconds = (after.at - before.at) / 1000;
  const waited = after.db.waited - before.db.waited;
  return {
    seconds,
    dbOpsPerSecond: (after.db.operations - before.db.operations) / seconds,
    dbBudget: after.db.opsPerSecond,
    dbWaited: waited,
    dbMeanWaitMs: waited === 0 ? 0 : (after.db.totalWaitMs - before.db.totalWaitMs) / waited,
    dbShed: after.db.shed - before.db.shed,
    emailCalls: after.email.calls - before.email.calls,
    emailCallsPerSecond: (after.email.calls - before.email.calls) / seconds,
    emailBudget: after.email.callsPerSecond,
    email429: after.email.rateLimited - before.email.rateLimited,
    emailFailed: after.email.failed - before.email.failed,
  };
}

const n0 = (value: number) => formatNumber(Math.round(value));
export function budgetLine(use: BudgetUse): string {
  return (
    `  budgets over ${use.seconds.toFixed(1)} s: database ${n0(use.dbOpsPerSecond)} operations/s of ${n0(use.dbBudget)}, ${n0(use.dbWaited)} waited` +
    `${use.dbWaited > 0 ? ` (mean ${n0(use.dbMeanWaitMs)} ms)` : ""}, ${n0(use.dbShed)} shed · email ${n0(use.emailCalls)} calls (${formatNumber(Number(use.emailCallsPerSecond.toFixed(1)))}/s of ${n0(use.emailBudget)}), ${n0(use.email429)} answered 429, ${n0(use.emailFailed)} failed`
  );
}

async function call(base: string, method: string, pathname: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return fetch(new URL(pathname, base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Sign up and log in `userCount` users, each with one item in the cart; before the measured run. */
async function makeUsers(base: string, runTag: string): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < userCount; i++) {
    const user = { email: `bench-${runTag}-${i}@example.com`, client: `user-${i}`, cookie: "" };
    const signup = await call(base, "POST", "/signup", json(user.client), { email: user.email, password });
    if (signup.status !== 201) throw new Error(`signup of ${user.email} answered ${signup.status}: ${await signup.text()}`);
    const login = await call(base, "POST", "/login", json(user.client), { email: user.email, password });
    const sid = /sid=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
    if (login.status !== 200 || !sid) throw new Error(`login of ${user.email} answered ${login.status} without a sid cookie: ${await login.text()}`);
    user.cookie = `sid=${sid}`;
    // Through the balancer, the first item may land on an instance that does not know the session (the
    // starter keeps sessions in memory): that is the starter's to answer during the run, not the set-up's.
    await (await call(base, "POST", "/cart/items", json(user.client, user.cookie), { productId: rest[i]!, quantity: 1 })).arrayBuffer();
    users.push(user);
  }
  return users;
}

async function waitReady(base: string): Promise<void> {
  let inARow = 0;
  for (let tries = 0; tries < 120 && inARow < 6; tries++) {
    const ok = await fetch(new URL("/products/1", base)).then((r) => r.ok, () => false);
    inARow = ok ? inARow + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (inARow < 6) throw new Error(`the stack at ${base} did not answer GET /products/1 with 200 within 30 s`);
}

/** The curves as the site's chart takes them (site/src/charts/load-curve.ts), one entry per variant, newest run. */
export interface SavedCurve {
  at: string;
  baseRate: number;
  sloMs: Record<string, number>;
  knee: number | null;
  /** Per route class, and "all". */
  points: Record<string, LoadCurvePoint[]>;
  budgets: (BudgetUse & { multiple: number })[];
}
export const curveFile = () => path.join(workbookDir(), "bench", "17-capstone.load-curve.json");

async function saveCurve(variant: string, curve: SavedCurve): Promise<void> {
  const file = curveFile();
  const saved = JSON.parse(await readFile(file, "utf8").catch(() => "{}")) as Record<string, SavedCurve>;
  saved[variant] = curve;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const multiples = ctx.multiples ?? defaultMultiples;
  const port = await getFreePort();
  const runTag = `${process.pid}-${Date.now().toString(36)}`;
  let stack: RunningProcess | undefined;
  try {
    stack = await startProcess({
      // stack.ts in a process of its own, so the governor's proxy does not share the load generator's event loop.
      entry: path.join(ctx.appDir, "stack.ts"),
      env: { ...ctx.env, PORT: String(port) },
      readyPattern: /ADMIN_TOKEN=\S+/,
      readyTimeoutMs: 60_000,
      name: `stack.ts (${ctx.variant})`,
    });
    const output = stack.output();
    const adminToken = /ADMIN_TOKEN=(\S+)/.exec(output)![1]!;
    const budgetsUrl = /counts on (http:\/\/\S+\/budgets)/.exec(output)?.[1];
    if (!budgetsUrl) throw new Error(`stack.ts printed no budgets URL. Its output:\n${output}`);
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base);
    const users = await makeUsers(base, runTag);
    ctx.log(`stack up on ${base}; ${users.length} users logged in; ${multiples.map((m) => `${m}x`).join(", ")} of ${baseRate} req/s, ${durationMs / 1000} s each`);

    const mix = forecastMix(users, adminToken, runTag);
    const steps: CurveStep[] = [];
    const budgets: SavedCurve["budgets"] = [];
    for (const multiple of multiples) {
      const before = await readBudgets(budgetsUrl);
      const curve = await runLoadCurve({ baseUrl: base, baseRate, multiples: [multiple], durationMs, timeoutMs, mix, slo, seed: multiple, maxInFlight: 1000 });
      const use = budgetUse(before, await readBudgets(budgetsUrl));
      const step = curve.steps[0]!;
      steps.push(step);
      budgets.push({ multiple, ...use });
      for (const line of stepLines(step, baseRate)) ctx.log(line);
      ctx.log(budgetLine(use));
      ctx.log(step.breaches.length === 0 ? "  within every SLO" : `  SLO broken: ${step.breaches.map((b) => b.text).join("; ")}`);
      // Let the backlog of this multiple (queued emails, waits at the governor) drain before the next.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const knee = kneeOf(steps);
    ctx.log(knee === null ? `knee: none, every SLO held up to ${multiples.at(-1)}x` : `knee: ${knee}x (${steps.find((s) => s.multiple === knee)!.breaches.map((b) => b.text).join("; ")})`);

    const asCurve = { baseRate, steps, knee };
    const points = Object.fromEntries([...Object.keys(slo).map((c) => [c, curvePoints(asCurve, c)] as const), ["all", curvePoints(asCurve)] as const]);
    await saveCurve(ctx.variant, { at: new Date().toISOString(), baseRate, sloMs: Object.fromEntries(Object.entries(slo).map(([c, s]) => [c, s.p99Ms])), knee, points, budgets });

    const top = steps.at(-1)!;
    const at = `${top.multiple}x`;
    const holding = steps.filter((s, i) => s.breaches.length === 0 && steps.slice(0, i).every((p) => p.breaches.length === 0)).at(-1)?.multiple ?? 0;
    const ms = (c: string) => (Number.isFinite(top.result.classes[c]?.p99 ?? Number.NaN) ? Math.round(top.result.classes[c]!.p99) : timeoutMs);
    return [
      { name: "highest multiple within every SLO", value: holding, unit: "x", better: "higher", headline: true },
      { name: `failed requests at ${at}, all classes`, value: Number((top.result.overall.errorShare * 100).toFixed(1)), unit: "%", better: "lower" },
      { name: `p99 latency at ${at}, catalog`, value: ms("catalog"), unit: "ms", better: "lower" },
      { name: `p99 latency at ${at}, checkout`, value: ms("checkout"), unit: "ms", better: "lower" },
      { name: `database operations/s at ${at} (budget 300)`, value: Math.round(budgets.at(-1)!.dbOpsPerSecond), unit: "ops/s", better: "lower" },
      { name: `email 429s at ${at}`, value: budgets.at(-1)!.email429, unit: "calls", better: "lower" },
    ];
  } finally {
    // The starter's stack may not stop cleanly under a backlog; the figures are what counts here.
    await stack?.stop({ timeoutMs: 20_000 }).catch((error: Error) => ctx.log(`stack.ts did not stop cleanly: ${error.message.split("\n")[0]}`));
  }
}
