// lesson: postgres-connections
// claim: Pools inside each instance hold connections whether or not a transaction is running, so the server connections they need grow with the number of instances; a transaction pooler needs only as many as there are transactions in flight, which depends on the traffic, not on the instance count.

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The same traffic, 1,500 transactions per second of 4 ms each, spread over more and more instances.
// Each instance's pool keeps up to POOL connections open (node-postgres's default max is 10), and after a
// busy minute every one of them is open, idle or not. A transaction pooler lends a server connection for
// one transaction, so what it needs at any instant is the number of transactions running then.
const RATE = 1500;
const TX_MS = 4;
const POOL = 10;
const MAX_CONNECTIONS = 100;
const SECONDS = 20;

/** Peak and 99th percentile of transactions in flight, sampled every millisecond. */
function inFlight(random) {
  const ends = [];
  const samples = [];
  let t = 0;
  let next = -Math.log(1 - random()) * (1000 / RATE);
  for (let ms = 0; ms < SECONDS * 1000; ms++) {
    while (next < ms + 1) {
      ends.push(next + TX_MS);
      next += -Math.log(1 - random()) * (1000 / RATE);
    }
    t = ms + 1;
    for (let i = ends.length - 1; i >= 0; i--) if (ends[i] <= t) ends.splice(i, 1);
    samples.push(ends.length);
  }
  samples.sort((a, b) => a - b);
  return { p99: samples[Math.floor(samples.length * 0.99)], peak: samples[samples.length - 1] };
}

const busy = inFlight(mulberry32(7));
// Narrow enough for a phone: 32 characters a line.
console.log(`${RATE} tx/s × ${TX_MS} ms = ${(RATE * TX_MS) / 1000} in flight`);
console.log(`p99 ${busy.p99}, peak ${busy.peak} (${SECONDS} s simulated)`);
console.log("");
console.log(`inst.  pools hold  pooler needs`);
const rows = [];
for (const instances of [2, 4, 8, 16, 32]) {
  const pooled = instances * POOL;
  rows.push({ x: instances, y: pooled, series: "app pools hold" }, { x: instances, y: busy.peak, series: "a pooler needs" });
  const held = pooled <= MAX_CONNECTIONS ? String(pooled) : `${pooled} (>${MAX_CONNECTIONS})`;
  console.log(`${String(instances).padStart(5)}  ${held.padStart(10)}  ${String(busy.peak).padStart(12)}`);
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "line", label: "Database connections against app instances", summary: `${rows.at(-2).x} instances: pools hold ${rows.at(-2).y} connections (limit ${MAX_CONNECTIONS}); a pooler needs ${busy.peak}.`, x: { title: "app instances", log: true }, y: { title: "database connections" }, rows })}`);
