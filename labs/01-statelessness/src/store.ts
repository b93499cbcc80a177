import type { CookieOptions } from "express";

export interface Session {
  id: string;
  user: string;
  createdAt: string;
}

/** Where the app keeps sessions and carts. app.ts only ever talks to this interface. */
export interface Store {
  createSession(user: string): Promise<Session>;
  /** The session for this id, or undefined if there is none (unknown, expired or logged out). */
  getSession(id: string): Promise<Session | undefined>;
  destroySession(id: string): Promise<void>;
  addToCart(user: string, sku: string, qty: number): Promise<void>;
  getCart(user: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface StoreConfig {
  /** e.g. redis://127.0.0.1:6379 */
  redisUrl: string;
  /** Put in front of every key, e.g. "wb_ab12:", so several runs can share one Redis. */
  prefix: string;
}

// TODO(1): a counter is guessable: anyone can try sid=1, 2, 3... Make the id unguessable
// (README step 1 says how many bits, from which kind of source, and which characters), and give
// the cookie the attributes the README lists. The tests call newSessionId() directly too.
let counter = 0;
export function newSessionId(): string {
  counter += 1;
  return String(counter);
}

export const sessionCookie: { name: string; options: CookieOptions } = {
  name: "sid",
  options: { path: "/" },
};

// TODO(4): a forged or malformed cookie must mean "not logged in" (401), never a crash (500),
// and a value that cannot be one of your ids should not cost a trip to Redis.
/** The session id in a Cookie header, or undefined. */
export function readSessionId(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === sessionCookie.name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

export function createStore(config: StoreConfig): Store {
  void config; // unused while everything lives in this process: remove this line in step 2

  // TODO(2): this Map lives in one process. A second instance cannot see it and a restart
  // empties it. Keep sessions in Redis instead (one client per process, every key behind
  // config.prefix), with the lifetime, the renewal and the logout that README step 2 describes.
  const sessions = new Map<string, Session>();

  // TODO(3): the cart has the same problem. Keep it in Redis too, so every instance sees
  // the same cart and two instances adding at once cannot lose an item. Then make close()
  // below release what createStore opened: a stopping instance must exit by itself.
  const carts = new Map<string, Map<string, number>>();

  return {
    async createSession(user) {
      const session = { id: newSessionId(), user, createdAt: new Date().toISOString() };
      sessions.set(session.id, session);
      return session;
    },
    async getSession(id) {
      return sessions.get(id);
    },
    async destroySession(id) {
      sessions.delete(id);
    },
    async addToCart(user, sku, qty) {
      const cart = carts.get(user) ?? new Map<string, number>();
      cart.set(sku, (cart.get(sku) ?? 0) + qty);
      carts.set(user, cart);
    },
    async getCart(user) {
      return Object.fromEntries(carts.get(user) ?? []);
    },
    async close() {},
  };
}
