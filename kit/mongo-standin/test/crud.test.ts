// CRUD, cursors, sorting, update operators, findOneAndUpdate, counting and aggregation,
// all through the official driver.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ObjectId } from 'mongodb';
import { forEachTarget, uniqueName } from './harness.ts';

forEachTarget('CRUD and queries', (target) => {
  const coll = (name = uniqueName('c')) => target().db.collection(name);

  it('inserts, finds, updates and deletes a document', async () => {
    const users = coll();
    const { insertedId } = await users.insertOne({ name: 'Ada', plan: 'free' });
    assert.ok(insertedId instanceof ObjectId);
    assert.deepEqual(await users.findOne({ _id: insertedId }), { _id: insertedId, name: 'Ada', plan: 'free' });
    const updated = await users.updateOne({ _id: insertedId }, { $set: { plan: 'pro' } });
    assert.equal(updated.matchedCount, 1);
    assert.equal(updated.modifiedCount, 1);
    assert.equal((await users.findOne({ name: 'Ada' }))?.plan, 'pro');
    const replaced = await users.replaceOne({ _id: insertedId }, { name: 'Ada L.' });
    assert.equal(replaced.modifiedCount, 1);
    assert.deepEqual(await users.findOne({ _id: insertedId }), { _id: insertedId, name: 'Ada L.' });
    assert.equal((await users.deleteOne({ _id: insertedId })).deletedCount, 1);
    assert.equal(await users.findOne({ _id: insertedId }), null);
  });

  it('generates an _id on the server when the driver does not send one', async () => {
    const c = coll();
    await target().db.command({ insert: c.collectionName, documents: [{ n: 1 }] });
    const doc = await c.findOne({ n: 1 });
    assert.ok(doc?._id instanceof ObjectId);
  });

  it('returns more documents than one batch through getMore', async () => {
    const c = coll();
    await c.insertMany(Array.from({ length: 1234 }, (_, i) => ({ i })));
    let getMores = 0;
    const client = target().client;
    const listener = (e: { commandName: string }) => { if (e.commandName === 'getMore') getMores++; };
    client.on('commandStarted', listener);
    const docs = await c.find({}, { batchSize: 100 }).sort({ i: 1 }).toArray();
    client.off('commandStarted', listener);
    assert.equal(docs.length, 1234);
    assert.deepEqual(docs.map((d) => d.i), Array.from({ length: 1234 }, (_, i) => i));
    assert.equal(getMores, 12, 'a first batch of 100, then twelve getMore batches');
  });

  it('sorts, skips and limits', async () => {
    const c = coll();
    await c.insertMany([5, 3, 9, 1, 7, 2].map((n) => ({ n, even: n % 2 === 0 })));
    const page = await c.find({}, { projection: { _id: 0, n: 1 } }).sort({ n: -1 }).skip(1).limit(3).toArray();
    assert.deepEqual(page, [{ n: 7 }, { n: 5 }, { n: 3 }]);
    const compound = await c.find({}).sort({ even: 1, n: 1 }).toArray();
    assert.deepEqual(compound.map((d) => d.n), [1, 3, 5, 7, 9, 2]);
  });

  it('applies update operators', async () => {
    interface Item { count: number; tags: string[]; nested: { x: number; y?: number }; drop?: boolean; low?: number }
    const c = target().db.collection<Item>(uniqueName('ops'));
    const { insertedId } = await c.insertOne({ count: 1, tags: ['a'], nested: { x: 1 }, drop: true });
    await c.updateOne({ _id: insertedId }, {
      $inc: { count: 4 }, $push: { tags: 'b' }, $set: { 'nested.y': 2 }, $unset: { drop: '' }, $min: { low: 3 },
    });
    await c.updateOne({ _id: insertedId }, { $addToSet: { tags: { $each: ['a', 'c'] } } });
    // Two operators on one path in one update is refused (ConflictingUpdateOperators).
    await assert.rejects(c.updateOne({ _id: insertedId }, { $push: { tags: 'x' }, $pull: { tags: 'a' } }), (err: { code?: number }) => err.code === 40);
    assert.deepEqual(await c.findOne({ _id: insertedId }, { projection: { _id: 0 } }), { count: 5, tags: ['a', 'b', 'c'], nested: { x: 1, y: 2 }, low: 3 });
    const many = await c.updateMany({}, { $mul: { count: 2 } });
    assert.equal(many.modifiedCount, 1);
    const unchanged = await c.updateOne({ _id: insertedId }, { $set: { count: 10 } });
    assert.equal(unchanged.matchedCount, 1);
    assert.equal(unchanged.modifiedCount, 0, 'setting a field to its current value modifies nothing');
  });

  it('upserts with $setOnInsert and refuses to change _id', async () => {
    const c = coll();
    const first = await c.updateOne({ email: 'a@x.test' }, { $set: { seen: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    assert.equal(first.upsertedCount, 1);
    await c.updateOne({ email: 'a@x.test' }, { $set: { seen: 2 }, $setOnInsert: { created: false } }, { upsert: true });
    const doc = await c.findOne({ email: 'a@x.test' });
    assert.equal(doc?.seen, 2);
    assert.equal(doc?.created, true);
    await assert.rejects(c.updateOne({ email: 'a@x.test' }, { $set: { _id: new ObjectId() } }), (err: { code?: number }) => err.code === 66);
  });

  it('findOneAndUpdate returns the document before or after, and upserts', async () => {
    const c = coll();
    await c.insertOne({ _id: 'counter' as unknown as ObjectId, value: 1 });
    const before = await c.findOneAndUpdate({ _id: 'counter' as unknown as ObjectId }, { $inc: { value: 1 } }, { returnDocument: 'before' });
    assert.equal(before?.value, 1);
    const after = await c.findOneAndUpdate({ _id: 'counter' as unknown as ObjectId }, { $inc: { value: 1 } }, { returnDocument: 'after' });
    assert.equal(after?.value, 3);
    const created = await c.findOneAndUpdate({ name: 'new' }, { $set: { value: 9 } }, { upsert: true, returnDocument: 'after' });
    assert.equal(created?.value, 9);
    const deleted = await c.findOneAndDelete({ name: 'new' });
    assert.equal(deleted?.value, 9);
    assert.equal(await c.findOneAndUpdate({ name: 'absent' }, { $set: { x: 1 } }), null);
  });

  it('enforces unique indexes with code 11000 and the real message shape', async () => {
    const c = coll();
    assert.equal(await c.createIndex({ email: 1 }, { unique: true }), 'email_1');
    await c.insertOne({ email: 'dup@x.test' });
    await assert.rejects(c.insertOne({ email: 'dup@x.test' }), (err: { code?: number; message: string; keyValue?: unknown; keyPattern?: unknown }) => {
      assert.equal(err.code, 11000);
      assert.match(err.message, new RegExp(`^E11000 duplicate key error collection: ${target().db.databaseName}\\.${c.collectionName} index: email_1 dup key: \\{ email: "dup@x\\.test" \\}`));
      assert.deepEqual(err.keyValue, { email: 'dup@x.test' });
      assert.deepEqual(err.keyPattern, { email: 1 });
      return true;
    });
    // An unordered batch keeps going past the duplicate; an ordered one stops there.
    await assert.rejects(c.insertMany([{ email: 'b' }, { email: 'dup@x.test' }, { email: 'c' }], { ordered: false }));
    assert.equal(await c.countDocuments(), 3);
    await assert.rejects(c.insertMany([{ email: 'd' }, { email: 'b' }, { email: 'e' }]));
    assert.equal(await c.countDocuments({ email: 'e' }), 0);
    await assert.rejects(c.updateOne({ email: 'c' }, { $set: { email: 'b' } }), (err: { code?: number }) => err.code === 11000);
    const names = (await c.listIndexes().toArray()).map((ix) => ix.name);
    assert.deepEqual(names, ['_id_', 'email_1']);
    await c.dropIndex('email_1');
    await c.insertOne({ email: 'b' });
    await assert.rejects(c.createIndex({ email: 1 }, { unique: true }), (err: { code?: number }) => err.code === 11000);
  });

  it('aggregates with $match, $group and $sort', async () => {
    const c = coll();
    await c.insertMany([
      { region: 'eu', amount: 10 }, { region: 'us', amount: 5 }, { region: 'eu', amount: 7 },
      { region: 'ap', amount: 1 }, { region: 'us', amount: 30 }, { region: 'eu', amount: -2 },
    ]);
    const totals = await c.aggregate([
      { $match: { amount: { $gt: 0 } } },
      { $group: { _id: '$region', total: { $sum: '$amount' }, orders: { $sum: 1 } } },
      { $sort: { total: -1 } },
    ]).toArray();
    assert.deepEqual(totals, [{ _id: 'us', total: 35, orders: 2 }, { _id: 'eu', total: 17, orders: 2 }, { _id: 'ap', total: 1, orders: 1 }]);
  });

  it('counts with countDocuments and estimatedDocumentCount, and lists distinct values', async () => {
    const c = coll();
    assert.equal(await c.estimatedDocumentCount(), 0);
    await c.insertMany(Array.from({ length: 25 }, (_, i) => ({ i, tier: ['a', 'b', 'c'][i % 3], tags: [i % 2 ? 'odd' : 'even'] })));
    assert.equal(await c.countDocuments(), 25);
    assert.equal(await c.countDocuments({ tier: 'a' }), 9);
    assert.equal(await c.countDocuments({ i: { $gte: 10 } }, { skip: 5, limit: 4 }), 4);
    assert.equal(await c.estimatedDocumentCount(), 25);
    assert.deepEqual((await c.distinct('tier')).sort(), ['a', 'b', 'c']);
    assert.deepEqual((await c.distinct('tags', { i: { $lt: 2 } })).sort(), ['even', 'odd']);
  });

  it('lists, drops and recreates collections and databases', async () => {
    const c = coll();
    await c.insertOne({ a: 1 });
    const names = (await target().db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name);
    assert.ok(names.includes(c.collectionName));
    const dbs = await target().client.db('admin').admin().listDatabases();
    assert.ok(dbs.databases.some((d) => d.name === target().db.databaseName));
    assert.equal(await c.drop(), true);
    assert.equal(await c.countDocuments(), 0);
    await target().db.createCollection(c.collectionName);
    assert.ok((await target().db.listCollections({ name: c.collectionName }).toArray()).length === 1);
  });
});
