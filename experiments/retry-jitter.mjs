// lesson: queues
// claim: When 1,000 jobs fail together, exponential backoff alone retries them all in the same instant again; full jitter spreads each round over its whole window, so the busiest moment sees a fraction of them.

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JOBS = 1_000;
const BASE_MS = 1_000; // backoff: 1 s, 2 s, 4 s
const ATTEMPTS = 3;
const BUCKET_MS = 100;

// Every job failed at t=0 (the provider went down) and keeps failing, so each retries ATTEMPTS times.
function retryTimes(jitter) {
  const random = mulberry32(3);
  const times = [];
  for (let job = 0; job < JOBS; job++) {
    let t = 0;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const backoff = BASE_MS * 2 ** attempt;
      t += jitter ? random() * backoff : backoff; // full jitter: anywhere in [0, backoff)
      times.push(t);
    }
  }
  return times;
}

/** The most retries that land in any one 100 ms slot: the load spike the provider sees. */
function busiestSlot(times) {
  const slots = new Map();
  for (const t of times) slots.set(Math.floor(t / BUCKET_MS), (slots.get(Math.floor(t / BUCKET_MS)) ?? 0) + 1);
  return Math.max(...slots.values());
}

console.log(`${JOBS} jobs fail at once; retries after 1 s, 2 s, 4 s`);
console.log(`busiest ${BUCKET_MS} ms: no jitter ${busiestSlot(retryTimes(false))} retries, full jitter ${busiestSlot(retryTimes(true))}`);

// The numbers once more, as data for the chart the lesson shows (the build strips this line).
// Retries in each 100 ms slot over the first 8 s, with and without jitter.
const rows = [];
for (const [series, jitter] of [["no jitter", false], ["full jitter", true]]) {
  const counts = new Array(8_000 / BUCKET_MS).fill(0);
  for (const t of retryTimes(jitter)) if (t < 8_000) counts[Math.floor(t / BUCKET_MS)]++;
  counts.forEach((n, i) => rows.push({ x: (i * BUCKET_MS) / 1000, y: n, series }));
}
const peak = (series) => Math.max(...rows.filter((r) => r.series === series).map((r) => r.y));
console.log(`chart: ${JSON.stringify({ kind: "line", label: "Retries in each 100 ms, with and without jitter", summary: `Busiest 100 ms: ${peak("no jitter")} retries without jitter, ${peak("full jitter")} with full jitter.`, x: { title: "time after the failure", unit: "s" }, y: { title: "retries", unit: "per 100 ms" }, rows })}`);
