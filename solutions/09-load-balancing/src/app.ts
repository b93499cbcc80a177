import express, { type NextFunction, type Request, type Response } from "express";
import type { Config } from "./config.ts";
import type { InstanceState } from "./state.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The API one instance serves. HAProxy (haproxy.cfg) spreads clients over three of them. */
export function createApp(config: Config, state: InstanceState) {
  const app = express();
  // Routes match with their exact case: /ADMIN/ready must not reach the /admin handler. Set before
  // the first app.use(), because Express builds its router, with the settings of that moment, then.
  app.set("case sensitive routing", true);
  app.use(express.json({ limit: "1kb" }));
  app.use((_req, res, next) => {
    res.set("X-Instance", config.instance);
    next();
  });

  // The work clients pay for: `items` (1-100, default 10) items of a report, in config.workMs.
  app.get("/work", async (req, res) => {
    const raw = req.query.items ?? "10";
    const items = typeof raw === "string" && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(items >= 1 && items <= 100)) {
      res.status(400).json({ error: "items must be a whole number from 1 to 100" });
      return;
    }
    if (!state.warm) {
      // A cold process cannot answer yet; whoever sent this request here should not have.
      res.set("Retry-After", "1").status(503).json({ error: "warming up", instance: config.instance });
      return;
    }
    if (config.trace) console.log("[work] start");
    await sleep(config.workMs);
    if (config.trace) console.log("[work] end");
    res.json({ instance: config.instance, items: Array.from({ length: items }, (_, i) => i + 1) });
  });

  // Liveness: the process runs and its event loop turns. A failing liveness check means "restart me".
  app.get("/health/live", (_req, res) => {
    res.json({ status: "alive", instance: config.instance });
  });

  // Readiness: "send me traffic". A balancer's health check belongs here, not on /health/live.
  app.get("/health/ready", (_req, res) => {
    // Not ready while warming up or drained by an operator: the balancer's check takes this
    // instance out of rotation, while liveness still says "do not restart it".
    if (!state.warm || !state.inRotation) {
      const reason = state.warm ? "taken out of rotation by an operator" : "warming up";
      res.status(503).json({ status: "not ready", reason, instance: config.instance });
      return;
    }
    res.json({ status: "ready", instance: config.instance });
  });

  // Operators drain an instance before maintenance. HAProxy denies /admin from outside (haproxy.cfg).
  app.put("/admin/ready", (req, res) => {
    const ready = (req.body as { ready?: unknown } | undefined)?.ready;
    if (typeof ready !== "boolean") {
      res.status(400).json({ error: 'the body must be JSON like {"ready": false}' });
      return;
    }
    state.inRotation = ready;
    console.log(`[admin] in rotation: ${ready}`);
    res.json({ instance: config.instance, inRotation: state.inRotation, warm: state.warm });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "no such route" });
  });
  // A malformed JSON body is the client's mistake: 400, never 500.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });
  return app;
}
