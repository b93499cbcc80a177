import { Router } from "express";

export interface HealthOptions {
  /** True when this instance can take traffic. */
  isReady: () => boolean;
}

/**
 * Health endpoints for the orchestrator and the load balancer.
 *
 * TODO(7): GET /live answers 200 while the process is able to answer at all (no dependency
 * checks: a failing liveness probe gets the process restarted). GET /ready answers 200 when
 * options.isReady() is true and 503 with a JSON body otherwise (the load balancer stops
 * sending traffic but nobody restarts the process).
 */
export function healthRouter(options: HealthOptions): Router {
  void options;
  return Router();
}
