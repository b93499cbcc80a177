// insert: _id rules (generated, null, $-prefixed keys, arrays), field order and duplicate keys.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ObjectId } from 'mongodb';
import { forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('insert', (target) => {
  const coll = () => target().db.collection<Loose>(uniqueName('insert'));

  it('stores _id first, wherever the document put it', async () => {
    const c = coll();
    await c.insertOne({ a: 1, _id: 'late' });
    assert.deepEqual(Object.keys((await c.findOne({ _id: 'late' }))!), ['_id', 'a']);
  });

  it('stores _id: null once, then reports a duplicate key (11000)', async () => {
    // insertOne would replace a null _id with an ObjectId on the client, so send the command itself.
    const c = coll();
    const first = await target().db.command({ insert: c.collectionName, documents: [{ _id: null, a: 1 }] });
    assert.equal(first.n, 1);
    assert.deepEqual(await c.find({ _id: null }).toArray(), [{ _id: null, a: 1 }]);
    const second = await target().db.command({ insert: c.collectionName, documents: [{ _id: null, a: 2 }] });
    assert.equal(second.n, 0);
    assert.equal(second.writeErrors[0].code, 11000);
    assert.match(second.writeErrors[0].errmsg, /dup key: \{ _id: null \}/);
  });

  it('refuses $-prefixed field names inside _id with DollarPrefixedFieldName (52)', async () => {
    const c = coll();
    await rejectsWith(c.insertOne({ _id: { $bad: 1 } }), { code: 52, message: /_id fields may not contain '\$'-prefixed fields: \$bad is not valid for storage/ });
    await rejectsWith(c.insertOne({ _id: { ok: 1, $bad: 1 } }), { code: 52 });
    assert.equal(await c.countDocuments(), 0);
    await c.insertOne({ _id: { plain: 1 } });
    assert.equal(await c.countDocuments({ _id: { plain: 1 } }), 1);
  });

  it('refuses an array or a regex as _id (BadValue, 2)', async () => {
    const c = coll();
    await rejectsWith(c.insertOne({ _id: [1, 2] }), { code: 2, message: /cannot be of type array/ });
    await rejectsWith(c.insertOne({ _id: /x/ }), { code: 2, message: /cannot be of type regex/ });
  });

  it('an ordered insertMany stops at the first failure; an unordered one reports each', async () => {
    const c = coll();
    await assert.rejects(c.insertMany([{ _id: 1 }, { _id: { $x: 1 } }, { _id: 2 }]), (err: { insertedCount?: number; writeErrors?: { index: number; code: number }[] }) => {
      assert.deepEqual(err.writeErrors?.map((e) => [e.index, e.code]), [[1, 52]]);
      return true;
    });
    assert.equal(await c.countDocuments(), 1);
    await assert.rejects(c.insertMany([{ _id: 1 }, { _id: 3 }, { _id: [0] }], { ordered: false }), (err: { writeErrors?: { index: number; code: number }[] }) => {
      assert.deepEqual(err.writeErrors?.map((e) => [e.index, e.code]), [[0, 11000], [2, 2]]);
      return true;
    });
    assert.equal(await c.countDocuments(), 2);
  });

  it('keeps BSON types: ObjectId, Date, nested documents and arrays round-trip', async () => {
    const c = coll();
    const doc = { _id: new ObjectId(), at: new Date(Date.UTC(2026, 0, 2)), nested: { list: [1, 'two', { three: 3 }] }, nothing: null };
    await c.insertOne(doc);
    assert.deepEqual(await c.findOne({ _id: doc._id }), doc);
  });
});
