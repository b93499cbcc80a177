import net from "node:net";
import { after } from "node:test";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import { labServices } from "#kit/testing/index.ts";
import { createApp, type RunningApp } from "../src/app.ts";
import { readConfig, type Config } from "../src/config.ts";
import { connectRedis } from "../src/redis.ts";

export const ORIGIN = "https://shop.example";

export interface App {
  url: string;
  wsUrl: string;
  config: Config;
  running: RunningApp;
  /** Close it now (after() does it otherwise). */
  close(): Promise<void>;
}

const apps: App[] = [];
const clients: WebSocket[] = [];
let admin: Redis | undefined;
after(async () => {
  for (const ws of clients) ws.terminate();
  await Promise.allSettled(apps.map((app) => Promise.race([app.close(), sleep(5_000)])));
  admin?.disconnect();
});

export async function services(): Promise<{ redisUrl: string; namespace: string; env: Record<string, string> }> {
  return labServices(["redis", "haproxy"]);
}

/** A Redis client of the tests' own (not the app's). */
export async function redis(): Promise<Redis> {
  if (!admin) {
    admin = new Redis((await services()).redisUrl, { maxRetriesPerRequest: 1 });
    admin.on("error", () => {});
  }
  return admin;
}

let apps_ = 0;
/**
 * An instance of the app in this process, on a free port, sharing the file's Redis namespace with the
 * other instances this file starts (so two of them are two instances of one deployment).
 */
export async function startApp(env: Record<string, string> = {}, options: { slowHistoryMs?: number } = {}): Promise<App> {
  const { redisUrl, namespace } = await services();
  const config = readConfig({ REDIS_URL: redisUrl, WORKBOOK_NS: namespace, INSTANCE: `app${++apps_}`, ALLOWED_ORIGINS: `${ORIGIN},http://localhost:3000`, ...env });
  const redisClient = connectRedis(config);
  if (options.slowHistoryMs) slowHistoryReads(redisClient, options.slowHistoryMs);
  const running = createApp(config, redisClient);
  const early = { close: () => running.close() } as App;
  apps.push(early);
  await running.ready;
  running.server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => running.server.once("listening", resolve).once("error", reject));
  const port = (running.server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  const app: App = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/feed`,
    config,
    running,
    close: () => (closed ??= running.close()),
  };
  apps[apps.indexOf(early)] = app;
  return app;
}

/**
 * Makes every read of a stream's history on this connection (XRANGE, XREVRANGE, and XREAD without
 * BLOCK) reach Redis `ms` later, as on a busy Redis: a replay then overlaps live updates for that long.
 * Blocking reads and connections made with duplicate() are untouched.
 */
function slowHistoryReads(client: Redis, ms: number): void {
  const send = client.sendCommand.bind(client);
  type Command = Parameters<Redis["sendCommand"]>[0] & { name: string; args: unknown[]; promise: Promise<unknown> };
  client.sendCommand = ((command: Command, stream?: unknown) => {
    const name = command.name.toLowerCase();
    const blocking = command.args.some((arg) => String(arg).toUpperCase() === "BLOCK");
    if (name === "xrange" || name === "xrevrange" || (name === "xread" && !blocking)) {
      setTimeout(() => void send(command, stream as never), ms);
      return command.promise;
    }
    return send(command, stream as never);
  }) as Redis["sendCommand"];
}

export interface Reply {
  status: number;
  json: Record<string, unknown>;
  text: string;
  headers: Headers;
}

export async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** A reply in a few words, for failure messages. */
export const said = (reply: Reply) => `${reply.status} ${reply.text.slice(0, 200)}`;

/** Log `user` in; returns the Cookie header value. */
export async function login(base: string, user = freshName("user")): Promise<string> {
  const reply = await call(base, "POST", "/sessions", { user });
  const cookie = /^sid=[^;]+/.exec(reply.headers.get("set-cookie") ?? "")?.[0];
  if (reply.status !== 201 || !cookie) throw new Error(`POST /sessions should answer 201 with a sid cookie; got ${said(reply)}`);
  return cookie;
}

/** POST an update; returns its id. */
export async function publish(base: string, order: string, status = "shipped", note = ""): Promise<string> {
  const reply = await call(base, "POST", `/orders/${order}/status`, { status, note });
  if (reply.status !== 202 || typeof reply.json.id !== "string") throw new Error(`POST /orders/${order}/status should answer 202 {"id"}; got ${said(reply)}`);
  return reply.json.id;
}

export interface Message {
  type: string;
  id?: string;
  order?: string;
  [field: string]: unknown;
}

export interface Feed {
  ws: WebSocket;
  messages: Message[];
  updates(): Message[];
  /** The close code, once closed. */
  closed: Promise<number>;
  waitFor(what: string, check: (messages: Message[]) => boolean, timeoutMs?: number): Promise<void>;
}

export type Opened = { ok: true; feed: Feed } | { ok: false; status: number; body: string };

/** Try to open the feed; resolves with the socket once it has said hello, or with the HTTP answer that refused it. */
export function tryFeed(wsUrl: string, options: { cookie?: string; origin?: string | null; lastId?: string } = {}): Promise<Opened> {
  const url = new URL(wsUrl);
  if (options.lastId !== undefined) url.searchParams.set("lastId", options.lastId);
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  const ws = new WebSocket(url, { headers, ...(origin === null ? {} : { origin }) });
  clients.push(ws);
  const messages: Message[] = [];
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  const feed: Feed = {
    ws,
    messages,
    updates: () => messages.filter((m) => m.type === "update"),
    closed,
    waitFor: async (what, check, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!check(messages)) {
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain; the socket got ${describe(messages)}`);
        await sleep(20);
      }
    },
  };
  return new Promise((resolve) => {
    ws.on("error", (error) => resolve({ ok: false, status: 0, body: error.message }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
    });
    ws.on("message", (raw) => {
      let message: Message;
      try {
        message = JSON.parse(String(raw)) as Message;
      } catch {
        message = { type: "not-json", raw: String(raw).slice(0, 100) };
      }
      messages.push(message);
      if (message.type === "hello") resolve({ ok: true, feed });
    });
    ws.on("close", (code) => resolve({ ok: false, status: 101, body: `the socket opened and then closed with ${code} before saying hello` }));
  });
}

/** Open the feed (logged in, from an allowed origin) or fail saying why. */
export async function openFeed(app: { url: string; wsUrl: string }, options: { cookie?: string; lastId?: string } = {}): Promise<Feed> {
  const cookie = options.cookie ?? (await login(app.url));
  const opened = await tryFeed(app.wsUrl, { cookie, lastId: options.lastId });
  if (!opened.ok) throw new Error(`expected the feed to open (101, then a hello message) for a logged-in client from ${ORIGIN}; got ${opened.status} ${opened.body.slice(0, 200)}`);
  return opened.feed;
}

/** Messages in a few words, for failure messages. */
export function describe(messages: Message[]): string {
  if (messages.length === 0) return "no message";
  const shown = messages.slice(0, 8).map((m) => (m.type === "update" ? `update ${m.id} (${m.order})` : m.type));
  return `${messages.length} message(s): ${shown.join(", ")}${messages.length > 8 ? ", ..." : ""}`;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let unique = 0;
export const freshName = (label: string) => `${label}_${process.pid.toString(36)}_${(++unique).toString(36)}`;
