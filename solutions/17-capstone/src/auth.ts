import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { Router, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { MongoServerError, ObjectId } from "mongodb";
import type { Store } from "./db.ts";
import { HttpError, personal } from "./http.ts";

/** scrypt's cost: N=2^14, r=8, p=1 (about 16 MB and tens of ms per hash), the same as ever: hashes stay valid. */
const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

// Async scrypt runs on libuv's thread pool: while one login hashes, the event loop keeps serving
// catalog reads. scryptSync would stop every request on this instance for the length of the hash.
function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString("hex")}:${(await scryptAsync(password, salt)).toString("hex")}`;
}

// A fixed hash for unknown emails: a login for a missing account costs the same hash as a real one,
// so the time of a 401 does not tell an attacker which emails have accounts.
const DUMMY_HASH = `${"00".repeat(16)}:${"00".repeat(KEY_LENGTH)}`;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(":");
  if (!salt || !hash) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, "hex"));
  const expected = Buffer.from(hash, "hex");
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

export interface SessionUser {
  id: string;
  email: string;
}

function credentials(body: unknown): { email: string; password: string } {
  const { email, password } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof email !== "string" || email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new HttpError(400, "email must look like name@example.com");
  if (typeof password !== "string" || password.length < 8 || password.length > 128) throw new HttpError(400, "password must be 8 to 128 characters");
  return { email: email.toLowerCase(), password };
}

function readSid(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === "sid") return value.join("=");
  }
  return undefined;
}

export interface Auth {
  routes: Router;
  /** Puts the session's user in res.locals.user, or answers 401. */
  requireUser: RequestHandler;
}

export interface SessionOptions {
  namespace: string;
  ttlSeconds: number;
}

/**
 * Sessions live in Redis with a TTL, so any instance serves any session and an instance that dies
 * loses none. The key is a hash of the session id: whoever can read Redis still cannot log in as
 * anyone. The TTL slides (reset on use) so an active user is not logged out mid-purchase.
 */
export function createAuth(store: Store, redis: Redis, options: SessionOptions): Auth {
  const key = (sid: string) => `${options.namespace}:session:${createHash("sha256").update(sid).digest("base64url")}`;

  const requireUser: RequestHandler = async (req, res, next) => {
    const sid = readSid(req.get("cookie"));
    // Shapes we never issue are refused without a Redis round trip.
    if (!sid || !/^[A-Za-z0-9_-]{32}$/.test(sid)) return void res.status(401).json({ error: "log in first" });
    const raw = await redis.getex(key(sid), "EX", options.ttlSeconds);
    if (!raw) return void res.status(401).json({ error: "log in first" });
    res.locals.user = JSON.parse(raw) as SessionUser;
    next();
  };

  const routes = Router();

  routes.post("/signup", async (req, res) => {
    const { email, password } = credentials(req.body);
    const user = { _id: new ObjectId(), email, passwordHash: await hashPassword(password), createdAt: new Date() };
    try {
      await store.users.insertOne(user);
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) throw new HttpError(409, "an account with this email exists");
      throw error;
    }
    res.status(201).json({ id: user._id.toHexString(), email });
  });

  routes.post("/login", async (req, res) => {
    const { email, password } = credentials(req.body);
    const user = await store.users.findOne({ email });
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !matches) throw new HttpError(401, "wrong email or password");
    const sid = randomBytes(24).toString("base64url");
    const session: SessionUser = { id: user._id.toHexString(), email: user.email };
    await redis.set(key(sid), JSON.stringify(session), "EX", options.ttlSeconds);
    res.set("Cache-Control", "private, no-store");
    res.set("Set-Cookie", `sid=${sid}; HttpOnly; SameSite=Lax; Path=/`);
    res.json(session);
  });

  routes.get("/me", personal, requireUser, (_req, res) => {
    res.json(res.locals.user);
  });

  routes.post("/logout", async (req, res) => {
    const sid = readSid(req.get("cookie"));
    if (sid) await redis.del(key(sid));
    res.set("Set-Cookie", "sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    res.status(204).end();
  });

  return { routes, requireUser };
}
