// explain("executionStats") must be honest: an index walk in sort order touches only what the page
// needs, while a deep skip still examines every skipped document. The pagination lab relies on this.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Document } from 'mongodb';
import { forEachTarget } from './harness.ts';

/** Every stage name in a plan tree (works for classic and SBE-style explain output). */
function stages(plan: unknown): string[] {
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Document;
  const own = typeof node.stage === 'string' ? [node.stage] : [];
  return [...own, ...Object.values(node).flatMap((v) => (Array.isArray(v) ? v.flatMap(stages) : stages(v)))];
}

forEachTarget('explain executionStats', (target) => {
  const TOTAL = 2000;
  const PAGE = 20;
  const coll = () => target().db.collection('events');

  it('loads an indexed collection', async () => {
    const start = Date.UTC(2026, 0, 1);
    await coll().insertMany(Array.from({ length: TOTAL }, (_, i) => ({ seq: i, createdAt: new Date(start + i * 60_000), kind: i % 2 ? 'a' : 'b' })));
    await coll().createIndex({ createdAt: -1 });
    assert.equal(await coll().countDocuments(), TOTAL);
  });

  it('walks skip + limit index keys for a deep page, fetching only the page', async () => {
    const skip = 1500;
    const explained = await coll().find({}).sort({ createdAt: -1 }).skip(skip).limit(PAGE).explain('executionStats');
    assert.ok(stages(explained.queryPlanner.winningPlan).includes('IXSCAN'));
    assert.equal(explained.executionStats.nReturned, PAGE);
    // mongod puts SKIP beneath FETCH when the index alone decides the filter (SERVER-13946):
    // the cost of a deep page shows in keys examined.
    assert.equal(explained.executionStats.totalKeysExamined, skip + PAGE);
    assert.equal(explained.executionStats.totalDocsExamined, PAGE);
  });

  it('examines only about one page for a range query on the indexed field', async () => {
    const pivot = await coll().find({}).sort({ createdAt: -1 }).skip(1500).limit(1).next();
    const explained = await coll().find({ createdAt: { $lt: pivot!.createdAt } }).sort({ createdAt: -1 }).limit(PAGE).explain('executionStats');
    assert.ok(stages(explained.queryPlanner.winningPlan).includes('IXSCAN'));
    assert.equal(explained.executionStats.nReturned, PAGE);
    assert.ok(explained.executionStats.totalDocsExamined <= PAGE + 1, `examined ${explained.executionStats.totalDocsExamined}`);
    assert.ok(explained.executionStats.totalKeysExamined <= PAGE + 1);
  });

  it('reports a collection scan of every document when no index helps', async () => {
    const explained = await coll().find({ kind: 'a' }).sort({ seq: 1 }).limit(PAGE).explain('executionStats');
    const found = stages(explained.queryPlanner.winningPlan);
    assert.ok(found.includes('COLLSCAN'));
    assert.ok(!found.includes('IXSCAN'));
    assert.equal(explained.executionStats.totalDocsExamined, TOTAL);
    assert.equal(explained.executionStats.totalKeysExamined, 0);
    assert.equal(explained.executionStats.nReturned, PAGE);
  });

  it('keeps keyset pagination with a tie-breaker ($or over a compound index) to about one page', async () => {
    await coll().createIndex({ createdAt: -1, _id: -1 });
    const pivot = (await coll().find({}).sort({ createdAt: -1, _id: -1 }).skip(1200).limit(1).next())!;
    const filter = { $or: [{ createdAt: { $lt: pivot.createdAt } }, { createdAt: pivot.createdAt, _id: { $lt: pivot._id } }] };
    const explained = await coll().find(filter).sort({ createdAt: -1, _id: -1 }).limit(PAGE).explain('executionStats');
    assert.ok(stages(explained.queryPlanner.winningPlan).includes('IXSCAN'));
    assert.equal(explained.executionStats.nReturned, PAGE);
    assert.ok(explained.executionStats.totalKeysExamined <= 2 * PAGE + 2, `examined ${explained.executionStats.totalKeysExamined} keys`);
    const page = await coll().find(filter, { projection: { _id: 0, seq: 1 } }).sort({ createdAt: -1, _id: -1 }).limit(PAGE).toArray();
    assert.deepEqual(page.map((d) => d.seq), Array.from({ length: PAGE }, (_, i) => TOTAL - 1202 - i));
  });

  it('returns the same pages either way', async () => {
    const bySkip = await coll().find({}, { projection: { _id: 0, seq: 1 } }).sort({ createdAt: -1 }).skip(40).limit(PAGE).toArray();
    const previous = await coll().find({}).sort({ createdAt: -1 }).skip(39).limit(1).next();
    const byRange = await coll().find({ createdAt: { $lt: previous!.createdAt } }, { projection: { _id: 0, seq: 1 } }).sort({ createdAt: -1 }).limit(PAGE).toArray();
    assert.deepEqual(byRange, bySkip);
    assert.deepEqual(bySkip.map((d) => d.seq), Array.from({ length: PAGE }, (_, i) => TOTAL - 41 - i));
  });
});
