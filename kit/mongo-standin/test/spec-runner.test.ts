// The unified-format spec runner (spec/unified.ts) on tiny inline test files, so CI exercises it
// without a checkout of mongodb/specifications: passing, failing, skipped and refused tests, and
// the format's matching rules. [stand-in only]: the runner starts its own stand-in.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mismatch } from '../spec/match.ts';
import { parseTestFile, pickTopology, runTestFile, StandinPool } from '../spec/unified.ts';

const entities = [
  { client: { id: 'client0', observeEvents: ['commandStartedEvent'] } },
  { database: { id: 'database0', client: 'client0', databaseName: 'spec-runner' } },
  { collection: { id: 'collection0', database: 'database0', collectionName: 'coll0' } },
];
const initialData = [{ collectionName: 'coll0', databaseName: 'spec-runner', documents: [{ _id: 1, x: 11 }, { _id: 2, x: 22 }] }];

const file = parseTestFile(JSON.stringify({
  description: 'inline', schemaVersion: '1.0', createEntities: entities, initialData,
  tests: [
    {
      description: 'insertOne and find pass',
      operations: [
        { object: 'collection0', name: 'insertOne', arguments: { document: { _id: 3, x: { $numberLong: '33' } } }, expectResult: { $$unsetOrMatches: { insertedId: { $$unsetOrMatches: 3 } } } },
        { object: 'collection0', name: 'find', arguments: { filter: { _id: { $gt: 1 } }, sort: { _id: 1 } }, expectResult: [{ _id: 2, x: 22 }, { _id: 3, x: { $$type: ['int', 'long'] } }] },
      ],
      expectEvents: [{ client: 'client0', events: [
        { commandStartedEvent: { command: { insert: 'coll0', documents: [{ _id: 3, x: 33 }] }, commandName: 'insert', databaseName: 'spec-runner' } },
        { commandStartedEvent: { command: { find: 'coll0', filter: { _id: { $gt: 1 } } }, commandName: 'find' } },
      ] }],
      outcome: [{ collectionName: 'coll0', databaseName: 'spec-runner', documents: [{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }] }],
    },
    {
      description: 'a duplicate key is error 11000',
      operations: [{ object: 'collection0', name: 'insertOne', arguments: { document: { _id: 1 } }, expectError: { isClientError: false, errorCode: 11000, errorContains: 'duplicate key' } }],
    },
    {
      description: 'a wrong expectation fails',
      operations: [{ object: 'collection0', name: 'updateOne', arguments: { filter: { _id: 1 }, update: { $inc: { x: 1 } } }, expectResult: { matchedCount: 1, modifiedCount: 2 } }],
    },
    { description: 'sharded only is skipped', runOnRequirements: [{ topologies: ['sharded'] }], operations: [] },
    { description: 'fail points are skipped', operations: [{ object: 'testRunner', name: 'failPoint', arguments: {} }] },
    {
      description: 'collation is refused with 115',
      operations: [{ object: 'collection0', name: 'find', arguments: { filter: {}, collation: { locale: 'fr' } }, expectResult: [] }],
    },
  ],
}));

describe('unified spec runner [stand-in only]', () => {
  const pool = new StandinPool();
  after(() => pool.close());

  it('passes, fails, skips and marks refusals as the format says', async () => {
    const results = await runTestFile(file, pool);
    assert.deepEqual(results.map((r) => [r.test, r.status]), [
      ['insertOne and find pass', 'pass'],
      ['a duplicate key is error 11000', 'pass'],
      ['a wrong expectation fails', 'fail'],
      ['sharded only is skipped', 'skip'],
      ['fail points are skipped', 'skip'],
      ['collation is refused with 115', 'refused'],
    ], JSON.stringify(results, null, 2));
    assert.match(results[2]!.reason!, /modifiedCount: expected 2, got 1/);
    assert.match(results[5]!.reason!, /collation/);
  });

  it('picks the replica set only when the requirements need it', () => {
    assert.equal(pickTopology([{ minServerVersion: '4.2' }], undefined), 'single');
    assert.equal(pickTopology(undefined, [{ topologies: ['replicaset', 'sharded'] }]), 'replicaset');
    assert.deepEqual(pickTopology([{ minServerVersion: '8.2.0' }], undefined), { skip: 'runOnRequirements not met on 8.0 single/replicaset: needs server >= 8.2.0' });
    assert.equal(typeof pickTopology([{ maxServerVersion: '4.4.99' }, { minServerVersion: '5.0', serverless: 'forbid' }], undefined), 'string');
  });

  it('matches with the format rules', () => {
    assert.equal(mismatch({ a: 1 }, { a: 1.0, extra: true }, { root: true }), undefined, 'extra fields at the root');
    assert.match(mismatch({ a: { b: 1 } }, { a: { b: 1, c: 2 } }, { root: true })!, /unexpected field\(s\) c/);
    assert.equal(mismatch({ a: { $$exists: false }, b: { $$unsetOrMatches: 2 } }, {}, { root: true }), undefined);
    assert.match(mismatch({ a: { $$type: 'string' } }, { a: 1 }, { root: true })!, /expected type string/);
    assert.match(mismatch([1, 2], [1], {})!, /expected 2 element/);
  });
});
