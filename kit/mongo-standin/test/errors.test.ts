// Error replies: every failure reaches the learner as a MongoServerError with mongod's code,
// codeName and errmsg; and the features the stand-in leaves out are refused with code 115 naming them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, MongoServerError, type AnyClientBulkWriteModel, type Document } from 'mongodb';
import { startMongoStandin, type MongoStandin } from '../index.ts';
import { clientOptions, forEachTarget, rejectsWith, uniqueName, type Loose } from './harness.ts';

forEachTarget('error replies', (target) => {
  it('a command error is a MongoServerError with code, codeName and errmsg', async () => {
    const c = target().db.collection<Loose>(uniqueName('shape'));
    await c.insertOne({ _id: 1 });
    await assert.rejects(c.aggregate([{ $nope: 1 }]).toArray(), (err: unknown) => {
      assert.ok(err instanceof MongoServerError);
      assert.equal(err.code, 40324);
      assert.equal(err.codeName, 'Location40324');
      assert.equal(typeof err.errmsg, 'string');
      assert.equal(err.errorResponse.ok, 0);
      return true;
    });
  });

  it('a write error is a MongoServerError with the statement\'s code and message', async () => {
    const c = target().db.collection<Loose>(uniqueName('shape'));
    await c.insertOne({ _id: 1, s: 'text' });
    await assert.rejects(c.updateOne({ _id: 1 }, { $inc: { s: 1 } }), (err: unknown) => {
      assert.ok(err instanceof MongoServerError);
      assert.equal(err.code, 14);
      assert.match(err.message, /\$inc/);
      return true;
    });
  });

  it('unknown commands are CommandNotFound (59); bad operators in filters are BadValue (2)', async () => {
    await rejectsWith(target().db.command({ noSuchCommand: 1 }), { code: 59, codeName: 'CommandNotFound', message: /noSuchCommand/ });
    const c = target().db.collection<Loose>(uniqueName('shape'));
    await rejectsWith(c.find({ a: { $nope: 1 } }).toArray(), { code: 2, codeName: 'BadValue', message: /unknown operator: \$nope/ });
  });

  it('findAndModify refuses new with remove, and an update with remove (FailedToParse, 9)', async () => {
    const c = target().db.collection<Loose>(uniqueName('fam'));
    await c.insertOne({ _id: 1 });
    await rejectsWith(target().db.command({ findAndModify: c.collectionName, query: {}, remove: true, new: true }), { code: 9, codeName: 'FailedToParse' });
    await rejectsWith(target().db.command({ findAndModify: c.collectionName, query: {}, remove: true, update: { $set: { a: 1 } } }), { code: 9 });
    assert.equal(await c.countDocuments(), 1);
  });

  it('creating an existing collection again with the same options succeeds (8.0)', async () => {
    const name = uniqueName('shape');
    await target().db.createCollection(name);
    assert.equal((await target().db.command({ create: name })).ok, 1);
    assert.equal((await target().db.listCollections({ name }).toArray()).length, 1);
  });
});

/** The table in the README: each of these answers code 115 and names the feature. */
describe('features the stand-in leaves out [stand-in only: a real MongoDB supports them]', () => {
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
  const coll = () => client.db('refusals').collection<Loose>('c');
  const refused = (promise: Promise<unknown>, feature: RegExp) =>
    rejectsWith(promise, { code: 115, codeName: 'CommandNotSupported', message: new RegExp(`${feature.source}.*not supported by the MongoDB stand-in`) });

  it('views', async () => {
    await refused(client.db('refusals').createCollection('v', { viewOn: 'c', pipeline: [] }), /views/);
  });

  it('collMod', async () => {
    await refused(client.db('refusals').command({ collMod: 'c', validator: {} }), /collMod/);
  });

  it('collation, on every command that takes it', async () => {
    const collation = { locale: 'fr' };
    await refused(coll().find({}, { collation }).toArray(), /collation/);
    await refused(coll().aggregate([], { collation }).toArray(), /collation/);
    await refused(coll().updateOne({}, { $set: { b: 1 } }, { collation }), /collation/);
    await refused(coll().deleteMany({}, { collation }), /collation/);
    await refused(coll().findOneAndUpdate({}, { $set: { b: 1 } }, { collation }), /collation/);
    await refused(coll().countDocuments({}, { collation }), /collation/);
    await refused(coll().distinct('a', {}, { collation }), /collation/);
    await refused(coll().createIndex({ a: 1 }, { collation }), /collation/);
    await refused(client.db('refusals').createCollection('withCollation', { collation }), /collation/);
    assert.equal(await coll().countDocuments({ b: 1 }), 0, 'nothing was written');
  });

  it('collation in client.bulkWrite, before any operation of the batch is written', async () => {
    // Found by the CRUD spec test client-bulkWrite-update-options ("client bulkWrite update with collation").
    const namespace = `refusals.${coll().collectionName}`;
    for (const ordered of [true, false]) {
      const models: AnyClientBulkWriteModel<Document>[] = [
        { name: 'insertOne', namespace, document: { bulk: ordered } },
        { name: 'updateOne', namespace, filter: {}, update: { $set: { b: 2 } }, collation: { locale: 'fr' } },
        { name: 'insertOne', namespace, document: { bulk: ordered } },
      ];
      await assert.rejects(client.bulkWrite(models, { ordered }), (err: { cause?: { code?: number; message?: string } }) => {
        assert.equal(err.cause?.code, 115);
        assert.match(err.cause?.message ?? '', /collation \(on bulkWrite\) is not supported by the MongoDB stand-in/);
        return true;
      });
    }
    assert.equal(await coll().countDocuments({ bulk: { $exists: true } }), 0, 'nothing was written');
  });

  it('transactions', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await refused(coll().insertOne({ t: 1 }, { session }), /transactions/);
    } finally {
      await session.abortTransaction().catch(() => {});
      await session.endSession();
    }
    assert.equal(await coll().countDocuments({ t: 1 }), 0);
  });

  it('change streams', async () => {
    await refused(coll().watch().tryNext(), /change streams \(\$changeStream\)/);
    await refused(client.db('refusals').aggregate([{ $changeStream: {} }]).toArray(), /change streams/);
  });
});
