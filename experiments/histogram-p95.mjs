// lesson: observability
// claim: A histogram's p95 is interpolated inside one bucket, so its error depends on the buckets: the default buckets miss the true p95 by far more than buckets placed around the SLO.
import { Histogram, Registry } from "prom-client";

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 20,000 request durations in seconds: log-normal, median 120 ms, with a long tail.
const random = mulberry32(5);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const durations = Array.from({ length: 20_000 }, () => 0.12 * Math.exp(0.6 * normal()));
const sorted = [...durations].sort((a, b) => a - b);
const trueP95 = sorted[Math.ceil(sorted.length * 0.95) - 1];

// What PromQL's histogram_quantile does: find the bucket holding the rank, interpolate linearly.
function estimateQuantile(q, buckets) {
  const total = buckets.at(-1).count;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return previous.le;
      return previous.le + ((bucket.le - previous.le) * (rank - previous.count)) / (bucket.count - previous.count);
    }
    previous = bucket;
  }
  return NaN;
}

async function p95With(label, buckets) {
  const registry = new Registry();
  const histogram = new Histogram({ name: "http_request_duration_seconds", help: "Request duration", registers: [registry], ...(buckets ? { buckets } : {}) });
  for (const d of durations) histogram.observe(d);
  const [metric] = await registry.getMetricsAsJSON();
  const cumulative = metric.values
    .filter((v) => v.metricName === "http_request_duration_seconds_bucket")
    .map((v) => ({ le: v.labels.le === "+Inf" ? Infinity : Number(v.labels.le), count: v.value }));
  const estimate = estimateQuantile(0.95, cumulative);
  const error = ((estimate - trueP95) / trueP95) * 100;
  console.log(`${label}  estimated p95 ${(estimate * 1000).toFixed(0).padStart(4)} ms  error ${error >= 0 ? "+" : ""}${error.toFixed(1)} %`);
  return Math.round(estimate * 1000);
}

console.log(`true p95 of 20,000 requests: ${(trueP95 * 1000).toFixed(0)} ms`);
const byDefault = await p95With("default buckets (prom-client)  ", undefined);
const bySlo = await p95With("buckets around a 300 ms SLO    ", [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 1]);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const truth = Math.round(trueP95 * 1000);
const rows = [{ x: "true p95", y: truth }, { x: "default buckets", y: byDefault }, { x: "buckets around the SLO", y: bySlo }];
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "p95 estimated from histogram buckets", summary: `True p95 ${truth} ms; default buckets say ${byDefault} ms, SLO buckets ${bySlo} ms.`, x: { title: "p95" }, y: { title: "p95 latency", unit: "ms" }, rows })}`);
