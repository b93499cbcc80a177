// Median of 5 runs: insertMany 10,000 documents, then walk them with a cursor in batches of 100.
// Run: node kit/mongo-standin/bench.ts   (or MONGO_URL=mongodb://... to measure a real server)
import { MongoClient } from 'mongodb';
import { startMongoStandin } from './index.ts';

const RUNS = 5;
const DOCS = 10_000;

const standin = process.env.MONGO_URL ? undefined : await startMongoStandin();
const client = new MongoClient(process.env.MONGO_URL ?? standin!.uri);
await client.connect();
const coll = client.db('standin_bench').collection(`run_${process.pid}`);

const timings: number[] = [];
for (let run = 0; run < RUNS; run++) {
  await coll.drop().catch(() => {});
  const docs = Array.from({ length: DOCS }, (_, i) => ({ seq: i, name: `user-${i}`, email: `user-${i}@example.test`, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
  const started = performance.now();
  await coll.insertMany(docs);
  let walked = 0;
  for await (const _doc of coll.find({}, { batchSize: 100 })) walked++;
  const elapsed = performance.now() - started;
  if (walked !== DOCS) throw new Error(`walked ${walked} documents, expected ${DOCS}`);
  timings.push(elapsed);
  console.log(`run ${run + 1}: ${elapsed.toFixed(0)} ms`);
}
await coll.drop().catch(() => {});
await client.close();
await standin?.close();
const sorted = [...timings].sort((a, b) => a - b);
console.log(`median of ${RUNS}: ${sorted[Math.floor(RUNS / 2)]!.toFixed(0)} ms for insertMany(${DOCS}) + cursor walk in batches of 100 (${process.env.MONGO_URL ? 'MONGO_URL' : 'stand-in'})`);
