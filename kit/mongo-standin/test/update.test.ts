// The update command as the driver uses it (updateOne/updateMany/replaceOne/bulkWrite): upserts,
// operator type errors, positional paths, _id rules, `let`, pipeline updates and the 8.0 `sort`.
// Expected results follow the MongoDB 8.0 manual pages for each operator and the server's error codes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('update: upserts', (target) => {
  const coll = () => target().db.collection<Loose>(uniqueName('upsert'));

  it('an operator upsert whose filter fixes _id inserts that _id and reports it', async () => {
    const c = coll();
    const first = await c.updateOne({ _id: 4 }, { $inc: { x: 1 } }, { upsert: true });
    assert.equal(first.matchedCount, 0);
    assert.equal(first.upsertedCount, 1);
    assert.equal(first.upsertedId, 4);
    assert.deepEqual(await c.findOne({ _id: 4 }), { _id: 4, x: 1 });
    const second = await c.updateOne({ _id: 4 }, { $inc: { x: 1 } }, { upsert: true });
    assert.equal(second.matchedCount, 1);
    assert.equal(second.modifiedCount, 1);
    assert.equal(second.upsertedId, null);
    assert.deepEqual(await c.find().toArray(), [{ _id: 4, x: 2 }]);
  });

  it('updateMany, replaceOne and findOneAndUpdate upsert with the filter\'s _id', async () => {
    const c = coll();
    const many = await c.updateMany({ _id: 'm' }, { $set: { kind: 'many' } }, { upsert: true });
    assert.equal(many.upsertedId, 'm');
    const replaced = await c.replaceOne({ _id: 'r' }, { kind: 'replace' }, { upsert: true });
    assert.equal(replaced.upsertedId, 'r');
    const found = await c.findOneAndUpdate({ _id: 'f' }, { $set: { kind: 'fam' } }, { upsert: true, returnDocument: 'after' });
    assert.deepEqual(found, { _id: 'f', kind: 'fam' });
    assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [{ _id: 'f', kind: 'fam' }, { _id: 'm', kind: 'many' }, { _id: 'r', kind: 'replace' }]);
  });

  it('bulkWrite upserts report every upserted _id by operation index', async () => {
    const c = coll();
    const result = await c.bulkWrite([
      { updateOne: { filter: { _id: 7 }, update: { $set: { a: 1 } }, upsert: true } },
      { replaceOne: { filter: { _id: 8 }, replacement: { b: 1 }, upsert: true } },
      { updateOne: { filter: { _id: 7 }, update: { $inc: { a: 1 } }, upsert: true } },
    ]);
    assert.equal(result.upsertedCount, 2);
    assert.deepEqual(result.upsertedIds, { 0: 7, 1: 8 });
    assert.equal(result.matchedCount, 1);
    assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [{ _id: 7, a: 2 }, { _id: 8, b: 1 }]);
  });

  it('seeds the inserted document from $eq, dotted and $and equality conditions', async () => {
    const c = coll();
    await c.updateOne({ _id: { $eq: 9 }, 'profile.plan': 'pro', $and: [{ region: 'eu' }], score: { $gt: 3 } }, { $set: { seen: true } }, { upsert: true });
    assert.deepEqual(await c.findOne({ _id: 9 }), { _id: 9, profile: { plan: 'pro' }, region: 'eu', seen: true });
  });

  it('applies $setOnInsert only when inserting, alongside the filter\'s _id', async () => {
    const c = coll();
    await c.updateOne({ _id: 'k' }, { $set: { n: 1 }, $setOnInsert: { created: 'first' } }, { upsert: true });
    await c.updateOne({ _id: 'k' }, { $set: { n: 2 }, $setOnInsert: { created: 'second' } }, { upsert: true });
    assert.deepEqual(await c.findOne({ _id: 'k' }), { _id: 'k', n: 2, created: 'first' });
  });

  it('keeps _id: null through an upsert and a replacement instead of generating an ObjectId', async () => {
    const c = coll();
    const upserted = await c.updateOne({ _id: null }, { $set: { x: 1 } }, { upsert: true });
    assert.equal(upserted.upsertedCount, 1);
    assert.deepEqual(await c.find().toArray(), [{ _id: null, x: 1 }]);
    const replaced = await c.replaceOne({ _id: null }, { x: 2 });
    assert.equal(replaced.modifiedCount, 1);
    assert.deepEqual(await c.find().toArray(), [{ _id: null, x: 2 }]);
    const other = coll();
    await other.replaceOne({ name: 'n' }, { _id: null, name: 'n' }, { upsert: true });
    assert.deepEqual(await other.find().toArray(), [{ _id: null, name: 'n' }]);
  });

  it('a replacement upsert takes _id from the replacement when the filter has none', async () => {
    const c = coll();
    const result = await c.replaceOne({ name: 'z' }, { _id: 'given', name: 'z' }, { upsert: true });
    assert.equal(result.upsertedId, 'given');
    assert.deepEqual(await c.find().toArray(), [{ _id: 'given', name: 'z' }]);
  });
});

forEachTarget('update: operator type errors', (target) => {
  const seeded = async () => {
    const c = target().db.collection<Loose>(uniqueName('types'));
    await c.insertOne({ _id: 1, name: 'ada', tags: 'not-an-array', n: 5, a: 3 });
    return c;
  };
  const unchanged = async (c: Awaited<ReturnType<typeof seeded>>) =>
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, name: 'ada', tags: 'not-an-array', n: 5, a: 3 });

  it('$inc on a string field fails with TypeMismatch (14) and changes nothing', async () => {
    const c = await seeded();
    await rejectsWith(c.updateOne({ _id: 1 }, { $inc: { name: 1 } }), { code: 14, message: /non-numeric/ });
    await unchanged(c);
  });

  it('$inc and $mul with a non-numeric argument fail with TypeMismatch (14)', async () => {
    const c = await seeded();
    // The driver's types already refuse this; a learner's untyped code would still send it.
    await rejectsWith(c.updateOne({ _id: 1 }, { $inc: { n: 'one' } } as Loose), { code: 14 });
    await rejectsWith(c.updateOne({ _id: 1 }, { $mul: { name: 2 } }), { code: 14 });
    await unchanged(c);
  });

  it('$push and $addToSet onto a non-array fail with BadValue (2)', async () => {
    const c = await seeded();
    await rejectsWith(c.updateOne({ _id: 1 }, { $push: { tags: 'x' } } as Loose), { code: 2, message: /must be an array/ });
    await rejectsWith(c.updateOne({ _id: 1 }, { $addToSet: { tags: 'x' } }), { code: 2 });
    await rejectsWith(c.updateOne({ _id: 1 }, { $pop: { name: 1 } }), { code: 14 });
    await unchanged(c);
  });

  it('$set through a scalar fails with PathNotViable (28)', async () => {
    const c = await seeded();
    await rejectsWith(c.updateOne({ _id: 1 }, { $set: { 'a.b': 1 } }), { code: 28, message: /Cannot create field 'b'/ });
    await rejectsWith(c.updateOne({ _id: 1 }, { $inc: { 'name.count': 1 } }), { code: 28 });
    await unchanged(c);
  });

  it('two operators on one path fail with ConflictingUpdateOperators (40)', async () => {
    const c = await seeded();
    await rejectsWith(c.updateOne({ _id: 1 }, { $set: { n: 1 }, $inc: { n: 1 } }), { code: 40 });
    await unchanged(c);
  });

  it('in an unordered bulkWrite the failing statement is reported and the others apply', async () => {
    const c = await seeded();
    await assert.rejects(c.bulkWrite([
      { updateOne: { filter: { _id: 1 }, update: { $inc: { name: 1 } } } },
      { updateOne: { filter: { _id: 1 }, update: { $inc: { n: 1 } } } },
    ], { ordered: false }), (err: { writeErrors?: { index: number; code: number }[] }) => {
      assert.deepEqual(err.writeErrors?.map((e) => [e.index, e.code]), [[0, 14]]);
      return true;
    });
    assert.equal((await c.findOne({ _id: 1 }))?.n, 6);
  });
});

forEachTarget('update: positional paths', (target) => {
  const coll = () => target().db.collection<Loose>(uniqueName('positional'));

  it('$ updates the first array element the query matched', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, grades: [85, 80, 80] });
    await c.updateOne({ _id: 1, grades: 80 }, { $set: { 'grades.$': 82 } });
    assert.deepEqual((await c.findOne({ _id: 1 }))?.grades, [85, 82, 80]);
  });

  it('$ with $elemMatch updates a field of the matched embedded document', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }] });
    await c.updateOne({ _id: 1, items: { $elemMatch: { sku: 'b', qty: { $gte: 5 } } } }, { $inc: { 'items.$.qty': 2 } });
    assert.deepEqual((await c.findOne({ _id: 1 }))?.items, [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 7 }]);
  });

  it('$[] updates every element, and $[<id>] those the arrayFilters select', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, scores: [1, 2, 3], items: [{ n: 50 }, { n: 150 }, { n: 120 }] });
    await c.updateOne({ _id: 1 }, { $inc: { 'scores.$[]': 10 } });
    await c.updateOne({ _id: 1 }, { $set: { 'items.$[big].flag': true } }, { arrayFilters: [{ 'big.n': { $gte: 100 } }] });
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, scores: [11, 12, 13], items: [{ n: 50 }, { n: 150, flag: true }, { n: 120, flag: true }] });
  });

  it('arrayFilters work with updateMany and scalar elements', async () => {
    const c = coll();
    await c.insertMany([{ _id: 1, v: [1, 5, 9] }, { _id: 2, v: [6, 2] }]);
    const result = await c.updateMany({}, { $set: { 'v.$[x]': 0 } }, { arrayFilters: [{ x: { $gt: 4 } }] });
    assert.equal(result.modifiedCount, 2);
    assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [{ _id: 1, v: [1, 0, 0] }, { _id: 2, v: [0, 2] }]);
  });

  it('refuses $ without an array match in the query, and an identifier without a filter (BadValue, 2)', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, v: [1, 2] });
    await rejectsWith(c.updateOne({ _id: 1 }, { $set: { 'v.$': 0 } }), { code: 2, message: /positional operator did not find the match/ });
    await rejectsWith(c.updateOne({ _id: 1 }, { $set: { 'v.$[x]': 0 } }), { code: 2, message: /No array filter found for identifier 'x'/ });
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: [1, 2] });
  });
});

forEachTarget('update: _id rules', (target) => {
  const seeded = async () => {
    const c = target().db.collection<Loose>(uniqueName('ids'));
    await c.insertOne({ _id: 1, a: 1 });
    return c;
  };

  it('a $set that repeats the unchanged _id is allowed', async () => {
    const c = await seeded();
    const result = await c.updateOne({ _id: 1 }, { $set: { _id: 1, a: 2 } });
    assert.equal(result.matchedCount, 1);
    assert.equal(result.modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, a: 2 });
  });

  it('a replacement that repeats the unchanged _id is allowed', async () => {
    const c = await seeded();
    assert.equal((await c.replaceOne({ _id: 1 }, { _id: 1, b: 1 })).modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, b: 1 });
  });

  it('changing _id by $set, $unset or replacement fails with ImmutableField (66)', async () => {
    const c = await seeded();
    await rejectsWith(c.updateOne({ _id: 1 }, { $set: { _id: 2 } }), { code: 66, message: /_id/ });
    await rejectsWith(c.updateOne({ _id: 1 }, { $unset: { _id: '' } }), { code: 66 });
    await rejectsWith(c.replaceOne({ _id: 1 }, { _id: 3, a: 1 }), { code: 66 });
    assert.deepEqual(await c.find().toArray(), [{ _id: 1, a: 1 }]);
  });

  it('pipeline-style updates keep _id even when a stage replaces the root', async () => {
    const c = await seeded();
    await c.updateOne({ _id: 1 }, [{ $replaceRoot: { newRoot: { copied: '$a' } } }, { $addFields: { extra: true } }]);
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, copied: 1, extra: true });
    await c.updateOne({ _id: 1 }, [{ $set: { total: { $add: ['$copied', 10] } } }, { $unset: 'extra' }]);
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, copied: 1, total: 11 });
  });

  it('a pipeline-style update allows only the reshaping stages: $match or $group is InvalidOptions (72)', async () => {
    const c = await seeded();
    await rejectsWith(c.updateOne({ _id: 1 }, [{ $match: { a: 1 } }]), { code: 72, message: /\$match is not allowed to be used within an update/ });
    await rejectsWith(c.updateMany({}, [{ $set: { b: 1 } }, { $group: { _id: null } }]), { code: 72 });
    assert.equal(await c.countDocuments({ b: 1 }), 0);
  });

  it('a pipeline-style upsert keeps the filter\'s _id', async () => {
    const c = await seeded();
    const result = await c.updateOne({ _id: 'p' }, [{ $set: { made: 'by pipeline' } }], { upsert: true });
    assert.equal(result.upsertedId, 'p');
    assert.deepEqual(await c.findOne({ _id: 'p' }), { _id: 'p', made: 'by pipeline' });
  });
});

forEachTarget('update: let variables and sort (8.0)', (target) => {
  const seeded = async () => {
    const c = target().db.collection<Loose>(uniqueName('let'));
    await c.insertMany([{ _id: 1, name: 'a', n: 1 }, { _id: 2, name: 'b', n: 2 }, { _id: 3, name: 'c', n: 3 }]);
    return c;
  };

  it('updateOne and updateMany read let variables in $expr filters and pipeline updates', async () => {
    const c = await seeded();
    const one = await c.updateOne({ $expr: { $eq: ['$name', '$$who'] } }, [{ $set: { label: '$$tag' } }], { let: { who: 'b', tag: 'picked' } });
    assert.equal(one.modifiedCount, 1);
    assert.equal((await c.findOne({ _id: 2 }))?.label, 'picked');
    const many = await c.updateMany({ $expr: { $gte: ['$n', '$$min'] } }, { $set: { big: true } }, { let: { min: 2 } });
    assert.equal(many.modifiedCount, 2);
  });

  it('deleteOne/deleteMany and findOneAndUpdate/findOneAndDelete accept let', async () => {
    const c = await seeded();
    assert.equal((await c.deleteMany({ $expr: { $lt: ['$n', '$$cut'] } }, { let: { cut: 2 } })).deletedCount, 1);
    const after = await c.findOneAndUpdate({ $expr: { $eq: ['$_id', '$$id'] } }, { $inc: { n: 10 } }, { let: { id: 2 }, returnDocument: 'after' });
    assert.equal(after?.n, 12);
    const removed = await c.findOneAndDelete({ $expr: { $eq: ['$name', '$$name'] } }, { let: { name: 'c' } });
    assert.equal(removed?._id, 3);
    assert.equal((await c.deleteOne({ $expr: { $eq: ['$n', '$$n'] } }, { let: { n: 12 } })).deletedCount, 1);
    assert.equal(await c.countDocuments(), 0);
  });

  it('bulkWrite passes let to every statement', async () => {
    const c = await seeded();
    const result = await c.bulkWrite([
      { updateOne: { filter: { $expr: { $eq: ['$name', '$$first'] } }, update: { $set: { hit: 1 } } } },
      { deleteOne: { filter: { $expr: { $eq: ['$name', '$$second'] } } } },
    ], { let: { first: 'a', second: 'b' } });
    assert.equal(result.modifiedCount, 1);
    assert.equal(result.deletedCount, 1);
    assert.deepEqual(await c.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray(), [{ _id: 1 }, { _id: 3 }]);
  });

  it('an undefined variable is an error (code 17276)', async () => {
    const c = await seeded();
    await rejectsWith(c.find({ $expr: { $eq: ['$name', '$$nobody'] } }).toArray(), { code: 17276, message: /Use of undefined variable: nobody/ });
  });

  it('updateOne and replaceOne honour sort, new in 8.0, to choose the document', async () => {
    const c = await seeded();
    await c.updateOne({}, { $set: { top: true } }, { sort: { n: -1 } });
    assert.deepEqual((await c.find({ top: true }).toArray()).map((d) => d._id), [3]);
    await c.replaceOne({ n: { $lt: 3 } }, { name: 'replaced', n: 0 }, { sort: { n: 1 } });
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, name: 'replaced', n: 0 });
  });
});
