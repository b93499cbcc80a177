// lesson: caching-layers
// claim: Under a skewed (Zipf) load, a small in-process LRU cache answers most reads: the hit ratio climbs fast with size, then flattens.
import { LRUCache } from "lru-cache";

// A seeded random source, so every run prints the same numbers.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = 10_000;
const REQUESTS = 100_000;
const S = 1.0; // Zipf exponent: key k is requested in proportion to 1 / k^S

// Cumulative weights, then a binary search per draw.
const cumulative = new Float64Array(KEYS);
let sum = 0;
for (let k = 1; k <= KEYS; k++) cumulative[k - 1] = sum += 1 / k ** S;
function zipf(random) {
  const target = random() * sum;
  let lo = 0;
  let hi = KEYS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

console.log(`${REQUESTS.toLocaleString("en")} reads over ${KEYS.toLocaleString("en")} products, Zipf s=${S}`);
console.log("cache size  share of keys  hit ratio");
const rows = [];
for (const max of [10, 100, 1_000, 5_000]) {
  const random = mulberry32(7); // the same request stream for every size
  const cache = new LRUCache({ max });
  let hits = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const key = `product:${zipf(random)}`;
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, { id: key }); // a miss loads from the database, then caches
  }
  console.log(`${String(max).padStart(10)}  ${`${((max / KEYS) * 100).toFixed(1)} %`.padStart(13)}  ${`${((hits / REQUESTS) * 100).toFixed(1)} %`.padStart(9)}`);
  rows.push({ x: max, y: Math.round((hits / REQUESTS) * 1000) / 10 });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const [small, , , big] = rows;
console.log(`chart: ${JSON.stringify({ kind: "line", label: "LRU hit ratio against cache size", summary: `Hit ratio ${small.y} % with ${small.x} entries, ${big.y} % with ${big.x}.`, x: { title: "cache size", unit: "entries", log: true }, y: { title: "hit ratio", unit: "%" }, rows })}`);
