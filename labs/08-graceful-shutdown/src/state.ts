import type { ServerResponse } from "node:http";

/**
 * What the process knows about its own life cycle. app.ts reads it (GET /ready, the
 * Connection header) and shutdown.ts changes it.
 */
export interface Lifecycle {
  /** True from the moment a shutdown signal arrives: readiness answers 503 from then on. */
  draining: boolean;
  /** Responses that have started but not finished, kept so shutdown can see and adjust them. */
  readonly inFlight: Set<ServerResponse>;
}

export function createLifecycle(): Lifecycle {
  return { draining: false, inFlight: new Set() };
}
