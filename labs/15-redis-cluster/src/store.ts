import { randomUUID } from "node:crypto";
import type { Config } from "./config.ts";
import type { Keys } from "./keys.ts";
import type { Client } from "./redis.ts";

export interface Session {
  user: string;
  createdAt: string;
}

export interface CartLine {
  sku: string;
  qty: number;
  /** null when the catalogue has no price for this SKU. */
  priceCents: number | null;
}

export interface Store {
  createSession(user: string): Promise<string>;
  getSession(sid: string): Promise<Session | null>;
  putProducts(products: { sku: string; priceCents: number }[]): Promise<void>;
  /** Counts one cart write against the user's per-minute and per-hour budgets; false when either is spent. */
  allowCartWrite(user: string): Promise<boolean>;
  addToCart(user: string, sku: string, qty: number): Promise<void>;
  readCart(user: string): Promise<CartLine[]>;
  clearCart(user: string): Promise<void>;
}

/** A cart nobody touches for a week goes away. */
export const cartTtlSeconds = 7 * 24 * 3600;

// Both counters in one atomic step: refuse when either budget is spent, else count in both and keep each
// alive for its own window.
const limitScript = `
local perMinute = tonumber(ARGV[1])
local perHour = tonumber(ARGV[2])
if tonumber(redis.call('GET', KEYS[1]) or '0') >= perMinute then return 0 end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= perHour then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 60)
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 3600)
return 1
`;

export function createStore(config: Config, client: Client, keys: Keys): Store {
  return {
    async createSession(user) {
      const sid = randomUUID();
      const session: Session = { user, createdAt: new Date().toISOString() };
      await client.set(keys.session(sid), JSON.stringify(session), "EX", config.sessionTtlSeconds);
      return sid;
    },

    async getSession(sid) {
      const raw = await client.get(keys.session(sid));
      return raw === null ? null : (JSON.parse(raw) as Session);
    },

    async putProducts(products) {
      // TODO(2): one MSET of every price at once. What does a cluster say to that?
      await client.mset(products.flatMap((p) => [keys.product(p.sku), String(p.priceCents)]));
    },

    async allowCartWrite(user) {
      const now = Date.now();
      const [perMinute, perHour] = keys.limits(user, Math.floor(now / 60_000), Math.floor(now / 3_600_000));
      return (await client.eval(limitScript, 2, perMinute, perHour, config.limitPerMinute, config.limitPerHour)) === 1;
    },

    async addToCart(user, sku, qty) {
      const cart = keys.cart(user);
      await client.multi().hincrby(cart, sku, qty).expire(cart, cartTtlSeconds).exec();
    },

    async readCart(user) {
      const items = await client.hgetall(keys.cart(user));
      const skus = Object.keys(items).sort();
      // TODO(4): one MGET of every price in the cart. On a cluster, what does that become, and what should it be?
      const values = skus.length === 0 ? [] : await client.mget(skus.map((sku) => keys.product(sku)));
      const prices = new Map(skus.map((sku, i) => [sku, values[i] ?? null]));
      return skus.map((sku) => {
        const price = prices.get(sku);
        return { sku, qty: Number(items[sku]), priceCents: price == null ? null : Number(price) };
      });
    },

    async clearCart(user) {
      await client.del(keys.cart(user));
    },
  };
}
