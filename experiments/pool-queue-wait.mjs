// lesson: connection-pooling
// claim: Little's law sizes a pool: at 400 queries/s of 20 ms each, 8 connections are busy on average; with 8 or fewer the wait for a connection grows without bound, a few more and it nearly vanishes.

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RATE = 400; // queries per second
const SERVICE_MS = 20; // mean query time
const SECONDS = 10;

// A discrete-event simulation in virtual time: Poisson arrivals, exponential query times,
// a pool of `size` connections with a FIFO wait queue.
function simulate(size) {
  const random = mulberry32(1);
  const exp = (mean) => -Math.log(1 - random()) * mean;
  const free = new Array(size).fill(0); // when each connection becomes free (ms)
  const waits = [];
  let now = 0;
  while (now < SECONDS * 1000) {
    now += exp(1000 / RATE);
    // the connection that frees first serves the next query in line
    let best = 0;
    for (let c = 1; c < size; c++) if (free[c] < free[best]) best = c;
    const start = Math.max(now, free[best]);
    waits.push(start - now);
    free[best] = start + exp(SERVICE_MS);
  }
  waits.sort((a, b) => a - b);
  const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
  return { mean, p95: waits[Math.floor(waits.length * 0.95)] };
}

console.log(`${RATE} queries/s x ${SERVICE_MS} ms = ${(RATE * SERVICE_MS) / 1000} connections busy on average (Little's law)`);
console.log("pool size   mean wait   p95 wait");
const rows = [];
for (const size of [6, 8, 9, 10, 12, 16]) {
  const { mean, p95 } = simulate(size);
  console.log(`${String(size).padStart(9)}  ${`${mean.toFixed(1)} ms`.padStart(10)}  ${`${p95.toFixed(1)} ms`.padStart(9)}`);
  rows.push({ x: size, y: Math.round(p95 * 10) / 10, series: "p95 wait" }, { x: size, y: Math.round(mean * 10) / 10, series: "mean wait" });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const at = (size) => rows.find((r) => r.x === size && r.series === "p95 wait").y;
console.log(`chart: ${JSON.stringify({ kind: "line", label: "Wait for a connection against pool size", summary: `p95 wait ${at(6)} ms with 6 connections, ${at(8)} ms with 8, ${at(10)} ms with 10.`, x: { title: "pool size", unit: "connections" }, y: { title: "wait", unit: "ms" }, rows })}`);
