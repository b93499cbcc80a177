// lesson: cache-aside
// claim: When a hot key expires, every concurrent request misses and queries the database; coalescing the misses (lru-cache's fetch) sends one query.
import { LRUCache } from "lru-cache";
import { setTimeout as sleep } from "node:timers/promises";

const CONCURRENT = 200;
let queries = 0;
async function loadFromDatabase(id) {
  queries++;
  await sleep(50); // the query takes 50 ms; requests keep arriving meanwhile
  return { id, name: `product ${id}` };
}

// 1. Plain cache-aside: get, on a miss load and set.
const plain = new LRUCache({ max: 100 });
async function getPlain(id) {
  const cached = plain.get(id);
  if (cached) return cached;
  const value = await loadFromDatabase(id);
  plain.set(id, value);
  return value;
}

// 2. The same cache, but misses for one key share one load.
const coalesced = new LRUCache({ max: 100, fetchMethod: (id) => loadFromDatabase(id) });

queries = 0;
await Promise.all(Array.from({ length: CONCURRENT }, () => getPlain("42")));
const plainQueries = queries;

queries = 0;
await Promise.all(Array.from({ length: CONCURRENT }, () => coalesced.fetch("42")));
const coalescedQueries = queries;

console.log(`${CONCURRENT} concurrent requests for a hot key that just expired`);
console.log(`plain cache-aside (get, load, set):   ${plainQueries} database queries`);
console.log(`coalesced (cache.fetch, one loader):  ${coalescedQueries} database query`);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const rows = [{ x: "plain cache-aside", y: plainQueries }, { x: "coalesced (fetch)", y: coalescedQueries }];
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Database queries for one expired hot key", summary: `${CONCURRENT} concurrent misses: ${plainQueries} queries with plain cache-aside, ${coalescedQueries} when the misses share one load.`, x: { title: "cache" }, y: { title: "database queries" }, rows })}`);
if (coalescedQueries !== 1) process.exitCode = 1;
