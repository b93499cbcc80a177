import type { Server } from "node:http";
import { constants } from "node:os";
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The orderly part of a shutdown: every step waits for the one before it, and the function
 * resolves once nothing is left open.
 */
export async function drain({ server, lifecycle, clients, drainDelayMs, log }: ShutdownDeps): Promise<void> {
  // 1. Readiness answers 503 from now on. The listener stays open for a short while because a
  //    load balancer only notices at its next health check; closing at once would refuse the
  //    requests it is still sending here.
  lifecycle.draining = true;

  // 4 (started now). Responses still being worked on close their socket once sent; app.ts adds
  //    the same header to requests that arrive while draining. Without it a busy keep-alive
  //    socket turns idle after its response and stays open for keepAliveTimeout (65 s), which
  //    holds server.close() open.
  for (const res of lifecycle.inFlight) {
    if (!res.headersSent) res.setHeader("Connection", "close");
    // Too late for a header (a streamed download, say): once it has finished, its socket is idle,
    // and idle sockets are closed without losing anything.
    else res.once("close", () => server.closeIdleConnections());
  }
  log(`readiness is 503; waiting ${drainDelayMs} ms for the load balancer to notice`);
  await sleep(drainDelayMs);

  // 2 + 3. Stop accepting connections; the callback fires once every open connection has ended,
  //    that is, once the requests in flight have finished.
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  // 4. Idle keep-alive sockets carry no request, so closing them loses nothing. (Node 19+ does
  //    this inside close() too; saying it makes the intent explicit.)
  server.closeIdleConnections();
  log(`listener closed; waiting for ${lifecycle.inFlight.size} request(s) in flight`);
  await closed;
  log("all connections ended");

  // 5. The requests that needed the clients are done; close them, the worker first because it
  //    may still be finishing a job that writes to MongoDB. One failing close must not leave the
  //    others open: note the failure, carry on, and fail the drain at the end.
  const failures: unknown[] = [];
  const steps: Array<[string, () => Promise<unknown>]> = [
    ["worker", () => clients.worker.close()],
    ["queue", () => clients.queue.close()],
    ["Redis", () => clients.redis.quit()],
    ["MongoDB", () => clients.mongo.close()],
  ];
  for (const [name, close] of steps) {
    try {
      await close();
    } catch (error) {
      failures.push(error);
      log(`closing ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} client(s) failed to close`);
  log("worker, queue, Redis and MongoDB closed");
}

/** Listen for SIGTERM (orchestrators, `kill`) and SIGINT (Ctrl+C). */
export function installGracefulShutdown(deps: ShutdownDeps): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      // 7b. Someone (an impatient operator, a supervisor) asked twice: stop now, and say so in
      //     the exit code (128 + signal number, as a shell would report it).
      deps.log(`second ${signal}: forcing exit`);
      process.exit(128 + constants.signals[signal]);
    }
    draining = true;
    deps.log(`${signal} received, draining`);

    // 7a. The deadline. unref() so that the timer alone never keeps the process alive.
    const deadline = setTimeout(() => {
      deps.log(`still draining after ${deps.timeoutMs} ms; exiting with code 1`);
      process.exit(1);
    }, deps.timeoutMs);
    deadline.unref();

    // 6. Exit 0 only when everything closed cleanly.
    drain(deps).then(
      () => process.exit(0),
      (error: unknown) => {
        deps.log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
