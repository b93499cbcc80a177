// lesson: what-scalable-means
// claim: Latency stays flat while a server has spare capacity and climbs steeply near saturation: the p95 at 95 % utilisation is many times the p95 at 50 %.

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORKERS = 4; // requests served at once
const SERVICE_MS = 10; // mean time to serve one request
const CAPACITY = (WORKERS * 1000) / SERVICE_MS; // 400 requests/s

// Discrete-event simulation in virtual time with Poisson arrivals and exponential service times.
function p95At(utilisation) {
  const random = mulberry32(9);
  const exp = (mean) => -Math.log(1 - random()) * mean;
  const rate = utilisation * CAPACITY;
  const free = new Array(WORKERS).fill(0);
  const latencies = [];
  let now = 0;
  for (let i = 0; i < 50_000; i++) {
    now += exp(1000 / rate);
    let best = 0;
    for (let w = 1; w < WORKERS; w++) if (free[w] < free[best]) best = w;
    const start = Math.max(now, free[best]);
    free[best] = start + exp(SERVICE_MS);
    latencies.push(free[best] - now);
  }
  latencies.sort((a, b) => a - b);
  return { rate, p95: latencies[Math.floor(latencies.length * 0.95)] };
}

console.log(`${WORKERS} workers x ${SERVICE_MS} ms per request = capacity ${CAPACITY} requests/s`);
console.log("utilisation  load (req/s)  p95 latency");
const rows = [];
for (const u of [0.5, 0.7, 0.8, 0.9, 0.95, 0.98]) {
  const { rate, p95 } = p95At(u);
  console.log(`${`${Math.round(u * 100)} %`.padStart(11)}  ${String(Math.round(rate)).padStart(12)}  ${`${p95.toFixed(0)} ms`.padStart(11)}`);
  rows.push({ x: Math.round(u * 100), y: Math.round(p95) });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "line", label: "p95 latency against utilisation", summary: `p95 ${rows[0].y} ms at ${rows[0].x} % busy, ${rows[3].y} ms at ${rows[3].x} %, ${rows.at(-1).y} ms at ${rows.at(-1).x} %.`, x: { title: "utilisation", unit: "%" }, y: { title: "p95 latency", unit: "ms" }, rows })}`);
