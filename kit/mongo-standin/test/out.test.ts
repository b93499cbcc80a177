// $out: replacing a collection with a pipeline's results, and where mongod refuses the stage.
// Cases from the specifications repository's CRUD tests (aggregate-out, aggregate-out-readConcern)
// are marked "spec".
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Long } from 'mongodb';
import { forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('aggregate $out', (target) => {
  const seeded = async () => {
    const c = target().db.collection<Loose>(uniqueName('src'));
    await c.insertMany([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    return c;
  };
  const sorted = (name: string, db = target().db) => db.collection<Loose>(name).find().sort({ _id: 1 }).toArray();
  const specPipeline = (out: unknown) => [{ $sort: { x: 1 } }, { $match: { _id: { $gt: 1 } } }, { $out: out }];

  it('spec: writes the results into a new collection, with batchSize 2 and 0, and returns no documents', async () => {
    const c = await seeded();
    for (const batchSize of [2, 0]) {
      const out = uniqueName('out');
      assert.deepEqual(await c.aggregate(specPipeline(out), { batchSize }).toArray(), []);
      assert.deepEqual(await sorted(out), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    }
  });

  it('answers a cursor with an empty first batch and id 0', async () => {
    const c = await seeded();
    const reply = await target().db.command({ aggregate: c.collectionName, pipeline: specPipeline(uniqueName('out')), cursor: {} });
    assert.deepEqual(reply.cursor.firstBatch, []);
    assert.ok(Long.fromValue(reply.cursor.id).isZero());
  });

  it('replaces an existing collection\'s documents and keeps its indexes', async () => {
    const c = await seeded();
    const out = target().db.collection<Loose>(uniqueName('out'));
    await out.insertMany([{ _id: 9, x: 99 }, { _id: 2, x: 0 }]);
    await out.createIndex({ x: 1 }, { unique: true, name: 'x_unique' });
    await c.aggregate(specPipeline(out.collectionName)).toArray();
    assert.deepEqual(await sorted(out.collectionName), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    const indexes = await out.listIndexes().toArray();
    assert.deepEqual(indexes.map((ix) => [ix.name, ix.unique ?? false]).sort(), [['_id_', false], ['x_unique', true]]);
  });

  it('creates the collection even for no results, and gives documents without _id one', async () => {
    const c = await seeded();
    const empty = uniqueName('out');
    await c.aggregate([{ $match: { x: 0 } }, { $out: empty }]).toArray();
    assert.equal((await target().db.listCollections({ name: empty }).toArray()).length, 1);
    const noIds = uniqueName('out');
    await c.aggregate([{ $project: { _id: 0, x: 1 } }, { $out: noIds }]).toArray();
    const docs = await target().db.collection<Loose>(noIds).find().toArray();
    assert.equal(docs.length, 3);
    assert.ok(docs.every((d) => d._id !== undefined && d._id !== null));
  });

  it('writes into another database with { db, coll }, and into the collection being aggregated', async () => {
    const c = await seeded();
    const otherDb = target().client.db(uniqueName('standin_out_db'));
    try {
      await c.aggregate([{ $match: { x: { $gt: 20 } } }, { $out: { db: otherDb.databaseName, coll: 'copy' } }]).toArray();
      assert.deepEqual(await sorted('copy', otherDb), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    } finally {
      await otherDb.dropDatabase();
    }
    await c.aggregate([{ $match: { x: { $lt: 30 } } }, { $set: { y: 1 } }, { $out: c.collectionName }]).toArray();
    assert.deepEqual(await sorted(c.collectionName), [{ _id: 1, x: 11, y: 1 }, { _id: 2, x: 22, y: 1 }]);
  });

  it('fails with 11000 when the results break a unique index of the target, which is left as it was', async () => {
    const c = await seeded();
    const out = target().db.collection<Loose>(uniqueName('out'));
    await out.insertOne({ _id: 'kept', x: 1 });
    await out.createIndex({ flag: 1 }, { unique: true });
    await rejectsWith(c.aggregate([{ $set: { flag: true } }, { $out: out.collectionName }]).toArray(), { code: 11000, codeName: 'DuplicateKey' });
    assert.deepEqual(await sorted(out.collectionName), [{ _id: 'kept', x: 1 }]);
  });

  it('must be the last stage (40601) and may not stand in $lookup (51047), $facet (40600) or $unionWith (31441)', async () => {
    const c = await seeded();
    const out = uniqueName('out');
    await rejectsWith(c.aggregate([{ $out: out }, { $match: {} }]).toArray(), { code: 40601, codeName: 'Location40601', message: /\$out can only be the final stage/ });
    await rejectsWith(c.aggregate([{ $lookup: { from: c.collectionName, pipeline: [{ $out: out }], as: 'j' } }]).toArray(), { code: 51047, message: /\$out is not allowed within a \$lookup's sub-pipeline/ });
    await rejectsWith(c.aggregate([{ $facet: { a: [{ $out: out }] } }]).toArray(), { code: 40600, message: /\$out is not allowed to be used within a \$facet stage/ });
    await rejectsWith(c.aggregate([{ $unionWith: { coll: c.collectionName, pipeline: [{ $out: out }] } }]).toArray(), { code: 31441 });
    assert.equal((await target().db.listCollections({ name: out }).toArray()).length, 0);
  });

  it('refuses bad specifications with mongod\'s codes', async () => {
    const c = await seeded();
    await rejectsWith(c.aggregate([{ $out: 1 }]).toArray(), { code: 16990, message: /\$out only supports a string or object argument/ });
    await rejectsWith(c.aggregate([{ $out: { coll: 'x' } }]).toArray(), { code: 40414, message: /\$out\.db/ });
    await rejectsWith(c.aggregate([{ $out: { db: target().db.databaseName, coll: 'x', extra: 1 } }]).toArray(), { code: 40415 });
    await rejectsWith(c.aggregate([{ $out: { db: target().db.databaseName, coll: 5 } }]).toArray(), { code: 14, codeName: 'TypeMismatch' });
    await rejectsWith(c.aggregate([{ $out: 'system.mine' }]).toArray(), { code: 17385 });
    await rejectsWith(c.aggregate([{ $out: { db: 'admin', coll: 'mine' } }]).toArray(), { code: 31321 });
  });

  it('spec: writes the same with readConcern majority, local and available', async () => {
    const c = await seeded();
    for (const level of ['majority', 'local', 'available'] as const) {
      const out = uniqueName('out');
      await target().db.collection<Loose>(c.collectionName, { readConcern: { level } }).aggregate(specPipeline(out)).toArray();
      assert.deepEqual(await sorted(out), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }], level);
    }
  });

  it('spec: refuses a linearizable read concern (InvalidOptions, 72)', async () => {
    const c = target().db.collection<Loose>((await seeded()).collectionName, { readConcern: { level: 'linearizable' } });
    await rejectsWith(c.aggregate(specPipeline(uniqueName('out'))).toArray(), { code: 72, codeName: 'InvalidOptions' });
  });
});
