import express, { type ErrorRequestHandler, type Express } from "express";
import { skuPattern, type Product } from "./catalog.ts";
import { isDatabaseUnavailable, type Database } from "./db.ts";

/** Build the API on top of a Database (src/db.ts). */
export function createApp(database: Database): Express {
  const app = express();

  app.get("/products/:sku", async (req, res) => {
    const sku = req.params.sku;
    if (!skuPattern.test(sku)) {
      res.status(400).json({ error: "sku must look like SKU-0042" });
      return;
    }
    const product = await database.withDb((db) =>
      db.collection<Product>("products").findOne({ sku }, { projection: { _id: 0 } }),
    );
    if (!product) {
      res.status(404).json({ error: "no such product" });
      return;
    }
    res.json(product);
  });

  // How long requests wait for a pooled connection: the number that tells you the pool is too small.
  app.get("/pool", (_req, res) => {
    res.json(database.poolStats());
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  app.use(errorHandler);
  return app;
}

const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (isDatabaseUnavailable(error)) {
    // The database is down or unreachable: say so quickly and let the client retry later,
    // instead of holding the request (and a socket, and memory) until something gives up.
    res.status(503).set("Retry-After", "5").json({ error: "database unavailable, try again shortly" });
    return;
  }
  console.error(error);
  res.status(500).json({ error: "internal error" });
};
