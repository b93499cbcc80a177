import { Router } from "express";

export interface HealthOptions {
  /** True when this instance can take traffic. */
  isReady: () => boolean;
}

/** Liveness and readiness: two questions, two endpoints. */
export function healthRouter(options: HealthOptions): Router {
  const router = Router();
  // Liveness: "is this process able to answer at all?" No dependency checks here: if the
  // database is down, restarting every instance would not bring it back.
  router.get("/live", (_req, res) => {
    res.json({ status: "alive" });
  });
  // Readiness: "should the load balancer send traffic here right now?"
  router.get("/ready", (_req, res) => {
    let ready = false;
    try {
      ready = options.isReady();
    } catch {
      // A check that cannot tell is a "no": the balancer should skip this instance, not see a 500.
    }
    if (ready) res.json({ status: "ready" });
    else res.status(503).json({ status: "not ready", error: "this instance is not ready to take traffic" });
  });
  return router;
}
