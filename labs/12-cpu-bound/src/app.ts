import express, { type NextFunction, type Request, type Response } from "express";
import { hashPassword } from "./hash.ts";
import type { Pool } from "./pool.ts";

export interface AppDeps {
  pool: Pool;
  /** PBKDF2 iterations per hash. */
  iterations: number;
}

export function createApp({ iterations }: AppDeps): express.Express {
  const app = express();
  app.use(express.json({ limit: "4kb" }));

  // What a load balancer and every other route stand for: it must answer at once, always.
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Hash a password, as a sign-up or a password change does.
  app.post("/hash", (req: Request, res: Response) => {
    const password = (req.body as { password?: unknown } | undefined)?.password;
    if (typeof password !== "string" || password.length < 1 || password.length > 1024) {
      res.status(400).json({ error: 'body must be JSON like {"password": "..."}, 1 to 1024 characters' });
      return;
    }
    console.log("hash request received");
    // TODO(1): run the hash on the worker pool (deps.pool), not on this thread.
    // TODO(3): when the pool's queue is full, answer 503 with Retry-After.
    // TODO(4): when the client goes away before its task has started, the task must never run.
    // TODO(5): a task whose worker died is answered with 500; the server stays up.
    const hash = hashPassword(password, iterations);
    res.json({ hash });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not found" });
  });

  // Malformed JSON arrives here as a 400; anything else is a 500 with a JSON body.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) console.error(`request failed: ${error.message}`);
    if (!res.headersSent) res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });

  return app;
}
