import express, { type Express } from "express";
import type { Config } from "./config.ts";
import type { Store } from "./db.ts";
import { createAuth } from "./auth.ts";
import { catalogRoutes } from "./catalog.ts";
import { orderRoutes } from "./orders.ts";
import { adminRoutes } from "./admin.ts";
import { errorHandler } from "./http.ts";

export function createApp(config: Config, store: Store): Express {
  const app = express();
  app.use(express.json({ limit: "16kb" }));
  app.use((_req, res, next) => {
    res.set("X-Instance", config.instance);
    next();
  });

  app.get("/health/live", (_req, res) => void res.json({ status: "ok" }));
  app.get("/health/ready", (_req, res) => void res.json({ status: "ready" }));

  const auth = createAuth(store);
  app.use(auth.routes);
  app.use(catalogRoutes(store, config.adminToken));
  app.use(orderRoutes(store, auth.requireUser, config.emailUrl));
  app.use(adminRoutes(store, config.adminToken));

  app.use((_req, res) => void res.status(404).json({ error: "no such route" }));
  app.use(errorHandler);
  return app;
}
