/**
 * Step 1: the signups report is allowed to be a moment behind, so it runs on a secondary, and it
 * keeps working (on the primary) when no secondary is up.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { LAST_WRITE_COOKIE } from "../src/freshness.ts";
import { describeTargets, readsSince, replicaSetFixture, type ReplicaSetFixture } from "./helpers.ts";
import { lostSecondariesFixture, serverSelectionTimeoutMS } from "./lost-secondaries.ts";
import type { Profile } from "../src/seed.ts";

type Rows = { country: string; day: string; signups: number }[];

function expectedCounts(profiles: readonly Profile[], from: string, to: string): Map<string, number> {
  const expected = new Map<string, number>();
  for (const p of profiles) {
    if (p.signupDay < from || p.signupDay > to) continue;
    const key = `${p.signupDay} ${p.country}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  return expected;
}

describe("step 1: the analytics report runs on secondaries", () => {
  let fx: ReplicaSetFixture;
  let url: string;
  before(async () => {
    fx = await replicaSetFixture();
    url = (await fx.startApp()).url;
  });
  after(() => fx.close());

  it("the signups report counts signups per country and day", async () => {
    const res = await fetch(`${url}/analytics/signups?from=2026-09-01&to=2026-09-10`);
    assert.equal(res.status, 200, `expected 200 from GET /analytics/signups; got ${res.status}`);
    const body = (await res.json()) as { rows: Rows };
    const got = new Map(body.rows.map((r) => [`${r.day} ${r.country}`, r.signups]));
    assert.deepEqual(got, expectedCounts(fx.profiles, "2026-09-01", "2026-09-10"), "the report's counts do not match the seeded profiles");
  });

  it("every analytics report is served by a secondary, never the primary: every command, whoever asks", async () => {
    // A read preference that allows the primary picks it for about one report in three (see helpers.ts):
    // 30 reports all missing it has a chance of (2/3)^30, about 5 in a million.
    const REPORTS = 30;
    const from = fx.commands.length;
    for (let i = 0; i < REPORTS; i++) {
      // Half of them from a client that has just written: the report may be a moment behind for it too.
      const headers: Record<string, string> = i % 2 === 0 ? {} : { cookie: `${LAST_WRITE_COOKIE}=${Date.now()}` };
      const res = await fetch(`${url}/analytics/signups`, { headers });
      assert.equal(res.status, 200, `expected 200 from GET /analytics/signups; got ${res.status}`);
    }
    const aggregates = readsSince(fx.commands, from, "aggregate");
    assert.ok(aggregates.length >= REPORTS, `expected an aggregate command per report (${REPORTS}); saw ${aggregates.length}`);
    const onPrimary = aggregates.filter((c) => c.address === fx.primary).length;
    assert.equal(
      onPrimary,
      0,
      `expected all ${REPORTS} reports to run on a secondary; ${onPrimary} of ${aggregates.length} aggregates ran on the primary (${describeTargets(fx.commands, from, fx.primary, "aggregate")}). ` +
        "A report may be a moment behind, also for a client that has just written (every other request carried a fresh last-write marker): it should never load the primary while a secondary is up (TODO(1)).",
    );
    const getMores = readsSince(fx.commands, from, "getMore").filter((c) => c.address === fx.primary).length;
    assert.equal(getMores, 0, `expected the report's getMore batches to stay on the secondary too; ${getMores} went to the primary`);
    const others = readsSince(fx.commands, from).filter((c) => c.address === fx.primary);
    assert.equal(
      others.length,
      0,
      `expected every command of the report (aggregate, getMore, and any count or find it adds) to run on a secondary; ${others.map((c) => c.name).join(", ")} ran on the primary`,
    );
  });

  it("a date range is 400 with a JSON error unless both ends are YYYY-MM-DD and from <= to (any query string)", async () => {
    const dayLike = /^\d{4}-\d{2}-\d{2}$/;
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("2026-09-01", "2026-9-1", "2026-09-01 ", " 2026-09-01", "1e3", "0x10", "2026-13-45", "9999-12-31", "0000-01-01"),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(value, { nil: undefined }), fc.option(value, { nil: undefined }), async (fromValue, toValue) => {
        const query = new URLSearchParams();
        if (fromValue !== undefined) query.set("from", fromValue);
        if (toValue !== undefined) query.set("to", toValue);
        const res = await fetch(`${url}/analytics/signups?${query}`);
        const body = (await res.json()) as { error?: unknown; rows?: unknown };
        const from = fromValue ?? "0000-01-01";
        const to = toValue ?? "9999-12-31";
        const valid = dayLike.test(from) && dayLike.test(to) && from <= to;
        if (valid) assert.equal(res.status, 200, `expected 200 for ?${query}; got ${res.status} ${JSON.stringify(body)}`);
        else {
          assert.equal(res.status, 400, `expected 400 for ?${query}; got ${res.status}`);
          assert.equal(typeof body.error, "string", `expected a JSON { error } body for ?${query}; got ${JSON.stringify(body)}`);
        }
      }),
      { numRuns: 60, seed: 411 },
    );
    const unknown = await fetch(`${url}/analytics/signups?limit=5`);
    assert.equal(unknown.status, 400, `expected 400 for an unknown query parameter; got ${unknown.status}`);
  });
});

describe("step 1: the report keeps working when every secondary is gone", () => {
  it("with both secondaries down, the report is still answered (by the primary) with the right counts", async (t) => {
    const lost = await lostSecondariesFixture(`lost_analytics_${process.pid}`);
    t.after(() => lost.close());
    const before = await fetch(`${lost.url}/analytics/signups`);
    assert.equal(before.status, 200, `expected 200 while the secondaries are up; got ${before.status}`);
    await lost.loseSecondaries();
    const from = lost.commands.length;
    const res = await fetch(`${lost.url}/analytics/signups`);
    assert.equal(
      res.status,
      200,
      `expected the report to fall back to the primary when no secondary is up; got ${res.status} ` +
        `(a read that accepts only a secondary fails after the driver's ${serverSelectionTimeoutMS} ms server selection timeout). ` +
        "The README asks for a report that prefers secondaries, not one that requires them.",
    );
    const body = (await res.json()) as { rows: Rows };
    const got = new Map(body.rows.map((r) => [`${r.day} ${r.country}`, r.signups]));
    assert.deepEqual(got, expectedCounts(lost.profiles, "0000-01-01", "9999-12-31"), "the report's counts do not match the seeded profiles");
    assert.ok(readsSince(lost.commands, from, "aggregate").every((c) => c.address === lost.primary), "expected the fallback report to run on the primary");
  });
});
