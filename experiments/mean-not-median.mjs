// lesson: interview-prep
// claim: Little's law needs the mean latency: with a long-tailed latency, rate x p50 underestimates the requests in flight, rate x mean predicts them.

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RATE = 500; // requests per second
const SECONDS = 60;
const random = mulberry32(21);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

// Requests arrive evenly; latency is log-normal with a long tail (median 25 ms).
const requests = [];
for (let i = 0; i < RATE * SECONDS; i++) {
  const start = (i * 1000) / RATE;
  requests.push({ start, end: start + 25 * Math.exp(1.1 * normal()) });
}
const latencies = requests.map((r) => r.end - r.start).sort((a, b) => a - b);
const p50 = latencies[Math.floor(latencies.length / 2)];
const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;

// Measure requests in flight directly: sample every millisecond in the middle 40 s.
const events = [];
for (const r of requests) events.push([r.start, 1], [r.end, -1]);
events.sort((a, b) => a[0] - b[0]);
let inFlight = 0;
let sum = 0;
let samples = 0;
let next = 10_000;
for (const [t, delta] of events) {
  while (next < t && next < 50_000) { sum += inFlight; samples++; next++; }
  inFlight += delta;
}

console.log(`${RATE} requests/s; latency p50 ${p50.toFixed(0)} ms, mean ${mean.toFixed(0)} ms`);
console.log(`rate x p50  predicts ${((RATE * p50) / 1000).toFixed(1)} in flight`);
console.log(`rate x mean predicts ${((RATE * mean) / 1000).toFixed(1)} in flight`);
console.log(`measured average     ${(sum / samples).toFixed(1)} in flight`);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const round1 = (n) => Math.round(n * 10) / 10;
const rows = [{ x: "rate x p50", y: round1((RATE * p50) / 1000) }, { x: "rate x mean", y: round1((RATE * mean) / 1000) }, { x: "measured", y: round1(sum / samples) }];
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Requests in flight: predicted and measured", summary: `In flight: rate x p50 ${rows[0].y}, rate x mean ${rows[1].y}, measured ${rows[2].y}.`, x: { title: "estimate" }, y: { title: "requests in flight" }, rows })}`);
