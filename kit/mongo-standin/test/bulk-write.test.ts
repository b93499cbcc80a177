// client.bulkWrite(), MongoDB 8.0's bulkWrite command: several collections in one command, results
// per operation, ordered and unordered failures, upserts and let.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MongoClientBulkWriteError, type ClientBulkWriteModel, type ClientBulkWriteOptions } from 'mongodb';
import { forEachTarget, uniqueName, type Loose } from './harness.ts';

forEachTarget('bulkWrite command (client.bulkWrite, 8.0)', (target) => {
  const bulk = (models: ClientBulkWriteModel<Record<string, Loose>>[], options?: ClientBulkWriteOptions) =>
    target().client.bulkWrite<Record<string, Loose>>(models, options);
  const namespaces = () => {
    const db = target().db;
    const a = db.collection<Loose>(uniqueName('bwa'));
    const b = db.collection<Loose>(uniqueName('bwb'));
    return { a, b, nsA: `${db.databaseName}.${a.collectionName}` as const, nsB: `${db.databaseName}.${b.collectionName}` as const };
  };

  it('writes to two collections and reports verbose results per operation', async () => {
    const { a, b, nsA, nsB } = namespaces();
    await a.insertOne({ _id: 1, n: 1 });
    const result = await bulk([
      { name: 'insertOne', namespace: nsB, document: { _id: 'x', v: 1 } },
      { name: 'updateOne', namespace: nsA, filter: { _id: 1 }, update: { $inc: { n: 1 } } },
      { name: 'updateOne', namespace: nsA, filter: { _id: 2 }, update: { $set: { n: 9 } }, upsert: true },
      { name: 'replaceOne', namespace: nsB, filter: { _id: 'x' }, replacement: { v: 2 } },
      { name: 'deleteMany', namespace: nsA, filter: { n: { $gt: 100 } } },
    ], { verboseResults: true });
    assert.equal(result.insertedCount, 1);
    assert.equal(result.matchedCount, 2);
    assert.equal(result.modifiedCount, 2);
    assert.equal(result.upsertedCount, 1);
    assert.equal(result.deletedCount, 0);
    assert.equal(result.insertResults?.get(0)?.insertedId, 'x');
    assert.equal(result.updateResults?.get(2)?.upsertedId, 2);
    assert.deepEqual(await a.find().sort({ _id: 1 }).toArray(), [{ _id: 1, n: 2 }, { _id: 2, n: 9 }]);
    assert.deepEqual(await b.find().toArray(), [{ _id: 'x', v: 2 }]);
  });

  it('an ordered bulkWrite stops at the first failure and reports it by index', async () => {
    const { a, nsA } = namespaces();
    await assert.rejects(bulk([
      { name: 'insertOne', namespace: nsA, document: { _id: 1 } },
      { name: 'insertOne', namespace: nsA, document: { _id: 1 } },
      { name: 'insertOne', namespace: nsA, document: { _id: 2 } },
    ]), (err: unknown) => {
      assert.ok(err instanceof MongoClientBulkWriteError);
      assert.deepEqual([...err.writeErrors.keys()], [1]);
      assert.equal(err.writeErrors.get(1)?.code, 11000);
      return true;
    });
    assert.deepEqual(await a.find().toArray(), [{ _id: 1 }]);
  });

  it('an unordered bulkWrite carries on past failures, including type errors', async () => {
    const { a, nsA } = namespaces();
    await a.insertOne({ _id: 1, s: 'text' });
    await assert.rejects(bulk([
      { name: 'updateOne', namespace: nsA, filter: { _id: 1 }, update: { $inc: { s: 1 } } },
      { name: 'insertOne', namespace: nsA, document: { _id: 2 } },
    ], { ordered: false }), (err: unknown) => {
      assert.ok(err instanceof MongoClientBulkWriteError);
      assert.equal(err.writeErrors.get(0)?.code, 14);
      assert.equal(err.partialResult?.insertedCount, 1);
      return true;
    });
    assert.equal(await a.countDocuments(), 2);
  });

  it('passes let to filters and pipeline updates', async () => {
    const { a, nsA } = namespaces();
    await a.insertMany([{ _id: 1, name: 'a' }, { _id: 2, name: 'b' }]);
    const result = await bulk([
      { name: 'updateOne', namespace: nsA, filter: { $expr: { $eq: ['$name', '$$who'] } }, update: [{ $set: { tag: '$$tag' } }] },
      { name: 'deleteOne', namespace: nsA, filter: { $expr: { $ne: ['$name', '$$who'] } } },
    ], { let: { who: 'a', tag: 'kept' } });
    assert.equal(result.modifiedCount, 1);
    assert.equal(result.deletedCount, 1);
    assert.deepEqual(await a.find().toArray(), [{ _id: 1, name: 'a', tag: 'kept' }]);
  });
});
