// Stored documents survive the storage's housekeeping: many rewrites (which leave old versions
// behind until they are reclaimed), deletes during an open cursor, and large batches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { startMongoStandin, type MongoStandin } from '../index.ts';
import { clientOptions, forEachTarget, uniqueName, type Loose } from './harness.ts';

forEachTarget('storage', (target) => {
  it('keeps every document right through megabytes of rewrites', async () => {
    const c = target().db.collection<Loose>(uniqueName('rewrites'));
    const pad = 'x'.repeat(2000);
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, v: 0, pad })));
    for (let round = 1; round <= 6; round++) {
      const result = await c.updateMany({}, { $inc: { v: 1 } });
      assert.equal(result.modifiedCount, 300);
    }
    await c.deleteMany({ _id: { $gte: 150 } });
    const docs = await c.find({}).sort({ _id: 1 }).toArray();
    assert.equal(docs.length, 150);
    assert.ok(docs.every((d, i) => d._id === i && d.v === 6 && d.pad === pad));
  });

  it('an open cursor skips documents deleted before their batch', async () => {
    const c = target().db.collection<Loose>(uniqueName('cursor'));
    await c.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i })));
    const cursor = c.find({}, { batchSize: 10 }).sort({ _id: 1 });
    const first = [];
    for (let i = 0; i < 10; i++) first.push((await cursor.next())!._id);
    await c.deleteMany({ _id: { $gte: 20 } });
    const rest = (await cursor.toArray()).map((d) => d._id);
    assert.deepEqual(first, Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(rest, Array.from({ length: 10 }, (_, i) => i + 10));
  });

  it('inserts and walks 20,000 documents whose _id the driver added last', async () => {
    const c = target().db.collection<Loose>(uniqueName('bulk'));
    const result = await c.insertMany(Array.from({ length: 20_000 }, (_, i) => ({ seq: i, name: `n${i}` })));
    assert.equal(result.insertedCount, 20_000);
    let seq = 0;
    for await (const doc of c.find({}, { batchSize: 500 })) {
      assert.equal(Object.keys(doc)[0], '_id');
      assert.equal(doc.seq, seq++);
    }
    assert.equal(seq, 20_000);
  });
});

describe('storage reclaims old versions [stand-in only: storageSize is the stand-in\'s arena]', () => {
  let standin: MongoStandin;
  let client: MongoClient;
  before(async () => {
    standin = await startMongoStandin();
    client = await new MongoClient(standin.uri, clientOptions).connect();
  });
  after(async () => {
    await client.close();
    await standin.close();
  });

  it('keeps storageSize within a few times the data however often documents are rewritten', async () => {
    const db = client.db('storage');
    const c = db.collection<Loose>('rewrites');
    await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, v: 0, pad: 'x'.repeat(5000) })));
    for (let round = 0; round < 20; round++) await c.updateMany({}, { $inc: { v: 1 } });
    const stats = await db.command({ collStats: 'rewrites' });
    assert.ok(stats.size > 200 * 5000, `size ${stats.size}`);
    assert.ok(stats.storageSize <= 3 * stats.size, `storageSize ${stats.storageSize} for ${stats.size} bytes of documents after 20 rewrites of each`);
    assert.equal(await c.countDocuments({ v: 20 }), 200);
  });
});
