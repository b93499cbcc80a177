import express, { type NextFunction, type Request, type Response } from "express";
import { QueueFullError, WorkerCrashedError, type Pool } from "./pool.ts";

export interface AppDeps {
  pool: Pool;
  /** PBKDF2 iterations per hash. */
  iterations: number;
}

export function createApp({ pool, iterations }: AppDeps): express.Express {
  const app = express();
  app.use(express.json({ limit: "4kb" }));

  // What a load balancer and every other route stand for: it must answer at once, always.
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Hash a password, as a sign-up or a password change does.
  app.post("/hash", async (req: Request, res: Response, next: NextFunction) => {
    const password = (req.body as { password?: unknown } | undefined)?.password;
    if (typeof password !== "string" || password.length < 1 || password.length > 1024) {
      res.status(400).json({ error: 'body must be JSON like {"password": "..."}, 1 to 1024 characters' });
      return;
    }
    console.log("hash request received");
    // The response closes early only when the client went away: then its queued task is dropped.
    const gone = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) gone.abort(new Error("client disconnected"));
    });
    try {
      const hash = await pool.run({ password, iterations }, gone.signal);
      res.json({ hash });
    } catch (error) {
      if (gone.signal.aborted) return;
      if (error instanceof QueueFullError) {
        res.set("Retry-After", "1").status(503).json({ error: "too many passwords being hashed; retry shortly" });
      } else if (error instanceof WorkerCrashedError) {
        console.error(error.message);
        res.status(500).json({ error: "hashing failed" });
      } else {
        next(error);
      }
    }
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
