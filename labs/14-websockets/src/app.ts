// One instance: an HTTP API that records order updates, and a WebSocket feed at /feed that pushes them.
import http from "node:http";
import type { Duplex } from "node:stream";
import type { Redis } from "ioredis";
import { WebSocket, WebSocketServer } from "ws";
import type { Config } from "./config.ts";
import { createLifecycle } from "./drain.ts";
import { createFeed } from "./feed.ts";
import { connectRedis } from "./redis.ts";
import { rejectUpgrade, sendJson } from "./reply.ts";
import { createSessions } from "./sessions.ts";
import { sendTo } from "./sockets.ts";
import { handleUpgrade } from "./upgrade.ts";

export interface RunningApp {
  server: http.Server;
  /** Resolves once the instance can take traffic (listen after it). */
  ready: Promise<void>;
  /** What SIGTERM starts: stop taking sockets, and close the open ones. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const STATUS = /^[a-z_]{1,32}$/;
const MAX_NOTE = 64 * 1024;
const MAX_BODY = 80 * 1024;

/** `redis` is this instance's connection; the tests pass one of their own to watch or slow its commands. */
export function createApp(config: Config, redis: Redis = connectRedis(config)): RunningApp {
  const sessions = createSessions(redis, config);
  const lifecycle = createLifecycle(config);
  const send = (ws: WebSocket, data: string) => sendTo(ws, data, config);
  const feed = createFeed({ redis, config, send });
  // Clients only listen; a client that sends more than a small frame is cut off by ws (close 1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  const server = http.createServer((req, res) => {
    void route(req, res).catch((error: Error) => {
      if (!res.headersSent) sendJson(res, 503, { error: `the store is unavailable: ${error.message}` });
      else res.destroy();
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/health") return sendJson(res, 200, { ok: true, instance: config.instance });
    if (req.method === "GET" && url.pathname === "/ready") {
      return lifecycle.ready() ? sendJson(res, 200, { ready: true, instance: config.instance }) : sendJson(res, 503, { ready: false, instance: config.instance, reason: "draining" });
    }
    if (req.method === "GET" && url.pathname === "/stats") return sendJson(res, 200, stats());
    if (req.method === "POST" && url.pathname === "/sessions") {
      const body = await readJson(req);
      const user = body.ok ? (body.value as { user?: unknown }).user : undefined;
      if (typeof user !== "string" || !/^[\w.-]{1,64}$/.test(user)) return sendJson(res, 400, { error: 'body must be {"user": "<1-64 letters, digits, _ . ->"}' });
      return sendJson(res, 201, { user }, { "set-cookie": await sessions.create(user) });
    }
    const match = /^\/orders\/([^/]+)\/status$/.exec(url.pathname);
    if (req.method === "POST" && match) {
      const order = decodeURIComponent(match[1]!);
      if (!ORDER_ID.test(order)) return sendJson(res, 400, { error: "the order id must be 1-64 letters, digits, _ or -" });
      const body = await readJson(req);
      if (!body.ok) return sendJson(res, 400, { error: body.error });
      const { status, note = "" } = body.value as { status?: unknown; note?: unknown };
      if (typeof status !== "string" || !STATUS.test(status)) return sendJson(res, 400, { error: "status must be 1-32 lower-case letters or _" });
      if (typeof note !== "string" || note.length > MAX_NOTE) return sendJson(res, 400, { error: `note must be a string of at most ${MAX_NOTE} characters` });
      const id = await feed.publish({ order, status, note });
      return sendJson(res, 202, { id });
    }
    sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  }

  function stats() {
    let open = 0;
    let closing = 0;
    let bufferedBytes = 0;
    for (const ws of wss.clients) {
      if (ws.readyState === WebSocket.OPEN) open++;
      else closing++;
      bufferedBytes += ws.bufferedAmount;
    }
    const memory = process.memoryUsage();
    return { instance: config.instance, open, closing, bufferedBytes, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers };
  }

  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/feed") return rejectUpgrade(socket, 400, "the feed is at /feed");
    if (!lifecycle.admitting()) return rejectUpgrade(socket, 503, "this instance is shutting down; connect again");
    void handleUpgrade(req, socket, head, {
      config,
      sessions,
      accept: (user, lastId) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on("error", () => ws.terminate());
          ws.on("message", () => {}); // the feed is one-way
          send(ws, JSON.stringify({ type: "hello", instance: config.instance, user }));
          feed.attach(ws, lastId);
        }),
    }).catch((error: Error) => rejectUpgrade(socket, 503, `could not check the upgrade: ${error.message}`));
  });

  let closed: Promise<void> | undefined;
  return {
    server,
    ready: feed.ready,
    drain: () => lifecycle.drain(wss.clients),
    close: () =>
      (closed ??= (async () => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await feed.close();
        redis.disconnect();
      })()),
  };
}

async function readJson(req: http.IncomingMessage): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: string }> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return { ok: false, error: `the body must be at most ${MAX_BODY} bytes` };
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, error: "the body must be a JSON object" };
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, error: "the body must be JSON" };
  }
}
