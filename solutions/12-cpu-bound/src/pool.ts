/**
 * A pool of worker threads that run hashPassword (src/hash.ts) off the main thread.
 * server.ts creates it once with createPool(process.env) and closes it on SIGTERM;
 * app.ts calls run() for every POST /hash.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";

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

interface Job {
  task: HashTask;
  resolve(hash: string): void;
  reject(error: unknown): void;
  cancel?: () => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

function wholeNumber(raw: string | undefined, fallback: number, min: number, name: string): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number from ${min}, got "${raw}"`);
  return Number(raw);
}

const workerFile = new URL("./hash-worker.ts", import.meta.url);

export function createPool(env: NodeJS.ProcessEnv): Pool {
  const size = wholeNumber(env.POOL_SIZE, os.availableParallelism(), 1, "POOL_SIZE");
  const queueMax = wholeNumber(env.QUEUE_MAX, 32, 0, "QUEUE_MAX");
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let closed = false;

  const start = (): Slot => {
    const worker = new Worker(workerFile, { resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } });
    const slot: Slot = { worker };
    worker.on("message", (reply: { hash?: string; error?: string }) => {
      const job = slot.job;
      slot.job = undefined;
      if (reply.hash !== undefined) job?.resolve(reply.hash);
      else job?.reject(new Error(reply.error ?? "the worker sent no hash"));
      dispatch(slot);
    });
    // A dying worker emits "error" (uncaught exception, heap limit) and then "exit"; process.exit emits only "exit".
    worker.on("error", (error: unknown) => died(slot, error instanceof Error ? error.message : String(error)));
    worker.on("exit", (code) => died(slot, `exited with code ${code}`));
    return slot;
  };

  const died = (slot: Slot, why: string) => {
    const at = slots.indexOf(slot);
    if (at === -1) return; // already handled (the "exit" after an "error")
    slot.job?.reject(new WorkerCrashedError(`the worker running this task died: ${why}`));
    slot.job = undefined;
    if (closed) return;
    console.error(`worker died (${why}); starting a new one`);
    const fresh = start();
    slots[at] = fresh;
    dispatch(fresh);
  };

  const dispatch = (slot: Slot) => {
    if (closed || slot.job) return;
    const job = queue.shift();
    if (!job) return;
    job.cancel?.();
    slot.job = job;
    slot.worker.postMessage(job.task);
  };

  for (let i = 0; i < size; i++) slots.push(start());

  return {
    run(task, signal) {
      return new Promise<string>((resolve, reject) => {
        if (closed) return reject(new Error("the pool is closed"));
        if (signal?.aborted) return reject(signal.reason);
        const job: Job = { task, resolve, reject };
        const idle = slots.find((slot) => !slot.job);
        if (idle) {
          idle.job = job;
          idle.worker.postMessage(task);
          return;
        }
        if (queue.length >= queueMax) return reject(new QueueFullError(`${queue.length} tasks are already waiting`));
        if (signal) {
          const onAbort = () => {
            const index = queue.indexOf(job);
            if (index !== -1) queue.splice(index, 1);
            reject(signal.reason);
          };
          signal.addEventListener("abort", onAbort, { once: true });
          job.cancel = () => signal.removeEventListener("abort", onAbort);
        }
        queue.push(job);
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error("the pool closed"));
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
