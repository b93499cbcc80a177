// The code each worker thread runs: it receives HashTasks from the pool (src/pool.ts) and sends
// back what hashPassword (src/hash.ts) returns.
import { parentPort } from "node:worker_threads";
import { hashPassword } from "./hash.ts";
import type { HashTask } from "./pool.ts";

const port = parentPort;
if (!port) throw new Error("hash-worker.ts runs inside a worker thread, started by src/pool.ts");

// A task that throws is answered with an error message; the thread lives on for the next task.
port.on("message", (task: HashTask) => {
  try {
    port.postMessage({ hash: hashPassword(task.password, task.iterations) });
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
