/**
 * A pool of worker threads that run hashPassword (src/hash.ts) off the main thread.
 * server.ts creates it once with createPool(process.env) and closes it on SIGTERM;
 * app.ts calls run() for every POST /hash.
 */

export interface HashTask {
  password: string;
  iterations: number;
}

export interface Pool {
  /** Resolves with the hash. Rejects with QueueFullError, WorkerCrashedError, or the signal's reason once aborted. */
  run(task: HashTask, signal?: AbortSignal): Promise<string>;
  /** Stops every worker; tasks still queued are rejected. */
  close(): Promise<void>;
}

/** run() was called while every worker was busy and the queue was full. */
export class QueueFullError extends Error {}

/** The worker running the task died (an exception it did not catch, process.exit, a resource limit). */
export class WorkerCrashedError extends Error {}

// TODO(1): start workers (src/hash-worker.ts) and hand them tasks, one task per worker at a time.
// TODO(2): size the pool from the machine, with the POOL_SIZE override; start the workers once, up front.
// TODO(3): a bounded queue (QUEUE_MAX, default 32) for tasks that find every worker busy.
// TODO(4): a task whose signal aborts while it waits in the queue leaves the queue and never runs.
// TODO(5): resourceLimits on every worker; a worker that dies is replaced, and its task rejected.
export function createPool(_env: NodeJS.ProcessEnv): Pool {
  return {
    run: () => Promise.reject(new Error("the worker pool is not written yet (see TODO(1) in src/pool.ts)")),
    close: async () => {},
  };
}
