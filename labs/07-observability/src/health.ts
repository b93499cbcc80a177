import { Router } from "express";

export interface HealthOptions {
  /** True when this instance can take traffic. */
  isReady: () => boolean;
}

/**
 * Health endpoints for the orchestrator and the load balancer.
 *
 * TODO(7): GET /live says whether this process can answer at all; GET /ready says whether it
 * should get traffic now, according to options.isReady(). Status codes and bodies: README, step 7.
 */
export function healthRouter(options: HealthOptions): Router {
  void options;
  return Router();
}
