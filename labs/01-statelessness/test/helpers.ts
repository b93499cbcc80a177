import net from "node:net";
import { after, before } from "node:test";
import { Redis } from "ioredis";
import { labServices, roundRobinProxy, startInstances, stopAll, type Instance, type RoundRobinProxy } from "#kit/testing/index.ts";

export interface Shop {
  apps: Instance[];
  lb: RoundRobinProxy;
  redis: Redis;
  redisUrl: string;
  namespace: string;
}

/** Two separate app processes sharing one Redis, behind a round-robin load balancer. */
export function useShop(): () => Shop {
  let shop: Shop | undefined;
  before(async () => {
    const { redisUrl, namespace, env } = await labServices(["redis"]);
    const apps = await startInstances(2, { entry: new URL("../src/server.ts", import.meta.url), env });
    const lb = await roundRobinProxy({ targets: apps.map((a) => a.url) });
    shop = { apps, lb, redis: new Redis(redisUrl), redisUrl, namespace };
  });
  after(async () => {
    if (!shop) return;
    try {
      await shop.lb.close();
      // Rejects, naming the instance, if one does not exit by itself after SIGTERM (its store left something open).
      await stopAll(shop.apps);
    } finally {
      const keys = await shop.redis.keys(`${shop.namespace}:*`);
      if (keys.length > 0) await shop.redis.del(...keys);
      shop.redis.disconnect();
    }
  });
  return () => {
    if (!shop) throw new Error("the shop did not start");
    return shop;
  };
}

/** A tiny HTTP client that keeps the session cookie like a browser would. */
export class Browser {
  cookie = "";
  /** The last Set-Cookie header received (the last one, if a response sent several). */
  setCookie = "";
  /** Every Set-Cookie header of the last response. */
  setCookies: string[] = [];
  async request(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; instance: string }> {
    const res = await fetch(new URL(path, base), {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.setCookies = res.headers.getSetCookie();
    const set = this.setCookies.at(-1);
    if (set) {
      this.setCookie = set;
      this.cookie = set.split(";")[0] ?? "";
    }
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, instance: res.headers.get("x-instance") ?? "?" };
  }
  /** The session id from the cookie. */
  get sid(): string {
    return this.cookie.replace(/^sid=/, "");
  }
}

/** Where the session key should be, and a helpful note if the learner put it elsewhere. */
export async function findSessionKey(shop: Shop, sid: string): Promise<{ key: string; exists: boolean; note: string }> {
  const key = `${shop.namespace}:session:${sid}`;
  if ((await shop.redis.exists(key)) === 1) return { key, exists: true, note: "" };
  // Look for the same id under another prefix (a common slip), but only for ids long enough to be
  // unique: searching a shared Redis for "*1*" would report other runs' keys.
  const near = sid.length >= 16 ? await shop.redis.keys(`*session:${sid.replace(/[*?[\]\\]/g, "\\$&")}`) : [];
  const note = near.length > 0 ? ` (found ${near.join(", ")} instead: use the configured prefix and "session:<id>")` : "";
  return { key, exists: false, note };
}

export interface ParsedSetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; a flag such as HttpOnly maps to "". */
  attributes: Map<string, string>;
}

/**
 * Parse one Set-Cookie header strictly (RFC 6265 section 4.1): `name=value` then `; Attr[=value]`
 * pairs. An attribute given twice, or a malformed pair, is an error: a browser would pick one
 * silently and the test could not tell which.
 */
export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = "", ...rest] = header.split(";");
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new Error(`Set-Cookie "${header}" does not start with name=value`);
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const trimmed = part.trim();
    if (!trimmed) throw new Error(`Set-Cookie "${header}" has an empty attribute (";;" or a trailing ";")`);
    const at = trimmed.indexOf("=");
    const key = (at < 0 ? trimmed : trimmed.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? "" : trimmed.slice(at + 1).trim();
    if (attributes.has(key)) throw new Error(`Set-Cookie "${header}" gives the ${key} attribute twice`);
    attributes.set(key, value);
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** The session cookie a response set, parsed; fails the test with the headers it got otherwise. */
export function sessionSetCookie(browser: Browser, what: string): ParsedSetCookie {
  const sids = browser.setCookies.map(parseSetCookie).filter((c) => c.name === "sid");
  if (sids.length !== 1) {
    throw new Error(`expected ${what} to set the sid cookie exactly once; got ${browser.setCookies.length ? browser.setCookies.map((h) => `"${h}"`).join(", ") : "no Set-Cookie header"}`);
  }
  return sids[0]!;
}

/** Max-Age of a parsed cookie as whole seconds, or a failure that shows the header. */
export function maxAgeSeconds(cookie: ParsedSetCookie, header: string): number {
  const raw = cookie.attributes.get("max-age");
  if (raw === undefined) throw new Error(`expected a Max-Age on the session cookie (its lifetime in seconds, the same as the session's); got "${header}"`);
  if (!/^\d+$/.test(raw)) throw new Error(`expected Max-Age to be a whole number of seconds; got "${raw}" in "${header}"`);
  return Number(raw);
}

/** A deterministic stand-in for Math.random (mulberry32), so a test can "reseed" it. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Wait for a child process to exit by itself after SIGTERM; never kills it. */
export async function exitsBySelf(instance: Instance, withinMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | "still running"> {
  const exited = instance.exited();
  instance.signal("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"still running">((resolve) => (timer = setTimeout(() => resolve("still running"), withinMs)));
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every command Redis receives that mentions `needle`, seen through MONITOR on a plain socket.
 * `sync()` waits until Redis has shown us a marker command, so everything sent before it is in `lines`.
 */
export async function watchRedis(shop: Shop, needle: string): Promise<{ lines: string[]; sync(): Promise<void>; close(): void }> {
  const url = new URL(shop.redisUrl);
  const socket = net.connect({ host: url.hostname, port: Number(url.port || 6379) });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  if (url.password) socket.write(`AUTH ${decodeURIComponent(url.username || "default")} ${decodeURIComponent(url.password)}\r\n`);
  socket.write("MONITOR\r\n");
  const lines: string[] = [];
  const waiting = new Map<string, () => void>();
  let buffer = "";
  let monitoring!: () => void;
  let oksToCome = url.password ? 2 : 1;
  const started = new Promise<void>((resolve) => (monitoring = resolve));
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("latin1");
    const parts = buffer.split("\r\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      if (line === "+OK" && --oksToCome === 0) monitoring(); // MONITOR (after AUTH, if any) is active from here on
      for (const [marker, resolve] of waiting) if (line.includes(marker)) (waiting.delete(marker), resolve());
      if (line.includes(needle)) lines.push(line);
    }
  });
  let n = 0;
  const sync = async () => {
    const marker = `${shop.namespace}:monitor-sync-${n++}`;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve, reject) => {
      waiting.set(marker, resolve);
      timer = setTimeout(() => reject(new Error(`Redis MONITOR did not show ${marker} within 10 s`)), 10_000);
    });
    // Ask again every half second: on a busy shared Redis the first marker can be slow to show.
    const again = setInterval(() => void shop.redis.exists(marker).catch(() => {}), 500);
    try {
      await shop.redis.exists(marker);
      await seen;
    } finally {
      clearTimeout(timer);
      clearInterval(again);
    }
  };
  try {
    await Promise.race([started, new Promise((_, reject) => setTimeout(() => reject(new Error("Redis did not accept MONITOR within 10 s")), 10_000).unref())]);
    await sync();
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return { lines, sync, close: () => socket.destroy() };
}
