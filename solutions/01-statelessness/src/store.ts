import { randomBytes } from "node:crypto";
import type { CookieOptions } from "express";
import { Redis } from "ioredis";

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

/**
 * Sliding expiry: a session lives 30 minutes after its last use. Every authenticated request
 * pushes the deadline back (here in Redis, and app.ts re-sends the cookie with the same lifetime),
 * so active users stay logged in and an abandoned laptop does not. A fixed expiry would log people
 * out mid-task; pair sliding expiry with an absolute cap in real systems if policy demands one.
 */
export const SESSION_TTL_SECONDS = 30 * 60;
/** Carts outlive sessions so that logging in again finds them, but not forever. */
const CART_TTL_SECONDS = 7 * 24 * 60 * 60;

/** 32 random bytes = 256 bits, base64url: unguessable, and safe in a cookie and a Redis key. */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}
const sessionIdShape = /^[A-Za-z0-9_-]{43}$/;

export const sessionCookie: { name: string; options: CookieOptions } = {
  name: "sid",
  options: {
    path: "/",
    httpOnly: true, // page scripts (and XSS) cannot read it
    sameSite: "lax", // not sent on cross-site POSTs: blunts CSRF
    secure: process.env.NODE_ENV === "production", // HTTPS only where HTTPS exists
    maxAge: SESSION_TTL_SECONDS * 1000, // express wants milliseconds and writes Max-Age in seconds
  },
};

/** The session id in a Cookie header, or undefined for anything that is not one of ours. */
export function readSessionId(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name !== sessionCookie.name) continue;
    const value = rest.join("=");
    // Our ids never need decoding; anything else is forged or mangled, so it is simply "no session".
    return sessionIdShape.test(value) ? value : undefined;
  }
  return undefined;
}

export function createStore(config: StoreConfig): Store {
  // One connection per process, shared by every request. keyPrefix namespaces every key.
  const redis = new Redis(config.redisUrl, { keyPrefix: config.prefix, maxRetriesPerRequest: 2 });
  const sessionKey = (id: string) => `session:${id}`;
  const cartKey = (user: string) => `cart:${user}`;

  return {
    async createSession(user) {
      const session = { id: newSessionId(), user, createdAt: new Date().toISOString() };
      await redis.set(sessionKey(session.id), JSON.stringify(session), "EX", SESSION_TTL_SECONDS);
      return session;
    },
    async getSession(id) {
      // GETEX reads and slides the expiry in one round trip.
      const json = await redis.getex(sessionKey(id), "EX", SESSION_TTL_SECONDS);
      return json ? (JSON.parse(json) as Session) : undefined;
    },
    async destroySession(id) {
      await redis.del(sessionKey(id));
    },
    async addToCart(user, sku, qty) {
      // HINCRBY is atomic on the server, so concurrent adds from two instances both count.
      await redis.multi().hincrby(cartKey(user), sku, qty).expire(cartKey(user), CART_TTL_SECONDS).exec();
    },
    async getCart(user) {
      const cart = await redis.hgetall(cartKey(user));
      return Object.fromEntries(Object.entries(cart).map(([sku, qty]) => [sku, Number(qty)]));
    },
    async close() {
      await redis.quit();
    },
  };
}
