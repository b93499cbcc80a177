// lesson: cpu-bound-work
// claim: CPU work on the main thread delays every other request by its full duration; the same work on a worker thread leaves the event loop free.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { pbkdf2Sync } from "node:crypto";

const hash = () => pbkdf2Sync("password", "salt", 600_000, 32, "sha256"); // about 0.1 s of one core
const workerCode = `
const { parentPort } = require("node:worker_threads");
const { pbkdf2Sync } = require("node:crypto");
parentPort.on("message", () => parentPort.postMessage(pbkdf2Sync("password", "salt", 600_000, 32, "sha256").length));
`;

// The histogram records the time between two runs of its own timer: idle, that is the resolution
// itself. What lies beyond the resolution is how late the loop was.
const RESOLUTION_MS = 5;

async function measure(label, work) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const before = performance.eventLoopUtilization();
  // A cheap "health check" every 10 ms: how many of them get to run?
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  clearInterval(timer);
  histogram.disable();
  const busy = performance.eventLoopUtilization(before).utilization;
  const late = Math.max(0, histogram.max / 1e6 - RESOLUTION_MS);
  const column = (n, width) => String(Math.round(n)).padStart(width);
  console.log(`${label}  3 hashes in ${column(ms, 4)} ms, loop late by up to ${column(late, 4)} ms, busy ${column(busy * 100, 3)} %, ${column(ticks, 3)} health checks ran`);
  rows.push({ x: `hashing on the ${label.trim()}`, y: Math.round(late) });
}

const rows = [];
const worker = new Worker(workerCode, { eval: true });
const onWorker = () => new Promise((resolve) => { worker.once("message", resolve); worker.postMessage("hash"); });

console.log("three password hashes while a 10 ms timer stands in for other requests");
await measure("main thread  ", async () => { for (let i = 0; i < 3; i++) { hash(); await new Promise(setImmediate); } });
await measure("worker thread", async () => { for (let i = 0; i < 3; i++) await onWorker(); });
await worker.terminate();
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "How late the event loop ran, by where the hashing ran", summary: `Loop late by up to ${rows[0].y} ms hashing on the main thread, ${rows[1].y} ms on a worker.`, x: { title: "where" }, y: { title: "event loop late by up to", unit: "ms" }, rows })}`);
