import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getUser, startHarness, type Harness } from "./harness.ts";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

test("20 quick reads of a hot user cost one MongoDB query and at most one Redis GET (in-process LRU tier)", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "hot");
  const key = h.key(id!);
  const queriesBefore = h.userQueries();
  const getsBefore = h.redisCalls("get", key);
  const started = performance.now();
  for (let i = 0; i < 20; i++) assert.equal((await getUser(app, id!)).status, 200);
  const elapsedMs = performance.now() - started;

  const queries = h.userQueries() - queriesBefore;
  assert.equal(queries, 1, `expected 20 reads of one user to query MongoDB once; they queried it ${queries} times`);
  // One GET for the cold read; on a slow machine the local entry may expire (TTL >= 1 s) and cost one more per second.
  const allowed = 1 + Math.floor(elapsedMs / 1_000);
  const gets = h.redisCalls("get", key) - getsBefore;
  assert.ok(
    gets <= allowed,
    `expected at most ${allowed} Redis GET for ${key} across 20 reads in ${Math.round(elapsedMs)} ms; saw ${gets}. ` +
      "Hot keys should be answered from a small in-process LRU cache (lru-cache) in front of Redis.",
  );
});
