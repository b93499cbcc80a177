import { MongoClient } from 'mongodb';
const client = await new MongoClient(process.argv[2]!).connect();
const coll = client.db('p').collection('docs');
const docs = Array.from({ length: 100_000 }, (_, i) => ({ seq: i, name: `user-${i}`, email: `user-${i}@example.test`, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
await coll.insertMany(docs);
let n = 0;
for await (const _ of coll.find({}, { batchSize: 100 })) n++;
await client.close();
