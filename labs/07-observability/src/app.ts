import express, { type NextFunction, type Request, type Response } from "express";
import type { DestinationStream } from "pino";
import { adminRouter } from "./admin.ts";
import { healthRouter } from "./health.ts";
import { requestLogging } from "./logging.ts";
import { createMetrics } from "./metrics.ts";
import { usersRouter } from "./users.ts";

export interface AppOptions {
  /** Where log lines go (default: stdout). Tests pass a stream to read them. */
  logStream?: DestinationStream;
  /** false leaves out the metrics middleware and GET /metrics (the bench compares both). */
  metrics?: boolean;
  /** Readiness: can this instance take traffic right now? (default: always) */
  isReady?: () => boolean;
}

/** Build the app. Every call makes its own logger and metrics registry, so tests can make several. */
export function createApp(options: AppOptions = {}): express.Express {
  const app = express();
  // Logging first, so every request, even one that fails later, gets an id and a log line.
  app.use(requestLogging({ stream: options.logStream }));
  if (options.metrics !== false) {
    const metrics = createMetrics();
    // Kept on the app so tests can read the registry directly, without going through GET /metrics.
    app.locals.metrics = metrics;
    app.use(metrics.middleware);
    app.get("/metrics", metrics.handler);
  }
  app.use(express.json({ limit: "10kb" }));
  app.use(healthRouter({ isReady: options.isReady ?? (() => true) }));
  app.use(usersRouter());
  // A router mounted under a prefix, with another one mounted inside it (/admin/audit/...).
  app.use("/admin", adminRouter());

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not found" });
  });
  // Malformed JSON bodies are 400s; anything else is a 500 with a JSON body (the details go to the log).
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    // pino-http picks the error up from res.err and logs its message and stack with the request.
    if (status === 500) (res as Response & { err?: Error }).err = error;
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });
  return app;
}
