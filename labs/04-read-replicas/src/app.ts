import express, { type ErrorRequestHandler, type Express } from "express";
import type { MongoClient } from "mongodb";
import { analyticsRoutes } from "./analytics.ts";
import { DEFAULT_READ_YOUR_WRITES_WINDOW_MS } from "./freshness.ts";
import { profileRoutes } from "./profiles.ts";

export interface AppOptions {
  /** A connected client for the replica set. Tests pass one with command monitoring on. */
  client: MongoClient;
  /** Database holding the `profiles` collection (the run's WORKBOOK_NS in tests). */
  dbName: string;
  /** How long after a write the writer's reads stay on the primary. */
  readYourWritesWindowMs?: number;
}

/** Build the API. Route handlers live in src/profiles.ts and src/analytics.ts. */
export function createApp(options: AppOptions): Express {
  const db = options.client.db(options.dbName);
  const app = express();
  app.use(express.json({ limit: "16kb" }));
  app.use(profileRoutes(db, options.readYourWritesWindowMs ?? DEFAULT_READ_YOUR_WRITES_WINDOW_MS));
  app.use(analyticsRoutes(db));
  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  app.use(errorHandler);
  return app;
}

/** Malformed JSON is the client's fault (400); anything else is ours (500), logged, never leaked. */
const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const status = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500;
  if (status >= 400 && status < 500) {
    res.status(status).json({ error: status === 400 ? "request body is not valid JSON" : "bad request" });
    return;
  }
  console.error(error);
  res.status(500).json({ error: "internal error" });
};
