// Replica-set mode: discovery, read routing by read preference (checked on the driver's command
// monitoring events), stale reads inside the replication lag, and writes refused by secondaries.
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { MongoClient, ReadPreference, type TopologyDescription } from 'mongodb';
import { startMongoStandin, type MongoStandin } from '../index.ts';
import { clientOptions, eventually, uniqueName } from './harness.ts';

const LAG_MS = 1500; // generous, so "read straight after the write" lands inside the lag even on a busy machine
const REAL_URL = process.env.MONGO_URL;
const REAL_IS_REPLSET = Boolean(REAL_URL && /[?&]replicaSet=/.test(REAL_URL));

for (const real of [false, true]) {
  const label = `replica set [${real ? 'real MongoDB' : 'stand-in'}]`;
  if (real && !REAL_IS_REPLSET) {
    test(label, (t) => t.skip(REAL_URL ? 'MONGO_URL is not a replica-set URL (no replicaSet=): skipped' : 'MONGO_URL not set: the real-MongoDB pass of this suite is skipped'));
    continue;
  }
  describe(label, () => {
    let standin: MongoStandin | undefined;
    let client: MongoClient;
    let topology: TopologyDescription | undefined;
    const dbName = uniqueName('standin_rs');

    before(async () => {
      if (!real) standin = await startMongoStandin({ replicaSet: { lagMs: LAG_MS } });
      client = new MongoClient(real ? REAL_URL! : standin!.uri, clientOptions);
      client.on('topologyDescriptionChanged', (e) => (topology = e.newDescription));
      await client.connect();
      // Wait until the driver has heard from all three members.
      await eventually(async () => [...(topology?.servers.values() ?? [])].filter((s) => s.type !== 'Unknown').length === 3 || undefined);
    });
    after(async () => {
      await client.db(dbName).dropDatabase().catch(() => {});
      await client.close();
      await standin?.close();
    });

    const primary = () => [...topology!.servers.values()].find((s) => s.type === 'RSPrimary')!.address;
    const secondaries = () => [...topology!.servers.values()].filter((s) => s.type === 'RSSecondary').map((s) => s.address);

    /** Runs `op` and returns the address of the server that answered the given command. */
    async function answeredBy<T>(commandName: string, op: () => Promise<T>): Promise<[T, string]> {
      let address = '';
      const listener = (e: { commandName: string; address: string }) => { if (e.commandName === commandName) address = e.address; };
      client.on('commandSucceeded', listener);
      try {
        const result = await op();
        return [result, address];
      } finally {
        client.off('commandSucceeded', listener);
      }
    }

    it('discovers one primary and two secondaries in the named set', () => {
      assert.equal(topology?.type, 'ReplicaSetWithPrimary');
      assert.equal(secondaries().length, 2);
      if (!real) {
        assert.equal(topology?.setName, 'rs0');
        assert.equal(primary(), standin!.hosts[0]);
        assert.deepEqual(secondaries().sort(), standin!.hosts.slice(1).sort());
      }
    });

    it('routes reads by read preference and writes to the primary', async () => {
      const coll = client.db(dbName).collection('routing');
      const [, writer] = await answeredBy('insert', () => coll.insertOne({ n: 1 }));
      assert.equal(writer, primary());
      const [, primaryReader] = await answeredBy('find', () => coll.findOne({}));
      assert.equal(primaryReader, primary(), 'the default read preference is primary');
      const [, secondaryReader] = await answeredBy('find', () => coll.findOne({}, { readPreference: ReadPreference.SECONDARY_PREFERRED }));
      assert.ok(secondaries().includes(secondaryReader), `secondaryPreferred read went to ${secondaryReader}`);
      const [, strictSecondary] = await answeredBy('find', () => coll.findOne({}, { readPreference: 'secondary' }));
      assert.ok(secondaries().includes(strictSecondary));
    });

    it('refuses writes sent straight to a secondary with NotWritablePrimary', async () => {
      const direct = await new MongoClient(`mongodb://${secondaries()[0]}/?directConnection=true`, clientOptions).connect();
      try {
        await assert.rejects(direct.db(dbName).collection('direct').insertOne({ a: 1 }), (err: { code?: number; codeName?: string }) =>
          err.code === 10107 && err.codeName === 'NotWritablePrimary');
        // A direct connection reads with primaryPreferred, which a secondary may serve.
        assert.equal(await direct.db(dbName).collection('direct').countDocuments(), 0);
      } finally {
        await direct.close();
      }
    });

    it('reads your own writes in a causally consistent session, even from a secondary', async () => {
      const coll = client.db(dbName).collection('causal');
      const session = client.startSession({ causalConsistency: true });
      try {
        await coll.insertOne({ _id: 'me', v: 1 } as never, { session });
        const doc = await coll.findOne({ _id: 'me' } as never, { session, readPreference: 'secondary' });
        assert.equal(doc?.v, 1);
      } finally {
        await session.endSession();
      }
    });

    it('runs an aggregate with $merge or $out on a secondary, which writes on the primary (MongoDB 5.0+)', async () => {
      const source = client.db(dbName).collection('writeSource');
      const docs = [{ _id: 1, n: 1 }, { _id: 2, n: 2 }];
      await source.insertMany(docs as never[], { writeConcern: { w: 'majority' } });
      const read = (name: string, readPreference: 'primary' | 'secondary') => client.db(dbName).collection(name).find({}, { readPreference }).sort({ _id: 1 }).toArray();
      const [, mergedOn] = await answeredBy('aggregate', () => source.aggregate([{ $merge: { into: 'merged' } }], { readPreference: 'secondary' }).toArray());
      assert.ok(secondaries().includes(mergedOn), `the $merge ran on ${mergedOn}`);
      assert.deepEqual(await read('merged', 'primary'), docs);
      const [, outOn] = await answeredBy('aggregate', () =>
        source.aggregate([{ $set: { copy: true } }, { $out: 'copied' }], { readPreference: 'secondary', writeConcern: { w: 'majority' } }).toArray());
      assert.ok(secondaries().includes(outOn), `the $out ran on ${outOn}`);
      const copies = docs.map((d) => ({ ...d, copy: true }));
      assert.deepEqual(await read('copied', 'primary'), copies);
      // Replicated like any write: a secondary gets the results too (at once on the stand-in after w: "majority").
      assert.deepEqual(await eventually(async () => {
        const onSecondary = await read('copied', 'secondary');
        return onSecondary.length === docs.length ? onSecondary : undefined;
      }), copies);
    });

    if (real) {
      it('stale reads inside the replication lag [stand-in only: a real set has no configurable lag]', (t) => t.skip('needs the stand-in\'s configured lag'));
      return;
    }

    it('shows a stale read on a secondary within the lag and the fresh value after it', async () => {
      const coll = client.db(dbName).collection('stale');
      await coll.insertOne({ _id: 'profile', name: 'old' } as never, { writeConcern: { w: 'majority' } });
      await coll.updateOne({ _id: 'profile' } as never, { $set: { name: 'new' } });
      const [fromPrimary] = await answeredBy('find', () => coll.findOne({ _id: 'profile' } as never));
      assert.equal(fromPrimary?.name, 'new');
      const [stale, where] = await answeredBy('find', () => coll.findOne({ _id: 'profile' } as never, { readPreference: 'secondary' }));
      assert.ok(secondaries().includes(where));
      assert.equal(stale?.name, 'old', 'the secondary has not applied the update yet');
      const fresh = await eventually(async () => {
        const doc = await coll.findOne({ _id: 'profile' } as never, { readPreference: 'secondary' });
        return doc?.name === 'new' ? doc : undefined;
      });
      assert.equal(fresh.name, 'new');
    });

    it('waits for the secondaries when a write asks for w: "majority"', async () => {
      const coll = client.db(dbName).collection('majority');
      await coll.insertOne({ _id: 'm' } as never, { writeConcern: { w: 'majority' } });
      for (const address of secondaries()) {
        const direct = await new MongoClient(`mongodb://${address}/?directConnection=true`, clientOptions).connect();
        try {
          assert.equal(await direct.db(dbName).collection('majority').countDocuments({ _id: 'm' } as never), 1, `${address} has the write`);
        } finally {
          await direct.close();
        }
      }
    });
  });
}
