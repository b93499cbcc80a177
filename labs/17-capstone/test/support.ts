// What every lab 17 test file shares: the shop (shop-stack.ts, the same harness as `lab start`) in
// this file's own namespace, and a small HTTP client that keeps cookies and names its client.
//
// Test scale: the tests run the README's forecast at a tenth of its absolute rates with the budgets
// scaled by the same tenth (1x = 5 requests/s, 10x = 50 requests/s; DB 30 operations/s; email
// 5 calls/s stays 5, the provider's smallest sensible bucket, and checkouts are scaled to match).
// Ratios (cost per request against budget per second) are those of the forecast, and two shared cores
// can drive them with room to spare for the shop itself.
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import { Redis } from "ioredis";
import { labServices } from "#kit/testing/index.ts";
import { startShop, type Shop, type ShopOptions } from "../shop-stack.ts";

export const SCALE = 0.1;

const running: Shop[] = [];
const clients: Redis[] = [];
after(async () => {
  await Promise.allSettled(running.map((shop) => shop.stop()));
  await Promise.allSettled(clients.map((client) => client.quit()));
});

/** A client of the Redis the shop uses (to read what the shop stored there; never to write). */
export async function redisForTest(): Promise<Redis> {
  const { redisUrl } = await labServices(["redis"]);
  const client = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return client;
}

/** Every key under the shop's namespace (`${namespace}:`), with SCAN. */
export async function keysOf(redis: Redis, shop: Shop): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${shop.namespace}:*`, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}

/** The shop for this test file, in its own namespace; stopped after the file's last test. */
export async function shopForTest(options: Omit<ShopOptions, "env"> = {}): Promise<Shop> {
  const lab = await labServices(["redis", "mongo", "haproxy"]);
  const shop = await startShop({ env: { ...lab.env, WORKBOOK_NS: `${lab.namespace}_${running.length}` }, ...options });
  running.push(shop);
  return shop;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await sleep(50);
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body was not JSON. */
  body: any;
  text: string;
  /** X-Instance, or "" (HAProxy's own answer, or none). */
  instance: string;
  /** ms from the request's start to the end of its body. */
  ms: number;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body (sent as given, with content-type application/json). */
  raw?: string;
  cookie?: string;
  /** X-Client-Id; every request carries one (default: a fresh one per request), as a partner's integration or the shop's own front end would; null sends none. */
  clientId?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP request; a connection error is status 0 with the error in `text`. */
export async function call(base: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { ...(options.clientId === null ? {} : { "x-client-id": options.clientId ?? `c-${randomBytes(6).toString("hex")}` }), ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let payload: string | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  try {
    const response = await fetch(`${base}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(options.timeoutMs ?? 20_000) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text, instance: response.headers.get("x-instance") ?? "", ms: performance.now() - started };
  } catch (error) {
    return { status: 0, headers: new Headers(), body: undefined, text: (error as Error).message, instance: "", ms: performance.now() - started };
  }
}

/** "sid=..." from a Set-Cookie, or fail naming what came. */
export function sidCookie(answer: Answer): string {
  const set = answer.headers.get("set-cookie") ?? "";
  const match = /(?:^|,\s*)sid=([^;,\s]+)/.exec(set);
  if (!match) throw new Error(`expected POST /login to set a "sid" cookie; got ${answer.status} with Set-Cookie "${set}" and body ${answer.text.slice(0, 200)}`);
  return `sid=${match[1]}`;
}

export interface User {
  email: string;
  password: string;
  cookie: string;
  id: string;
}

/** Sign up and log in a fresh user through `base`; fails naming the step that did not work. */
export async function newUser(base: string, label = "user"): Promise<User> {
  const email = `${label}-${randomBytes(5).toString("hex")}@example.com`;
  const password = "correct horse battery";
  const signup = await call(base, "POST", "/signup", { body: { email, password } });
  if (signup.status !== 201) throw new Error(`expected POST /signup to answer 201; got ${signup.status} ${signup.text.slice(0, 200)}`);
  const login = await call(base, "POST", "/login", { body: { email, password } });
  if (login.status !== 200) throw new Error(`expected POST /login to answer 200; got ${login.status} ${login.text.slice(0, 200)}`);
  return { email, password, cookie: sidCookie(login), id: String(login.body?.id) };
}

/** Put `productId` in the user's cart and check out; returns the checkout's answer. */
export async function placeOrder(base: string, user: User, productId = 42, headers: Record<string, string> = {}): Promise<Answer> {
  const added = await call(base, "POST", "/cart/items", { cookie: user.cookie, body: { productId, quantity: 1 } });
  if (added.status !== 200) throw new Error(`expected POST /cart/items to answer 200; got ${added.status} ${added.text.slice(0, 200)}`);
  return call(base, "POST", "/checkout", { cookie: user.cookie, headers });
}

/** The governor's operations (by command) spent while `work` ran. */
export async function opsDuring<T>(shop: Shop, work: () => Promise<T>): Promise<{ result: T; operations: number; byCommand: Record<string, number> }> {
  const before = structuredClone(shop.governor.stats().total);
  const result = await work();
  const afterwards = shop.governor.stats().total;
  const byCommand: Record<string, number> = {};
  for (const [name, n] of Object.entries(afterwards.byCommand)) if (n - (before.byCommand[name] ?? 0) > 0) byCommand[name] = n - (before.byCommand[name] ?? 0);
  return { result, operations: afterwards.operations - before.operations, byCommand };
}

export function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}

export function describeStatuses(answers: readonly Answer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(String(a.status), (counts.get(String(a.status)) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} × ${status === "0" ? "no answer" : status}`).join(", ");
}

export interface MixEntry {
  routeClass: string;
  weight: number;
  /** The request of arrival `i`; `random` is seeded. */
  request: (i: number, random: () => number) => { method: string; path: string; options?: RequestOptions };
}

export interface ClassFigures {
  requests: number;
  p99: number;
  /** 5xx, 429, timeouts and refused connections. */
  errors: number;
  /** Other 4xx answers (a mix that asks for them has a bug). */
  clientErrors: number;
  statuses: string;
}

/** A seeded PRNG (xorshift32): the same mix on every run. */
export function seeded(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/**
 * Open loop: arrivals at `rate` per second on a schedule fixed in advance, whatever the shop does; each
 * latency is counted from the moment the request was due (so a stall is charged to every request it
 * delays, not to one). The kit's bench generator (kit/bench/open-loop.ts) works the same way; labs may not
 * import the bench layer, so this is a small copy of the idea.
 */
export async function openLoop(base: string, rate: number, durationMs: number, mix: readonly MixEntry[], seed = 1): Promise<Record<string, ClassFigures>> {
  const random = seeded(seed);
  const total = mix.reduce((sum, e) => sum + e.weight, 0);
  const started = performance.now();
  const pending: Promise<{ routeClass: string; answer: Answer; ms: number }>[] = [];
  const count = Math.round((rate * durationMs) / 1000);
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    let pick = random() * total;
    const entry = mix.find((e) => (pick -= e.weight) < 0) ?? mix.at(-1)!;
    const { method, path, options } = entry.request(i, random);
    pending.push(call(base, method, path, { timeoutMs: 5000, ...options }).then((answer) => ({ routeClass: entry.routeClass, answer, ms: performance.now() - due })));
  }
  const results = await Promise.all(pending);
  const figures: Record<string, ClassFigures> = {};
  for (const routeClass of new Set(mix.map((e) => e.routeClass))) {
    const mine = results.filter((r) => r.routeClass === routeClass);
    figures[routeClass] = {
      requests: mine.length,
      p99: p99(mine.map((r) => r.ms)),
      errors: mine.filter((r) => r.answer.status >= 500 || r.answer.status === 429 || r.answer.status === 0).length,
      clientErrors: mine.filter((r) => r.answer.status >= 400 && r.answer.status < 500 && r.answer.status !== 429).length,
      statuses: describeStatuses(mine.map((r) => r.answer)),
    };
  }
  return figures;
}

/**
 * The machine's own scheduling noise while `done` is pending: GET /health/live on each instance every
 * 50 ms (a route that touches no budget, no cache and no database), and the p99 of those latencies.
 * On a shared 2-core machine other work can add hundreds of ms to every request; a latency bound that
 * adds this figure does not blame the shop for it, while a queue in front of a budget still shows.
 */
export async function noiseDuring(urls: readonly string[], done: Promise<unknown>): Promise<number> {
  let stop = false;
  void done.then(() => (stop = true), () => (stop = true));
  const latencies: number[] = [];
  const probe = async (url: string) => {
    while (!stop) {
      const answer = await call(url, "GET", "/health/live", { timeoutMs: 5000 });
      if (answer.status === 200) latencies.push(answer.ms);
      await sleep(50);
    }
  };
  await Promise.all(urls.map(probe));
  return latencies.length > 0 ? p99(latencies) : 0;
}
