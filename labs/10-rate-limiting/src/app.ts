import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { Config } from "./config.ts";
import { gate, trustProxies } from "./gateway.ts";
import type { Limiter } from "./limiter.ts";

const orderBody = z.object({ sku: z.string().trim().min(1).max(32).regex(/^[\w-]+$/), qty: z.number().int().min(1).max(99) });

/**
 * The API behind the gateway. Every /api route passes through `gate`, which decides who the client
 * is and whether it may go on; the route says what to do when the limiter cannot be asked.
 */
export function createApp(config: Config, limiter: Limiter, instance = `pid-${process.pid}`) {
  const app = express();
  trustProxies(app, config.trustProxyHops);
  app.use((_req, res, next) => {
    res.setHeader("X-Instance", instance);
    next();
  });

  // Not rate limited: a load balancer's health check must never be throttled.
  app.get("/health", (_req, res) => {
    res.json({ ok: true, instance });
  });

  // A cheap read: better served unlimited for a while than refused (fail open).
  app.get("/api/items", gate(config, limiter, { whenLimiterDown: "open" }), (_req, res) => {
    res.json({ items: [{ sku: "mug", price: 12 }, { sku: "tee", price: 20 }], client: res.locals.client ?? null, instance });
  });

  // A write that costs real money downstream: refuse it rather than let it through unmetered (fail closed).
  app.post("/api/orders", gate(config, limiter, { whenLimiterDown: "closed" }), express.json({ limit: "10kb" }), (req, res) => {
    const order = orderBody.safeParse(req.body);
    if (!order.success) return void res.status(400).json({ error: `invalid order: ${order.error.issues[0]?.path.join(".")} ${order.error.issues[0]?.message}` });
    res.status(201).json({ order: order.data, client: res.locals.client ?? null, instance });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "no such route" });
  });
  // Malformed JSON and other client errors get a JSON 4xx; anything else is a JSON 500.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status < 500 ? error.status : 500;
    if (status === 500) console.error(error);
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });
  return app;
}
