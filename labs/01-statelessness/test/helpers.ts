import { after, before } from "node:test";
import { Redis } from "ioredis";
import { labServices, roundRobinProxy, startInstances, stopAll, type Instance, type RoundRobinProxy } from "#kit/testing/index.ts";

export interface Shop {
  apps: Instance[];
  lb: RoundRobinProxy;
  redis: Redis;
  namespace: string;
}

/** Two separate app processes sharing one Redis, behind a round-robin load balancer. */
export function useShop(): () => Shop {
  let shop: Shop | undefined;
  before(async () => {
    const { redisUrl, namespace, env } = await labServices(["redis"]);
    const apps = await startInstances(2, { entry: new URL("../src/server.ts", import.meta.url), env });
    const lb = await roundRobinProxy({ targets: apps.map((a) => a.url) });
    shop = { apps, lb, redis: new Redis(redisUrl), namespace };
  });
  after(async () => {
    if (!shop) return;
    await shop.lb.close();
    await stopAll(shop.apps);
    const keys = await shop.redis.keys(`${shop.namespace}:*`);
    if (keys.length > 0) await shop.redis.del(...keys);
    shop.redis.disconnect();
  });
  return () => {
    if (!shop) throw new Error("the shop did not start");
    return shop;
  };
}

/** A tiny HTTP client that keeps the session cookie like a browser would. */
export class Browser {
  cookie = "";
  setCookie = "";
  async request(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; instance: string }> {
    const res = await fetch(new URL(path, base), {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
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
