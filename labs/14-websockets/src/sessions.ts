// Sessions as lab 01 left them: an unguessable id in an HttpOnly cookie, the session in Redis.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Config } from "./config.ts";

export interface Sessions {
  /** A new session for `user`; returns the Set-Cookie header value. */
  create(user: string): Promise<string>;
  /** The user of the session in this Cookie header, or null (no cookie, malformed or unknown). Rejects when Redis fails. */
  userFor(cookieHeader: string | undefined): Promise<string | null>;
}

const SID = /^[A-Za-z0-9_-]{43}$/;

/** The sid cookie's value, when it has the shape of one of our ids. */
export function readSid(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== "sid") continue;
    const value = part.slice(eq + 1).trim();
    return SID.test(value) ? value : null;
  }
  return null;
}

export function createSessions(redis: Redis, config: Config): Sessions {
  const key = (sid: string) => `${config.namespace}:session:${sid}`;
  return {
    async create(user) {
      const sid = randomBytes(32).toString("base64url");
      await redis.set(key(sid), JSON.stringify({ user }), "EX", config.sessionTtlSeconds);
      return `sid=${sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${config.sessionTtlSeconds}`;
    },
    async userFor(cookieHeader) {
      const sid = readSid(cookieHeader);
      if (!sid) return null;
      const raw = await redis.get(key(sid));
      if (!raw) return null;
      const user = (JSON.parse(raw) as { user?: unknown }).user;
      return typeof user === "string" ? user : null;
    },
  };
}
