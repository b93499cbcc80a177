import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { Router, type RequestHandler } from "express";
import { MongoServerError, ObjectId } from "mongodb";
import type { Store } from "./db.ts";
import { HttpError } from "./http.ts";

/** scrypt's cost: N=2^14, r=8, p=1 (about 16 MB and tens of ms per hash). */
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString("hex")}:${scryptSync(password, salt, KEY_LENGTH, SCRYPT).toString("hex")}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [salt, hash] = stored.split(":");
  if (!salt || !hash) return false;
  const actual = scryptSync(password, Buffer.from(salt, "hex"), KEY_LENGTH, SCRYPT);
  return timingSafeEqual(actual, Buffer.from(hash, "hex"));
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

export function createAuth(store: Store): Auth {
  const sessions = new Map<string, SessionUser>();

  const requireUser: RequestHandler = (req, res, next) => {
    const sid = readSid(req.get("cookie"));
    const user = sid ? sessions.get(sid) : undefined;
    if (!user) return void res.status(401).json({ error: "log in first" });
    res.locals.user = user;
    res.locals.sid = sid;
    next();
  };

  const routes = Router();

  routes.post("/signup", async (req, res) => {
    const { email, password } = credentials(req.body);
    const user = { _id: new ObjectId(), email, passwordHash: hashPassword(password), createdAt: new Date() };
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
    if (!user || !verifyPassword(password, user.passwordHash)) throw new HttpError(401, "wrong email or password");
    const sid = randomBytes(24).toString("base64url");
    sessions.set(sid, { id: user._id.toHexString(), email: user.email });
    res.set("Set-Cookie", `sid=${sid}; HttpOnly; SameSite=Lax; Path=/`);
    res.json({ id: user._id.toHexString(), email: user.email });
  });

  routes.get("/me", requireUser, (_req, res) => {
    res.json(res.locals.user);
  });

  routes.post("/logout", (req, res) => {
    const sid = readSid(req.get("cookie"));
    if (sid) sessions.delete(sid);
    res.set("Set-Cookie", "sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    res.status(204).end();
  });

  return { routes, requireUser };
}
