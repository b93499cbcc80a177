// find and its options as the driver sends them: let variables, projections (including the
// mixed include/exclude errors) and the positional projection.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ObjectId } from 'mongodb';
import { forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('find', (target) => {
  const seeded = async () => {
    const c = target().db.collection<Loose>(uniqueName('find'));
    await c.insertMany([
      { _id: 1, name: 'a', n: 1, tags: ['x', 'y'], profile: { plan: 'free', seats: 1 } },
      { _id: 2, name: 'b', n: 2, tags: ['y'], profile: { plan: 'pro', seats: 5 } },
      { _id: 3, name: 'c', n: 3, tags: [], profile: { plan: 'pro', seats: 9 } },
    ]);
    return c;
  };

  it('reads let variables in $expr', async () => {
    const c = await seeded();
    const docs = await c.find({ $expr: { $gt: ['$n', '$$floor'] } }, { let: { floor: 1 } }).sort({ _id: 1 }).toArray();
    assert.deepEqual(docs.map((d) => d._id), [2, 3]);
  });

  it('includes, excludes and hides _id in either style', async () => {
    const c = await seeded();
    assert.deepEqual(await c.findOne({ _id: 2 }, { projection: { name: 1 } }), { _id: 2, name: 'b' });
    assert.deepEqual(await c.findOne({ _id: 2 }, { projection: { name: 1, 'profile.plan': 1, _id: 0 } }), { name: 'b', profile: { plan: 'pro' } });
    assert.deepEqual(await c.findOne({ _id: 2 }, { projection: { tags: 0, profile: 0, n: 0 } }), { _id: 2, name: 'b' });
    assert.deepEqual(await c.findOne({ _id: 2 }, { projection: { _id: 0, tags: 0, profile: 0 } }), { name: 'b', n: 2 });
  });

  it('refuses a projection that mixes inclusion and exclusion (31254 and 31253)', async () => {
    const c = await seeded();
    await rejectsWith(c.find({}, { projection: { name: 1, n: 0 } }).toArray(), { code: 31254, codeName: 'Location31254', message: /Cannot do exclusion on field n in inclusion projection/ });
    await rejectsWith(c.find({}, { projection: { n: 0, name: 1 } }).toArray(), { code: 31253, codeName: 'Location31253', message: /Cannot do inclusion on field name in exclusion projection/ });
    await rejectsWith(c.findOne({ _id: 1 }, { projection: { 'profile.plan': 1, 'profile.seats': 0 } }), { code: 31254 });
  });

  it('projects the matched array element with the positional $', async () => {
    const c = await seeded();
    assert.deepEqual(await c.findOne({ _id: 1, tags: 'y' }, { projection: { 'tags.$': 1 } }), { _id: 1, tags: ['y'] });
  });

  it('projects computed fields with aggregation expressions', async () => {
    const c = await seeded();
    assert.deepEqual(await c.findOne({ _id: 3 }, { projection: { _id: 0, double: { $multiply: ['$n', 2] } } }), { double: 6 });
  });

  it('queries with the null/missing equivalence and $exists', async () => {
    const c = await seeded();
    await c.insertOne({ _id: 4, name: null });
    await c.insertOne({ _id: 5 });
    assert.deepEqual((await c.find({ name: null }).sort({ _id: 1 }).toArray()).map((d) => d._id), [4, 5]);
    assert.deepEqual((await c.find({ name: { $exists: false } }).toArray()).map((d) => d._id), [5]);
  });

  it('distinct looks inside arrays and embedded documents along a dotted path', async () => {
    const c = target().db.collection<Loose>(uniqueName('distinct'));
    await c.insertMany([
      { _id: 1, items: [{ sku: 'a', tags: ['x', 'y'] }, { sku: 'b' }] },
      { _id: 2, items: [{ sku: 'a', tags: ['z'] }], plain: null },
      { _id: 3, items: { sku: 'c', tags: 'w' } },
    ]);
    assert.deepEqual((await c.distinct('items.sku')).sort(), ['a', 'b', 'c']);
    assert.deepEqual((await c.distinct('items.tags')).sort(), ['w', 'x', 'y', 'z']);
    assert.deepEqual(await c.distinct('plain'), [null]);
    assert.deepEqual(await c.distinct('items.sku', { _id: { $gt: 1 } }).then((v) => v.sort()), ['a', 'c']);
  });

  it('filters on each common BSON type, dotted paths, arrays and $or/$nor', async () => {
    const c = target().db.collection<Loose>(uniqueName('types'));
    const at = new Date(Date.UTC(2026, 1, 3));
    const oid = new ObjectId();
    await c.insertMany([
      { _id: 1, s: 'a', i: 1, d: 1.5, b: true, t: at, o: oid, n: null, sub: { x: 1, deep: { y: 'z' } }, arr: [1, 2], objs: [{ k: 'p' }, { k: 'q' }] },
      { _id: 2, s: 'b', i: 2, d: 2.5, b: false, t: new Date(0), sub: { x: 2 }, arr: [3], objs: [{ k: 'r' }] },
    ]);
    const ids = async (filter: Loose) => (await c.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
    assert.deepEqual(await ids({ s: 'a' }), [1]);
    assert.deepEqual(await ids({ i: { $gte: 2 } }), [2]);
    assert.deepEqual(await ids({ d: 1.5 }), [1]);
    assert.deepEqual(await ids({ b: false }), [2]);
    assert.deepEqual(await ids({ t: at }), [1]);
    assert.deepEqual(await ids({ o: oid }), [1]);
    assert.deepEqual(await ids({ n: null }), [1, 2]);
    assert.deepEqual(await ids({ 'sub.deep.y': 'z' }), [1]);
    assert.deepEqual(await ids({ arr: 3 }), [2]);
    assert.deepEqual(await ids({ 'objs.k': 'q' }), [1]);
    assert.deepEqual(await ids({ $or: [{ s: 'b' }, { 'sub.x': 1 }] }), [1, 2]);
    assert.deepEqual(await ids({ $nor: [{ s: 'a' }] }), [2]);
    assert.deepEqual(await ids({ missing: { $exists: true } }), []);
  });
});

