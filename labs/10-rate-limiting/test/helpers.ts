import net from "node:net";
import { createApp } from "../src/app.ts";
import { readConfig } from "../src/config.ts";
import { createLimiter } from "../src/limiter.ts";
import { after, before } from "node:test";
import { Redis } from "ioredis";
import { labServices, startInstance, stopAll, type Instance } from "#kit/testing/index.ts";

export interface Gateway {
  apps: Instance[];
  redis: Redis;
  namespace: string;
  limit: number;
  windowSeconds: number;
}

export interface GatewayOptions {
  instances?: number;
  limit: number;
  windowSeconds: number;
  trustProxyHops?: number;
  apiKeys?: string[];
  /** Point the app at another Redis (a RedisProxy's url) instead of the lab's. */
  redisUrl?: (labRedisUrl: string) => Promise<string>;
  /** Per instance, how far its wall clock (Date) is off, in ms: instances on real machines disagree. */
  clockSkewMs?: number[];
}

/** App processes (two by default) sharing one Redis, each called directly: no load balancer decides for the test. */
export function useGateway(options: GatewayOptions): () => Gateway {
  let gateway: Gateway | undefined;
  before(async () => {
    const { redisUrl, namespace, env } = await labServices(["redis"]);
    const appRedis = options.redisUrl ? await options.redisUrl(redisUrl) : redisUrl;
    const apps: Instance[] = [];
    try {
      for (let i = 0; i < (options.instances ?? 2); i++) {
        const skew = options.clockSkewMs?.[i] ?? 0;
        apps.push(
          await startInstance({
            name: `instance ${i + 1}`,
            entry: new URL("../src/server.ts", import.meta.url),
            // Generous: on a loaded machine a node process can take many seconds to start.
            startTimeoutMs: 60_000,
            env: {
              ...env,
              REDIS_URL: appRedis,
              RATE_LIMIT: String(options.limit),
              RATE_WINDOW_SECONDS: String(options.windowSeconds),
              TRUST_PROXY_HOPS: String(options.trustProxyHops ?? 1),
              API_KEYS: (options.apiKeys ?? ["key-alpha", "key-beta", "key-gamma"]).join(","),
              ...(skew === 0
                ? {}
                : { LAB_CLOCK_SKEW_MS: String(skew), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${new URL("./skewed-clock.mjs", import.meta.url).href}`.trim() }),
            },
          }),
        );
      }
    } catch (error) {
      await Promise.all(apps.map((app) => app.kill()));
      throw error;
    }
    gateway = { apps, redis: new Redis(redisUrl), namespace, limit: options.limit, windowSeconds: options.windowSeconds };
    for (const app of apps) await untilDecided(app, { ip: "192.0.2.1", via: options.trustProxyHops === 2 ? ["10.0.0.1"] : [] });
  });
  after(async () => {
    if (!gateway) return;
    try {
      await stopAll(gateway.apps);
    } finally {
      const keys = await gateway.redis.keys(`${gateway.namespace}:*`);
      if (keys.length > 0) await gateway.redis.del(...keys);
      gateway.redis.disconnect();
    }
  });
  return () => {
    if (!gateway) throw new Error("the gateway did not start");
    return gateway;
  };
}

/**
 * Wait until an instance's limiter decides, so that the tests count from there: a process that has
 * just started may still be connecting to Redis. The probe is an order, a route that fails closed:
 * 503 (or 500, for code that does not catch the limiter's error yet) means "could not decide", and
 * any other answer, or a RateLimit field, means it did. A starter that never asks Redis decides at
 * once, so nothing waits for a signal that will never come. The 15 s bound is only for a Redis that
 * never answers; the tests that follow then fail with their own cause.
 */
export async function untilDecided(app: Instance, probe: Pick<CallOptions, "ip" | "via">): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(`${app.name} exited (code ${app.child.exitCode}, signal ${app.child.signalCode}) while the tests waited for its limiter. Its output:\n${app.output()}`);
    }
    const reply = await call(app.url, { ...probe, method: "POST", timeoutMs: 5_000 }).catch(() => undefined);
    if (reply && (reply.headers.get("ratelimit") !== null || (reply.status !== 503 && reply.status !== 500))) return;
    await sleep(100);
  }
}

export interface LocalGateway {
  url: string;
  close(): Promise<void>;
}

/**
 * The app inside the test process, on a free port, configured by `env` (RATE_LIMIT, ...) on the lab's
 * Redis under its own prefix. Cheaper than a process, and two of them share a module scope, as two
 * apps in one real process would.
 */
export async function localGateway(name: string, env: Record<string, string>): Promise<LocalGateway> {
  const { redisUrl, namespace } = await labServices(["redis"]);
  const config = readConfig({ REDIS_URL: redisUrl, WORKBOOK_NS: `${namespace}:${name}`, ...env });
  const limiter = createLimiter(config);
  const server = createApp(config, limiter, name).listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await limiter.close();
    },
  };
}

export interface CallOptions {
  method?: "GET" | "POST";
  path?: string;
  /** The client's address as the trusted proxy in front of the app saw it (appended last to X-Forwarded-For). */
  ip?: string;
  /** What the client itself wrote into X-Forwarded-For before it reached our proxy. */
  spoof?: string;
  /** Further proxies of ours between that one and the app (appended after `ip`). */
  via?: string[];
  apiKey?: string;
  body?: unknown;
  timeoutMs?: number;
}

export interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
  /** When the request was sent and when its answer arrived (ms, performance.now()). */
  sent: number;
  received: number;
}

let unique = 0;
/** A fresh client address from the documentation ranges, so each test has budgets of its own. */
export function freshIp(): string {
  unique++;
  return `198.51.${100 + ((unique >> 8) % 50)}.${unique % 256}`;
}

export async function call(base: string, options: CallOptions = {}): Promise<Reply> {
  const method = options.method ?? "GET";
  const path = options.path ?? (method === "GET" ? "/api/items" : "/api/orders");
  const forwarded = [options.spoof, options.ip, ...(options.via ?? [])].filter((part): part is string => part !== undefined);
  const headers: Record<string, string> = {};
  if (forwarded.length > 0) headers["x-forwarded-for"] = forwarded.join(", ");
  if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
  const body = method === "POST" ? JSON.stringify(options.body ?? { sku: "mug", qty: 1 }) : undefined;
  if (body) headers["content-type"] = "application/json";
  const sent = performance.now();
  const res = await fetch(new URL(path, base), { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
  const text = await res.text();
  const received = performance.now();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.status, headers: res.headers, json, text, sent, received };
}

/** `n` requests at once, spread over the instances in turn. */
export function concurrently(apps: Instance[], n: number, options: CallOptions): Promise<Reply[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => call(apps[i % apps.length]!.url, options)));
}

export const admitted = (replies: Reply[]) => replies.filter((r) => r.status >= 200 && r.status < 300).length;
export const statuses = (replies: Reply[]) => {
  const counts = new Map<number, number>();
  for (const r of replies) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n}× ${status}`).join(", ");
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The most admitted requests that certainly fell within one window of `windowMs`: for each admitted
 * request i, the admitted requests sent no earlier than i was and answered before i's send time plus
 * the window. The server decided each one somewhere between its send and its answer, so all of
 * those were decided inside [send_i, send_i + window): a lower bound on the worst window, never an
 * overestimate, however slow the machine.
 */
export function worstWindow(replies: Reply[], windowMs: number): { count: number; fromMs: number } {
  const ok = replies.filter((r) => r.status >= 200 && r.status < 300).sort((a, b) => a.sent - b.sent);
  let best = { count: 0, fromMs: 0 };
  for (const first of ok) {
    const count = ok.filter((r) => r.sent >= first.sent && r.received < first.sent + windowMs).length;
    if (count > best.count) best = { count, fromMs: first.sent };
  }
  return best;
}

export interface SfItem {
  value: string;
  params: Map<string, number | string>;
}

/**
 * A strict parser for the Structured Field lists these headers use (RFC 9651): Items whose value is
 * a String ("..."), with parameters that are Integers or Strings. Anything else is an error that says
 * what was found, so an old-style `limit=10, remaining=9` or an unquoted name fails with a reason.
 */
export function parseSfList(field: string, header: string | null): SfItem[] {
  if (header === null) throw new Error(`expected a ${field} header; the response had none`);
  const items: SfItem[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${field}: ${JSON.stringify(header)} is not a Structured Field list of "name";key=value items (${what} at character ${i})`);
  };
  const ws = () => {
    while (header[i] === " " || header[i] === "\t") i++;
  };
  const string = () => {
    if (header[i] !== '"') fail("expected a quoted string");
    i++;
    let out = "";
    while (i < header.length && header[i] !== '"') {
      if (header[i] === "\\") i++;
      out += header[i++];
    }
    if (header[i] !== '"') fail("unterminated string");
    i++;
    return out;
  };
  ws();
  while (i < header.length) {
    const value = string();
    const params = new Map<string, number | string>();
    while (header[i] === ";") {
      i++;
      ws();
      const key = /^[a-z*][a-z0-9_.*-]*/.exec(header.slice(i))?.[0] ?? fail("expected a parameter name");
      i += key.length;
      if (header[i] !== "=") fail(`parameter ${key} has no value`);
      i++;
      if (header[i] === '"') params.set(key, string());
      else {
        const digits = /^-?\d{1,15}/.exec(header.slice(i))?.[0] ?? fail(`parameter ${key} is not an integer or a string`);
        i += digits.length;
        if (header[i] === ".") fail(`parameter ${key} is a decimal; the draft wants an integer`);
        params.set(key, Number(digits));
      }
    }
    items.push({ value, params });
    ws();
    if (i >= header.length) break;
    if (header[i] !== ",") fail("expected ',' between items");
    i++;
    ws();
    if (i >= header.length) fail("trailing ','");
  }
  if (items.length === 0) fail("empty list");
  return items;
}

/** An integer parameter of an item, or a failure that shows the header. */
export function intParam(field: string, item: SfItem, key: string, header: string | null): number {
  const value = item.params.get(key);
  if (typeof value !== "number") throw new Error(`expected ${field} item "${item.value}" to have an integer ${key} parameter; got ${JSON.stringify(header)}`);
  return value;
}

/**
 * A TCP relay between the app and Redis that a test can cut (connections refused and dropped) or
 * stall (connections accepted, nothing ever answered), then bring back.
 */
/** A reply's two RateLimit fields, parsed strictly: the policies it states and what is left of the first. */
export function rateLimitFields(reply: Reply) {
  const policyHeader = reply.headers.get("ratelimit-policy");
  const limitHeader = reply.headers.get("ratelimit");
  const policies = parseSfList("RateLimit-Policy", policyHeader);
  const [limit] = parseSfList("RateLimit", limitHeader);
  const policy = policies[0]!;
  return {
    policyHeader,
    limitHeader,
    policies,
    policy,
    limit: limit!,
    /** An integer parameter of the (first) policy: q, the quota, or w, the window in seconds. */
    policyParam: (key: string) => intParam("RateLimit-Policy", policy, key, policyHeader),
    /** An integer parameter of RateLimit: r, the requests left, or t, the seconds until more. */
    limitParam: (key: string) => intParam("RateLimit", limit!, key, limitHeader),
  };
}

export interface RedisRelay {
  url: string;
  down(): void;
  stall(): void;
  up(): void;
  close(): Promise<void>;
}

export async function redisRelay(redisUrl: string): Promise<RedisRelay> {
  const target = new URL(redisUrl);
  let mode: "up" | "down" | "stall" = "up";
  const sockets = new Set<net.Socket>();
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    if (mode === "down") return void client.destroy();
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => void (mode === "up" && upstream.write(chunk)));
    upstream.on("data", (chunk: Buffer) => void (mode === "up" && client.write(chunk)));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) socket.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(redisUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.href,
    down() {
      mode = "down";
      dropAll();
    },
    stall() {
      mode = "stall";
    },
    up() {
      // A stalled connection has lost requests and replies mid-stream: start clean.
      if (mode === "stall") dropAll();
      mode = "up";
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
