import type { Server } from "node:http";
import type { Clients } from "./clients.ts";
import type { Lifecycle } from "./state.ts";

export interface ShutdownDeps {
  server: Server;
  lifecycle: Lifecycle;
  clients: Clients;
  /** How long readiness answers 503 before the listener closes (env DRAIN_DELAY_MS). */
  drainDelayMs: number;
  /** The hard limit for the whole shutdown (env SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  log: (message: string) => void;
}

/**
 * The orderly part of a shutdown: every step waits for the one before it, and the function
 * resolves once nothing is left open.
 */
export async function drain(deps: ShutdownDeps): Promise<void> {
  // TODO(1): from now on the load balancer's health check must see "not ready", and the
  //          listener stays open for deps.drainDelayMs so requests already on their way are served.
  // TODO(2): then stop accepting new connections.
  // TODO(3): wait until every request already in flight has finished.
  // TODO(4): keep-alive sockets must not keep the process waiting: neither idle ones, nor busy ones
  //          whose response finishes later, nor one whose response was already streaming.
  // TODO(5): close the worker, the queue, Redis and MongoDB, in an order that lets running work
  //          finish; one that fails to close must not leave the others open.
  void deps;
}

/** Listen for SIGTERM (orchestrators, `kill`) and SIGINT (Ctrl+C). */
export function installGracefulShutdown(deps: ShutdownDeps): void {
  const onSignal = (signal: NodeJS.Signals) => {
    deps.log(`${signal} received, exiting now`);
    // TODO(6): exit 0 once the drain has finished cleanly, 1 if any part of it failed.
    // TODO(7): a deadline of deps.timeoutMs that ends a stuck drain with code 1, and a second
    //          signal that ends it at once (README, step 7, for the code).
    process.exit();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
