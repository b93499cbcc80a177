import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getUser, startHarness, type Harness } from "./harness.ts";

// Stretch (optional), README step 6. The lab is complete without it; `lab check` expects it of the solution.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

test("stretch (optional): 50 concurrent reads of a cold user cause at most one MongoDB query", async () => {
  // A 100 ms database keeps the first load in flight while the other 49 requests arrive.
  const app = await h.startApp({ dbDelayMs: 100 });
  const [id] = await h.seed(1, "stampede");
  const queriesBefore = h.userQueries();
  const results = await Promise.all(Array.from({ length: 50 }, () => getUser(app, id!)));
  const statuses = [...new Set(results.map((r) => r.status))];
  assert.deepEqual(statuses, [200], `expected all 50 reads to answer 200; got statuses ${statuses.join(", ")}`);
  const queries = h.userQueries() - queriesBefore;
  assert.ok(
    queries <= 1,
    `expected 50 simultaneous reads of an uncached user to share one MongoDB query; they made ${queries}. ` +
      "Keep a map of loads in progress (id -> Promise) and let later callers await the same promise.",
  );
});
