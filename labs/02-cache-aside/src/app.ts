import express, { type NextFunction, type Request, type Response } from "express";
import type { Db } from "mongodb";
import type { Redis } from "ioredis";
import { createUserRepository } from "./user-repository.ts";
import { createUserService } from "./users.ts";
import { userRoutes } from "./routes.ts";

export interface AppDeps {
  /** The database named by WORKBOOK_NS. Tests pass one from a MongoClient that counts commands. */
  db: Db;
  /** From createRedisClient() in redis.ts. */
  redis: Redis;
  /** WORKBOOK_NS: the prefix of every Redis key this app writes. */
  namespace: string;
  /** Simulated database latency per query (SLOW_DB_MS), used by the bench. */
  dbDelayMs?: number;
}

/** The users API. Provided: the lab's work is in users.ts, redis.ts and routes.ts. */
export function createApp(deps: AppDeps) {
  const repo = createUserRepository(deps.db, { delayMs: deps.dbDelayMs ?? 0 });
  const users = createUserService({ repo, redis: deps.redis, namespace: deps.namespace });

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "10kb" }));
  app.get("/health", (_req, res) => void res.json({ ok: true }));
  app.use(userRoutes(users));
  app.use((_req, res) => void res.status(404).json({ error: "no such route" }));

  // Client mistakes (bad id, bad body, malformed JSON) get a JSON 4xx; anything else a JSON 500.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) console.error("request failed:", error);
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });
  return app;
}
