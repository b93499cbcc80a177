/**
 * Test harness: runs the lab's app in this process, on a MongoClient whose commands are
 * recorded and a Redis client (from src/redis.ts) whose commands are recorded too, so tests
 * can count queries and check the order of events instead of timing anything.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { MongoClient, type Db } from "mongodb";
import type { Redis } from "ioredis";
import { labServices } from "#kit/testing/index.ts";
import { createApp } from "../src/app.ts";
import { createRedisClient } from "../src/redis.ts";
import { seedUsers } from "../src/seed.ts";

export type LabEvent =
  | { source: "mongo"; phase: "started" | "succeeded" | "failed"; command: string; collection: string }
  | { source: "redis"; app: string; command: string; args: string[] };

export interface RunningApp {
  name: string;
  url: string;
  redis: Redis;
  close(): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface Harness {
  namespace: string;
  redisUrl: string;
  /** Everything the apps sent to MongoDB and Redis, in the order it happened. */
  events: LabEvent[];
  /** A plain client for seeding and for writes behind the app's back (not recorded). */
  db: Db;
  /** A plain Redis client for looking at keys (not recorded). */
  inspector: Redis;
  key(id: string): string;
  /** `find` commands the apps sent to the users collection. */
  userQueries(): number;
  /** Redis commands (lower-case name) the apps sent, optionally only those whose first argument is `key`. */
  redisCalls(command: string, key?: string): number;
  startApp(options?: { name?: string; redisUrl?: string; dbDelayMs?: number }): Promise<RunningApp>;
  seed(count: number, label?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Wait until the client is ready. Connection errors on the way are ignored: ioredis retries them. */
export async function waitForRedis(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  if (redis.status === "ready") return;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once("ready", onReady);
  });
  if (!ready) {
    const status = redis.status;
    redis.disconnect();
    throw new Error(`the Redis client from src/redis.ts did not become ready within ${timeoutMs} ms (${url}); status ${status}`);
  }
}

export async function startHarness(options: { redisUrl?: string } = {}): Promise<Harness> {
  const services = await labServices(["redis", "mongo"]);
  const namespace = services.namespace;
  const redisUrl = options.redisUrl ?? services.redisUrl;
  const events: LabEvent[] = [];

  const monitored = new MongoClient(services.mongoUrl, { monitorCommands: true });
  const collections = new Map<number, string>();
  monitored.on("commandStarted", (event) => {
    if (event.databaseName !== namespace) return;
    const collection = String(event.command[event.commandName] ?? "");
    collections.set(event.requestId, collection);
    events.push({ source: "mongo", phase: "started", command: event.commandName, collection });
  });
  const finished = (phase: "succeeded" | "failed") => (event: { databaseName: string; requestId: number; commandName: string }) => {
    if (event.databaseName !== namespace) return;
    const collection = collections.get(event.requestId) ?? "";
    collections.delete(event.requestId);
    events.push({ source: "mongo", phase, command: event.commandName, collection });
  };
  monitored.on("commandSucceeded", finished("succeeded"));
  monitored.on("commandFailed", finished("failed"));
  const plain = new MongoClient(services.mongoUrl);
  await Promise.all([monitored.connect(), plain.connect()]);

  const { Redis } = await import("ioredis");
  const inspector = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 100, 500) });
  inspector.on("error", () => {}); // the outage test stops this Redis on purpose

  const apps: RunningApp[] = [];
  const harness: Harness = {
    namespace,
    redisUrl,
    events,
    db: plain.db(namespace),
    inspector,
    key: (id) => `${namespace}:user:${id}`,
    userQueries: () =>
      events.filter((e) => e.source === "mongo" && e.phase === "started" && e.collection === "users" && (e.command === "find" || e.command === "aggregate")).length,
    redisCalls: (command, key) =>
      events.filter((e) => e.source === "redis" && e.command === command && (key === undefined || e.args[0] === key)).length,

    async startApp(appOptions = {}) {
      const name = appOptions.name ?? `app${apps.length + 1}`;
      const url = appOptions.redisUrl ?? redisUrl;
      const redis = createRedisClient(url);
      recordCommands(redis, name, events);
      await waitForRedis(redis, url);
      const app = createApp({ db: monitored.db(namespace), redis, namespace, dbDelayMs: appOptions.dbDelayMs ?? 0 });
      const server: Server = app.listen(0, "127.0.0.1");
      await once(server, "listening");
      const { port } = server.address() as AddressInfo;
      const running: RunningApp = {
        name,
        url: `http://127.0.0.1:${port}`,
        redis,
        async close() {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
          redis.disconnect();
        },
      };
      apps.push(running);
      return running;
    },

    seed: (count, label) => seedUsers(plain.db(namespace), count, label),

    async close() {
      await Promise.allSettled(apps.map((app) => app.close()));
      try {
        if (inspector.status === "ready") {
          // SCAN, not KEYS: the Redis may be shared, and this namespace is all we may touch.
          for await (const keys of inspector.scanStream({ match: `${namespace}:*`, count: 500 })) {
            if ((keys as string[]).length > 0) await inspector.del(...(keys as string[]));
          }
        }
      } catch {
        // best effort: keys expire anyway
      }
      inspector.disconnect();
      await plain.db(namespace).dropDatabase().catch(() => {});
      await Promise.allSettled([monitored.close(), plain.close()]);
    },
  };
  return harness;
}

/** Record every command this client sends (pipelines and MULTI included) before it goes out. */
export function recordCommands(redis: Redis, app: string, events: LabEvent[]) {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    events.push({ source: "redis", app, command: command.name.toLowerCase(), args: command.args.map((arg) => String(arg)) });
    return send(command, stream);
  }) as Redis["sendCommand"];
}

export async function request(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<HttpResult> {
  const { timeoutMs = 10_000, ...rest } = init;
  const response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text so a failure message can show it
  }
  return { status: response.status, headers: response.headers, body };
}

export const getUser = (app: RunningApp, id: string, timeoutMs?: number) => request(`${app.url}/users/${id}`, { timeoutMs });

export const patchUser = (app: RunningApp, id: string, patch: unknown, timeoutMs?: number) =>
  request(`${app.url}/users/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
    timeoutMs,
  });

export const nameOf = (body: unknown) => (typeof body === "object" && body !== null && "name" in body ? (body as { name: unknown }).name : undefined);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
