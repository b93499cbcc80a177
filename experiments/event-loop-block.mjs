// lesson: cpu-bound-work
// claim: CPU work on the main thread delays every other request by its full duration; the same work on a worker thread leaves the event loop free.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { pbkdf2Sync } from "node:crypto";

const hash = () => pbkdf2Sync("password", "salt", 600_000, 32, "sha256"); // ~100-300 ms of CPU
const workerCode = `
const { parentPort } = require("node:worker_threads");
const { pbkdf2Sync } = require("node:crypto");
parentPort.on("message", () => parentPort.postMessage(pbkdf2Sync("password", "salt", 600_000, 32, "sha256").length));
`;

async function measure(label, work) {
  // A cheap "health check" every 10 ms: how late does it run?
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  clearInterval(timer);
  histogram.disable();
  console.log(`${label}  3 hashes in ${String(Math.round(ms)).padStart(4)} ms, worst event-loop delay ${String(Math.round(histogram.max / 1e6)).padStart(4)} ms, ${String(ticks).padStart(3)} health checks ran`);
}

const worker = new Worker(workerCode, { eval: true });
const onWorker = () => new Promise((resolve) => { worker.once("message", resolve); worker.postMessage("hash"); });

console.log("three password hashes while a 10 ms timer stands in for other requests");
await measure("main thread  ", async () => { for (let i = 0; i < 3; i++) { hash(); await new Promise(setImmediate); } });
await measure("worker thread", async () => { for (let i = 0; i < 3; i++) await onWorker(); });
await worker.terminate();
