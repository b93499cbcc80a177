// aggregate: let variables, unknown stages and common stages as the driver sends them.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('aggregate', (target) => {
  const seeded = async () => {
    const c = target().db.collection<Loose>(uniqueName('agg'));
    await c.insertMany([{ _id: 1, region: 'eu', amount: 5 }, { _id: 2, region: 'us', amount: 7 }, { _id: 3, region: 'eu', amount: 11 }]);
    return c;
  };

  it('reads let variables in $match $expr and in later stages', async () => {
    const c = await seeded();
    const docs = await c.aggregate([
      { $match: { $expr: { $eq: ['$region', '$$region'] } } },
      { $project: { _id: 1, scaled: { $multiply: ['$amount', '$$factor'] } } },
      { $sort: { _id: 1 } },
    ], { let: { region: 'eu', factor: 10 } }).toArray();
    assert.deepEqual(docs, [{ _id: 1, scaled: 50 }, { _id: 3, scaled: 110 }]);
  });

  it('evaluates let values as constant expressions once per command', async () => {
    const c = await seeded();
    const docs = await c.aggregate([
      { $match: { _id: 1 } },
      { $project: { _id: 0, literal: '$$notPath', sum: '$$sum', nested: '$$nested' } },
    ], { let: { notPath: { $literal: '$notAFieldPath' }, sum: { $add: [1, 2] }, nested: { a: 1 } } }).toArray();
    assert.deepEqual(docs, [{ literal: '$notAFieldPath', sum: 3, nested: { a: 1 } }]);
  });

  it('refuses an unknown stage with code 40324', async () => {
    const c = await seeded();
    await rejectsWith(c.aggregate([{ $frobnicate: {} }]).toArray(), { code: 40324, codeName: 'Location40324', message: /Unrecognized pipeline stage name: '\$frobnicate'/ });
  });

  it('refuses a stage document with two fields (code 40323)', async () => {
    const c = await seeded();
    await rejectsWith(c.aggregate([{ $match: {}, $sort: { _id: 1 } }]).toArray(), { code: 40323 });
  });

  it('groups, counts and looks up across collections', async () => {
    const c = await seeded();
    const regions = target().db.collection<Loose>(uniqueName('regions'));
    await regions.insertMany([{ _id: 'eu', label: 'Europe' }, { _id: 'us', label: 'United States' }]);
    const docs = await c.aggregate([
      { $group: { _id: '$region', total: { $sum: '$amount' } } },
      { $lookup: { from: regions.collectionName, localField: '_id', foreignField: '_id', as: 'info' } },
      { $project: { total: 1, label: { $first: '$info.label' } } },
      { $sort: { _id: 1 } },
    ]).toArray();
    assert.deepEqual(docs, [{ _id: 'eu', total: 16, label: 'Europe' }, { _id: 'us', total: 7, label: 'United States' }]);
    assert.deepEqual(await c.aggregate([{ $match: { amount: { $gt: 6 } } }, { $count: 'n' }]).toArray(), [{ n: 2 }]);
  });

  it('leaves the stored documents alone when a stage reshapes them', async () => {
    const c = await seeded();
    await c.aggregate([{ $set: { amount: 0 } }, { $unset: 'region' }]).toArray();
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, region: 'eu', amount: 5 });
  });

  it('an opening $match, $sort, $skip and $limit agree with find, and a $limit before $sort stays first', async () => {
    const c = target().db.collection<Loose>(uniqueName('lead'));
    await c.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, n: (i * 7) % 20, even: i % 2 === 0 })));
    const viaFind = (await c.find({ even: true }).sort({ n: -1 }).skip(2).limit(3).toArray()).map((d) => d._id);
    const viaAggregate = (await c.aggregate([{ $match: { even: true } }, { $sort: { n: -1 } }, { $skip: 2 }, { $limit: 3 }]).toArray()).map((d) => d._id);
    assert.deepEqual(viaAggregate, viaFind);
    const limitFirst = await c.aggregate([{ $match: { even: true } }, { $limit: 3 }, { $sort: { n: 1 } }]).toArray();
    assert.deepEqual(limitFirst.map((d) => d.n), [0, 8, 14], 'the first three even _ids (0, 2, 4) in natural order, then sorted by n');
    assert.equal(await c.countDocuments({ even: false, n: { $gt: 10 } }), 5);
  });
});

