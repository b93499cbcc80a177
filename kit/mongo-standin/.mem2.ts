import { BSON, ObjectId } from 'bson';
const gc = (globalThis as { gc?: () => void }).gc!;
const N = 100_000;
const mb = (x: number) => (x / 1048576).toFixed(1);
function measure(label: string, make: () => unknown) {
  gc(); const h0 = process.memoryUsage().heapUsed;
  const keep = make();
  gc(); const h1 = process.memoryUsage().heapUsed;
  console.log(label, mb(h1 - h0), 'MB', ((h1 - h0) / N).toFixed(0), 'B/doc', (keep as { length?: number; size?: number }).length ?? (keep as Map<unknown, unknown>).size);
}
const raws = Array.from({ length: N }, (_, i) => BSON.serialize({ _id: new ObjectId(), seq: i, name: `user-${i}`, email: `user-${i}@example.test`, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
measure('decoded docs', () => raws.map((r) => BSON.deserialize(r)));
measure('ObjectIds', () => raws.map((r) => BSON.deserialize(r)._id));
measure('Buffer copies', () => raws.map((r) => Buffer.from(r)));
measure('Map latin1 keys', () => { const m = new Map(); raws.forEach((r, i) => m.set(Buffer.from(r.subarray(9, 21)).toString('latin1'), i)); return m; });
measure('Map hex keys', () => { const m = new Map(); raws.forEach((r, i) => m.set('o' + Buffer.from(r.subarray(9, 21)).toString('hex'), i)); return m; });
measure('entries {key:[oid],rid}', () => raws.map((r, i) => ({ key: [BSON.deserialize(r)._id], rid: i })));
