// lesson: sharding
// claim: The same orders on the same three shards spread well or badly depending only on the shard key: a low-cardinality key leaves oversized ranges that cannot split, a monotonic ranged key sends every new insert to one shard, and a query without the shard key goes to every shard.
import { createHash } from "node:crypto";

// A model of a balanced sharded cluster, not MongoDB itself: the key space is cut into ranges of at most
// RANGE_DOCS documents (a range never splits inside one key value, so a key value with more documents than
// that leaves an oversized "jumbo" range), the ranges are dealt out to the shards in key order, and every
// later insert goes to the range that holds its key. A query is sent to the shards whose ranges it can
// touch; without the shard key (or its prefix), that is every shard.
const SHARDS = 3;
const EXISTING = 60_000;
const NEW_INSERTS = 6_000;
const RANGE_DOCS = 2_000;
const CUSTOMERS = 20_000;

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Orders arrive in time order; a few customers order far more than most; most orders come from one country.
const countries = [["US", 0.6], ["DE", 0.2], ["BR", 0.1], ["IN", 0.06], ["JP", 0.04]];
function makeOrders(count, random, startMinute) {
  const orders = [];
  for (let i = 0; i < count; i++) {
    const customer = Math.floor(CUSTOMERS * random() ** 2); // skewed: low ids order most
    let pick = random();
    const country = countries.find(([, share]) => (pick -= share) < 0)?.[0] ?? "US";
    orders.push({ customerId: `c${String(customer).padStart(5, "0")}`, country, createdAt: startMinute + i / 10 });
  }
  return orders;
}

/** A 64-bit hash of a value as a signed BigInt, from the first 8 bytes of its MD5: a stand-in for a hashed index. */
const hash = (value) => createHash("md5").update(String(value)).digest().readBigInt64LE(0);

const compare = (a, b) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
};

// Each key turns an order into a sortable tuple; `prefix` names the fields a query can target by.
const keys = [
  { name: "{ country: 1 }", tuple: (o) => [o.country], fields: ["country"], hashed: false },
  { name: "{ createdAt: 1 }", tuple: (o) => [o.createdAt], fields: ["createdAt"], hashed: false },
  { name: '{ createdAt: "hashed" }', tuple: (o) => [hash(o.createdAt)], fields: ["createdAt"], hashed: true },
  { name: '{ customerId: "hashed" }', tuple: (o) => [hash(o.customerId)], fields: ["customerId"], hashed: true },
  { name: "{ customerId: 1, createdAt: 1 }", tuple: (o) => [o.customerId, o.createdAt], fields: ["customerId", "createdAt"], hashed: false },
];

/**
 * Cut the sorted tuples into ranges of at most RANGE_DOCS documents. A range can only end between two
 * different keys, so a key with more documents than that becomes a range of its own: a jumbo range.
 */
function cutRanges(tuples) {
  const sorted = [...tuples].sort(compare);
  const ranges = [];
  let current;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && compare(sorted[j], sorted[i]) === 0) j++;
    const group = j - i;
    if (!current || current.docs + group > RANGE_DOCS) {
      current = { min: ranges.length === 0 ? null : sorted[i], docs: 0, keys: 0 };
      ranges.push(current);
    }
    current.docs += group;
    current.keys++;
    i = j;
  }
  ranges.forEach((range, i) => (range.shard = i % SHARDS));
  return ranges;
}

/** The range that holds a tuple: the last one whose lower bound is at or below it. */
function rangeOf(ranges, tuple) {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compare(ranges[mid].min, tuple) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return ranges[lo];
}

/** Shards a query touches: those owning a range that overlaps [low, high] of the key's tuples. */
function shardsBetween(ranges, low, high) {
  const shards = new Set();
  ranges.forEach((range, i) => {
    const next = ranges[i + 1]?.min;
    const startsBelowHigh = range.min === null || compare(range.min, high) <= 0;
    const endsAboveLow = next === undefined || compare(next, low) > 0;
    if (startsBelowHigh && endsAboveLow) shards.add(range.shard);
  });
  return shards.size;
}

const random = mulberry32(7);
const existing = makeOrders(EXISTING, random, 0);
const incoming = makeOrders(NEW_INSERTS, random, EXISTING / 10);
const lastMinute = incoming.at(-1).createdAt;
const oneCustomer = "c00042";

const pct = (part, whole) => `${Math.round((part / whole) * 100)} %`;
// Columns: data, the share of the documents on the biggest shard; jumbo, ranges over the limit that cannot
// split; inserts, the share of the new orders on the busiest shard; cust and hour, the shards asked for one
// customer's orders and for the last hour's orders.
console.log(`${EXISTING.toLocaleString("en")} orders, ${SHARDS} shards, ranges of at most ${RANGE_DOCS.toLocaleString("en")} documents;`);
console.log(`then ${NEW_INSERTS.toLocaleString("en")} new orders.`);
console.log("");
const row = (cells) => `${cells[0].padEnd(31)}  ${cells[1].padStart(4)}  ${cells[2].padStart(5)}  ${cells[3].padStart(7)}  ${cells[4].padStart(4)}  ${cells[5].padStart(4)}`;
console.log(row(["shard key", "data", "jumbo", "inserts", "cust", "hour"]));
const rows = [];
for (const key of keys) {
  const ranges = cutRanges(existing.map(key.tuple));
  const perShard = Array.from({ length: SHARDS }, (_, s) => ranges.filter((r) => r.shard === s).reduce((n, r) => n + r.docs, 0));
  const jumbo = ranges.filter((r) => r.docs > RANGE_DOCS).length; // always a single key
  const inserts = Array(SHARDS).fill(0);
  for (const order of incoming) inserts[rangeOf(ranges, key.tuple(order)).shard]++;

  // One customer's orders: targeted when the key starts with customerId, broadcast otherwise.
  let customerShards = SHARDS;
  if (key.fields[0] === "customerId") {
    customerShards = key.hashed
      ? 1 // equality on a hashed field: one hash, one range
      : shardsBetween(ranges, [oneCustomer, -Infinity], [oneCustomer, Infinity]);
  }
  // The last hour's orders: a range on createdAt; only a ranged key that starts with createdAt can target it.
  let hourShards = SHARDS;
  if (key.fields[0] === "createdAt" && !key.hashed) hourShards = shardsBetween(ranges, [lastMinute - 60], [lastMinute]);

  rows.push({ x: key.name, y: Math.round((Math.max(...perShard) / EXISTING) * 100), series: "data on the biggest shard" });
  rows.push({ x: key.name, y: Math.round((Math.max(...inserts) / NEW_INSERTS) * 100), series: "new orders on the busiest shard" });
  console.log(row([key.name, pct(Math.max(...perShard), EXISTING), String(jumbo), pct(Math.max(...inserts), NEW_INSERTS), String(customerShards), String(hourShards)]));
}
console.log("");
console.log(`Even is ${Math.round(100 / SHARDS)} % per shard; asking all ${SHARDS} shards is a scatter-gather.`);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const worst = rows.filter((r) => r.series.startsWith("new")).reduce((a, b) => (b.y > a.y ? b : a));
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Load on the busiest shard, by shard key", summary: `${worst.x} puts ${worst.y} % of new orders on one shard; even is ${Math.round(100 / SHARDS)} %.`, x: { title: "shard key" }, y: { title: "share", unit: "%" }, rows })}`);
