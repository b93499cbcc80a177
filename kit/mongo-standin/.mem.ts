import { BSON, ObjectId } from 'bson';
import { Store } from './store.ts';
const gc = (globalThis as { gc?: () => void }).gc!;
gc(); const m0 = process.memoryUsage();
const store = new Store();
const coll = store.ensureCollection('db', 'c');
let bson = 0;
const N = 100_000;
for (let i = 0; i < N; i++) {
  const raw = BSON.serialize({ _id: new ObjectId(), seq: i, name: `user-${i}`, email: `user-${i}@example.test`, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) });
  bson += raw.length;
  coll.insert(BSON.deserialize(raw));
}
gc(); const m1 = process.memoryUsage();
const mb = (x: number) => (x / 1048576).toFixed(1);
console.log(coll.records.size, 'bson', mb(bson), 'heapUsed +', mb(m1.heapUsed - m0.heapUsed), 'external +', mb(m1.external - m0.external), 'arrayBuffers +', mb(m1.arrayBuffers - m0.arrayBuffers), 'rss +', mb(m1.rss - m0.rss), 'rss', mb(m1.rss));
