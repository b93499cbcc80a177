// $merge: every whenMatched / whenNotMatched mode, `on` with its unique index, `let`, and mongod's
// refusals. Cases from the specifications repository's CRUD tests (aggregate-merge,
// aggregate-merge-errorResponse) are marked "spec".
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { Long, ObjectId } from 'mongodb';
import { forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('aggregate $merge', (target) => {
  const coll = (prefix: string) => target().db.collection<Loose>(uniqueName(prefix));
  const seeded = async (docs: Loose[] = [{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]) => {
    const c = coll('src');
    await c.insertMany(docs);
    return c;
  };
  const sorted = (name: string) => target().db.collection<Loose>(name).find().sort({ _id: 1 }).toArray();
  /** A source of two documents and a target holding a match for the first. */
  const matchedAndNot = async () => {
    const src = await seeded([{ _id: 1, a: 2, b: 3 }, { _id: 2, a: 20 }]);
    const into = coll('into');
    await into.insertOne({ _id: 1, a: 1, keep: true });
    return { src, into: into.collectionName };
  };
  const merge = (src: { aggregate: (p: object[]) => { toArray(): Promise<unknown> } }, spec: object, before: object[] = []) =>
    src.aggregate([...before, { $merge: spec }]).toArray();

  it('spec: merges into a new collection, also with batchSize 0, and answers an empty cursor with id 0', async () => {
    const c = await seeded();
    const pipeline = [{ $sort: { x: 1 } }, { $match: { _id: { $gt: 1 } } }];
    for (const batchSize of [undefined, 0]) {
      const into = uniqueName('into');
      assert.deepEqual(await c.aggregate([...pipeline, { $merge: { into } }], batchSize === undefined ? {} : { batchSize }).toArray(), []);
      assert.deepEqual(await sorted(into), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    }
    const reply = await target().db.command({ aggregate: c.collectionName, pipeline: [{ $merge: uniqueName('into') }], cursor: {} });
    assert.deepEqual(reply.cursor.firstBatch, []);
    assert.ok(Long.fromValue(reply.cursor.id).isZero());
  });

  it('spec: merges the same with readConcern majority, local and available', async () => {
    const c = await seeded();
    for (const level of ['majority', 'local', 'available'] as const) {
      const into = uniqueName('into');
      const src = target().db.collection<Loose>(c.collectionName, { readConcern: { level } });
      await src.aggregate([{ $sort: { x: 1 } }, { $match: { _id: { $gt: 1 } } }, { $merge: { into } }]).toArray();
      assert.deepEqual(await sorted(into), [{ _id: 2, x: 22 }, { _id: 3, x: 33 }], level);
    }
  });

  it('whenMatched "merge" (the default) sets the new fields on the match; whenNotMatched "insert" (the default) inserts', async () => {
    const { src, into } = await matchedAndNot();
    await merge(src, { into });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 2, keep: true, b: 3 }, { _id: 2, a: 20 }]);
  });

  it('whenMatched "replace" replaces the match', async () => {
    const { src, into } = await matchedAndNot();
    await merge(src, { into, whenMatched: 'replace' });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 2, b: 3 }, { _id: 2, a: 20 }]);
  });

  it('whenMatched "keepExisting" leaves the match alone', async () => {
    const { src, into } = await matchedAndNot();
    await merge(src, { into, whenMatched: 'keepExisting' });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 1, keep: true }, { _id: 2, a: 20 }]);
  });

  it('spec: whenMatched "fail" is a duplicate key (11000) with keyPattern and keyValue; the others are still inserted', async () => {
    const into = await seeded([{ _id: 1, x: 1 }, { _id: 2, x: 1 }]);
    const run = target().db.aggregate([{ $documents: [{ _id: 2, x: 1 }, { _id: 5, x: 5 }] }, { $merge: { into: into.collectionName, whenMatched: 'fail' } }]).toArray();
    await assert.rejects(run, (err: { code?: number; errorResponse?: { keyPattern?: unknown; keyValue?: unknown } }) => {
      assert.equal(err.code, 11000);
      assert.deepEqual(err.errorResponse?.keyPattern, { _id: 1 });
      assert.deepEqual(err.errorResponse?.keyValue, { _id: 2 });
      return true;
    });
    assert.deepEqual(await sorted(into.collectionName), [{ _id: 1, x: 1 }, { _id: 2, x: 1 }, { _id: 5, x: 5 }]);
  });

  it('whenMatched as a pipeline reads $$new and the stage\'s let; an unmatched document is inserted as it is', async () => {
    const { src, into } = await matchedAndNot();
    await merge(src, { into, whenMatched: [{ $set: { a: { $add: ['$a', '$$new.a'] }, seen: '$$tag' } }] , let: { tag: { $concat: ['from-', { $toString: '$_id' }] } } });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 3, keep: true, seen: 'from-1' }, { _id: 2, a: 20 }]);
    await merge(src, { into, whenMatched: [{ $set: { a: { $multiply: ['$a', '$$factor'] } } }], let: { factor: 10 }, whenNotMatched: 'discard' });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 30, keep: true, seen: 'from-1' }, { _id: 2, a: 200 }]);
  });

  it('a whenMatched pipeline allows only update stages (InvalidOptions, 72), checked when a document is written', async () => {
    const { src, into } = await matchedAndNot();
    await merge(src, { into, whenMatched: [{ $group: { _id: null } }] }, [{ $match: { nothing: true } }]);
    await rejectsWith(merge(src, { into, whenMatched: [{ $group: { _id: null } }] }), { code: 72, message: /\$group is not allowed to be used within an update/ });
  });

  it('whenNotMatched "discard" drops unmatched documents', async () => {
    const { src, into } = await matchedAndNot();
    await merge(src, { into, whenMatched: 'replace', whenNotMatched: 'discard' });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 2, b: 3 }]);
  });

  it('whenNotMatched "fail" is MergeStageNoMatchingDocument (13113), after the matches are written', async () => {
    const { src, into } = await matchedAndNot();
    await rejectsWith(merge(src, { into, whenMatched: 'merge', whenNotMatched: 'fail' }), { code: 13113, codeName: 'MergeStageNoMatchingDocument' });
    assert.deepEqual(await sorted(into), [{ _id: 1, a: 2, keep: true, b: 3 }]);
  });

  it('merges on other fields when the target has a unique index on exactly them, in any order', async () => {
    const src = await seeded([{ _id: 1, day: 'mon', shop: 'a', n: 5 }, { _id: 2, day: 'tue', shop: 'a', n: 7 }]);
    const into = coll('into');
    await into.createIndex({ shop: 1, day: 1 }, { unique: true });
    await into.insertOne({ _id: 'old', day: 'mon', shop: 'a', n: 1 });
    await merge(src, { into: into.collectionName, on: ['day', 'shop'] }, [{ $project: { _id: 0 } }]);
    const docs = await into.find({}, { projection: { _id: 0 } }).sort({ day: 1 }).toArray();
    assert.deepEqual(docs, [{ day: 'mon', shop: 'a', n: 5 }, { day: 'tue', shop: 'a', n: 7 }]);
    assert.equal((await into.findOne({ day: 'mon' }))?._id, 'old', 'the match keeps its _id');
    assert.ok((await into.findOne({ day: 'tue' }))?._id instanceof ObjectId);
  });

  it('refuses `on` without a matching unique index (51183), also for a missing target', async () => {
    const src = await seeded();
    const into = coll('into');
    await into.createIndex({ x: 1 });
    await into.createIndex({ x: 1, y: 1 }, { unique: true });
    await rejectsWith(merge(src, { into: into.collectionName, on: 'x' }), { code: 51183, message: /Cannot find index to verify that join fields will be unique/ });
    await rejectsWith(merge(src, { into: uniqueName('missing'), on: 'x' }), { code: 51183 });
    assert.equal(await into.countDocuments(), 0);
  });

  it('refuses a document whose `on` field is missing or null (51132) or an array (51185), before writing any', async () => {
    const into = coll('into');
    await into.createIndex({ k: 1 }, { unique: true });
    const spec = { into: into.collectionName, on: 'k' };
    await rejectsWith(merge(await seeded([{ _id: 1, k: 1 }, { _id: 2 }]), spec), { code: 51132, codeName: 'Location51132' });
    await rejectsWith(merge(await seeded([{ _id: 1, k: 1 }, { _id: 2, k: null }]), spec), { code: 51132 });
    await rejectsWith(merge(await seeded([{ _id: 1, k: 1 }, { _id: 2, k: [1, 2] }]), spec), { code: 51185, message: /'on' field 'k' is an array/ });
    assert.equal(await into.countDocuments(), 0);
  });

  it('gives a result without _id one when merging on _id, and a changed _id under `on` is ImmutableField (66)', async () => {
    const src = await seeded([{ _id: 1, k: 'a' }]);
    const fresh = uniqueName('into');
    await merge(src, { into: fresh }, [{ $project: { _id: 0, k: 1 } }]);
    const [doc] = await sorted(fresh);
    assert.ok(doc?._id instanceof ObjectId);
    const into = coll('into');
    await into.createIndex({ k: 1 }, { unique: true });
    await into.insertOne({ _id: 99, k: 'a' });
    await rejectsWith(merge(src, { into: into.collectionName, on: 'k', whenMatched: 'replace' }), { code: 66, codeName: 'ImmutableField' });
  });

  it('writes into { db, coll } and into the collection being aggregated', async () => {
    const src = await seeded();
    const otherDb = target().client.db(uniqueName('standin_merge_db'));
    try {
      await merge(src, { into: { db: otherDb.databaseName, coll: 'copy' } }, [{ $match: { x: 11 } }]);
      assert.deepEqual(await otherDb.collection('copy').find().toArray(), [{ _id: 1, x: 11 }]);
    } finally {
      await otherDb.dropDatabase();
    }
    await merge(src, { into: src.collectionName }, [{ $project: { doubled: { $multiply: ['$x', 2] } } }]);
    assert.deepEqual(await sorted(src.collectionName), [{ _id: 1, x: 11, doubled: 22 }, { _id: 2, x: 22, doubled: 44 }, { _id: 3, x: 33, doubled: 66 }]);
  });

  it('accepts a write concern', async () => {
    const src = await seeded();
    const into = uniqueName('into');
    await src.aggregate([{ $merge: { into } }], { writeConcern: { w: 1 } }).toArray();
    assert.equal(await target().db.collection(into).countDocuments(), 3);
  });

  it('must be the last stage (40601) and may not stand in $lookup (51047) or $facet (40600)', async () => {
    const src = await seeded();
    const into = uniqueName('into');
    await rejectsWith(src.aggregate([{ $merge: { into } }, { $match: {} }]).toArray(), { code: 40601, message: /\$merge can only be the final stage/ });
    await rejectsWith(src.aggregate([{ $lookup: { from: src.collectionName, pipeline: [{ $merge: { into } }], as: 'j' } }]).toArray(), { code: 51047 });
    await rejectsWith(src.aggregate([{ $facet: { a: [{ $merge: { into } }] } }]).toArray(), { code: 40600 });
  });

  it('refuses bad options with mongod\'s codes', async () => {
    const src = await seeded();
    const into = uniqueName('into');
    const cases: [unknown, number][] = [
      [1, 14], [{ on: '_id' }, 40414], [{ into, extra: 1 }, 40415], [{ into: 1 }, 51178], [{ into: '' }, 5786800],
      [{ into: { db: 'x' } }, 5786801], [{ into, on: 3.5 }, 51186], [{ into, on: [] }, 51187], [{ into, on: ['_id', 1] }, 51134],
      [{ into, whenMatched: 1 }, 51191], [{ into, whenMatched: 'nope' }, 2], [{ into, whenNotMatched: 'nope' }, 2],
      [{ into, whenNotMatched: 1 }, 14], [{ into, let: 1, whenMatched: [] }, 14],
      [{ into, whenMatched: 'keepExisting', whenNotMatched: 'discard' }, 51181], [{ into, whenMatched: 'fail', whenNotMatched: 'fail' }, 51181],
      [{ into, whenMatched: 'replace', let: { v: 1 } }, 51199], [{ into, whenMatched: [], let: { new: 1 } }, 51273],
      [{ into, on: ['_id', '_id'] }, 31465], [{ into: 'system.mine' }, 31319], [{ into: { db: 'config', coll: 'mine' } }, 31320],
    ];
    for (const [spec, code] of cases) {
      await rejectsWith(src.aggregate([{ $merge: spec }]).toArray(), { code, message: /./ }).catch((err: Error) => {
        throw new Error(`$merge ${JSON.stringify(spec)}: ${err.message}`);
      });
    }
    assert.equal((await target().db.listCollections({ name: into }).toArray()).length, 0);
  });

  const docs = fc.uniqueArray(
    fc.record({ _id: fc.integer({ min: 0, max: 20 }), v: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), w: fc.boolean() }, { requiredKeys: ['_id'] }),
    { selector: (d) => d._id, maxLength: 10 },
  );

  it('property: $merge with whenMatched "replace" into a new collection and $out from the same source give the same documents', async () => {
    await fc.assert(fc.asyncProperty(docs, async (source) => {
      const src = coll('src');
      if (source.length) await src.insertMany(source.map((d) => ({ ...d })));
      const [merged, out] = [uniqueName('merged'), uniqueName('out')];
      await merge(src, { into: merged, whenMatched: 'replace' }, [{ $set: { copied: true } }]);
      await src.aggregate([{ $set: { copied: true } }, { $out: out }]).toArray();
      assert.deepEqual(await sorted(merged), await sorted(out));
    }), { numRuns: 12 });
  });

  it('property: the default $merge leaves the target as a model says (match: fields set over it; no match: inserted)', async () => {
    await fc.assert(fc.asyncProperty(docs, docs, async (source, existing) => {
      const [src, into] = [coll('src'), coll('into')];
      if (source.length) await src.insertMany(source.map((d) => ({ ...d })));
      if (existing.length) await into.insertMany(existing.map((d) => ({ ...d })));
      await merge(src, { into: into.collectionName });
      const model = new Map<unknown, Loose>(existing.map((d) => [d._id, { ...d }]));
      for (const d of source) model.set(d._id, { ...model.get(d._id), ...d });
      const expected = [...model.values()].sort((a, b) => Number(a._id) - Number(b._id));
      assert.deepEqual(await sorted(into.collectionName), expected);
    }), { numRuns: 12 });
  });
});
