// Loads src/pool.ts into the test process itself, so that a test can create two pools side by side and
// watch their threads: every Worker the process constructs is recorded, with whether it has exited.
// Test-only faults are turned on first (workers copy process.env when they start), without tracing,
// whose lines would mix with the test runner's own output.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import os from "node:os";
import path from "node:path";
import type * as WorkerThreads from "node:worker_threads";

export interface Thread {
  exited: boolean;
}

const threads: Thread[] = [];
const require = createRequire(import.meta.url);
const workerThreads = require("node:worker_threads") as typeof WorkerThreads;
const Original = workerThreads.Worker;
class RecordedWorker extends Original {
  constructor(...args: ConstructorParameters<typeof Original>) {
    super(...args);
    const thread: Thread = { exited: false };
    threads.push(thread);
    this.once("exit", () => (thread.exited = true));
  }
}
workerThreads.Worker = RecordedWorker;
syncBuiltinESMExports();

const gates = mkdtempSync(path.join(os.tmpdir(), "lab12-in-process-"));
process.env.CPU_LAB_FAULTS = "1";
process.env.CPU_LAB_GATE_DIR = gates;
delete process.env.CPU_LAB_TRACE;
delete process.env.POOL_SIZE;
delete process.env.QUEUE_MAX;

export const { createPool, QueueFullError } = await import("../../src/pool.ts");

/** The threads created while `create` ran: the workers of the pool it made. */
export function threadsOf<T>(create: () => T): { value: T; threads: Thread[] } {
  const before = threads.length;
  const value = create();
  return { value, threads: threads.slice(before) };
}

/** Let tasks waiting on "hold:<name>" go on. */
export const release = (name: string) => writeFileSync(path.join(gates, name), "");
process.once("exit", () => rmSync(gates, { recursive: true, force: true }));

/** "resolved", "rejected" or "pending", once every callback already due has run. */
export async function stateOf(promise: Promise<unknown>): Promise<"resolved" | "rejected" | "pending"> {
  let state: "resolved" | "rejected" | "pending" = "pending";
  promise.then(() => (state = "resolved"), () => (state = "rejected"));
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}
