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
  // TODO(1): turn readiness to 503 (deps.lifecycle.draining = true), then wait deps.drainDelayMs
  //          so the load balancer's health check notices before the listener closes.
  // TODO(2): stop accepting new connections: deps.server.close(callback).
  // TODO(3): wait until the requests already in flight have finished (close's callback fires
  //          once the last connection has ended). Wrap it in a Promise now, but await it only
  //          after TODO(4): the keep-alive work must happen while those requests are running.
  // TODO(4): keep-alive sockets: close the idle ones now (server.closeIdleConnections()), and make
  //          every response still in flight (deps.lifecycle.inFlight) say "Connection: close".
  // TODO(5): close the BullMQ worker (it finishes its current job), the queue, Redis and MongoDB.
  void deps;
}

/** Listen for SIGTERM (orchestrators, `kill`) and SIGINT (Ctrl+C). */
export function installGracefulShutdown(deps: ShutdownDeps): void {
  const onSignal = (signal: NodeJS.Signals) => {
    deps.log(`${signal} received, exiting now`);
    // TODO(6): run drain(deps) and exit with code 0 once it resolves (1 if it throws).
    // TODO(7): a hard deadline: exit with code 1 if draining takes longer than deps.timeoutMs;
    //          and a second signal while draining forces an immediate non-zero exit.
    process.exit();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
