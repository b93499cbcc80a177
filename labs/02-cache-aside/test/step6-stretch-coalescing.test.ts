import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRedisClient } from "../src/redis.ts";
import { createUserService, userCacheKey } from "../src/users.ts";
import { getUser, startHarness, waitForRedis, type Harness } from "./harness.ts";
import { fakeUsers, scriptedRepo } from "./scripted-repo.ts";

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

/** The user service on its own, on a Redis client from src/redis.ts and a repository the test drives. */
async function serviceWith(label: string, count = 1) {
  const users = fakeUsers(count, label);
  const repo = scriptedRepo(users);
  const redis = createRedisClient(h.redisUrl);
  await waitForRedis(redis, h.redisUrl);
  const namespace = `${h.namespace}_${label}`;
  const service = createUserService({ repo, redis, namespace });
  return { users, repo, service, key: (id: string) => userCacheKey(namespace, id), close: () => redis.disconnect() };
}

test("stretch (optional): a shared load that fails does not fail the next read", async () => {
  const { users, repo, service, close } = await serviceWith("rejected");
  try {
    const [user] = users;
    const gate = repo.hold();
    const waiting = Array.from({ length: 5 }, () => service.get(user!.id));
    await gate.reached;
    repo.open();
    gate.fail(new Error("connection reset by the database"));
    const outcomes = await Promise.allSettled(waiting);
    assert.ok(
      outcomes.every((o) => o.status === "rejected"),
      `expected the 5 reads that shared the failing load to fail with it; got ${outcomes.map((o) => o.status).join(", ")}`,
    );
    const findsBefore = repo.finds;
    let next: unknown;
    try {
      next = await service.get(user!.id);
    } catch (error) {
      assert.fail(`expected the read after the failed load to start a new one and succeed; it failed with "${(error as Error).message}" (the failed load is still being shared)`);
    }
    assert.equal((next as { name?: string } | null)?.name, user!.name, `expected the read after the failed load to return the user; got ${JSON.stringify(next)}`);
    assert.equal(repo.finds - findsBefore, 1, "expected the read after the failed load to query the database again, once");
  } finally {
    close();
  }
});

test("stretch (optional): a load that began before a PATCH neither answers later reads nor puts the old user back in a cache", async () => {
  const { users, repo, service, key, close } = await serviceWith("race", 2);
  try {
    const [first, second] = users;
    // 1. A load holds the old user while a PATCH completes; once it finishes, nothing may have cached it.
    let gate = repo.hold();
    const early = service.get(first!.id); // reads the old user from the database, then waits at the gate
    await gate.reached;
    repo.open();
    assert.equal((await service.update(first!.id, { name: "renamed during a load" }))?.name, "renamed during a load");
    gate.release();
    await early; // it may answer with the old user: it began before the write
    const later = await service.get(first!.id);
    assert.equal(
      later?.name,
      "renamed during a load",
      `expected a read after the PATCH to return the new name; got ${JSON.stringify(later?.name)}: the load that began before the write put the old user into a cache when it finished`,
    );
    const stored = await h.inspector.get(key(first!.id));
    assert.ok(stored === null || (JSON.parse(stored) as { name?: string }).name === "renamed during a load", `expected Redis not to hold the old user after the PATCH; it holds ${stored}`);

    // 2. A read that starts after the PATCH returned must not join a load that began before it.
    gate = repo.hold();
    const old = service.get(second!.id);
    await gate.reached;
    repo.open();
    assert.equal((await service.update(second!.id, { name: "renamed before this read" }))?.name, "renamed before this read");
    const afterWrite = service.get(second!.id);
    gate.release();
    await old;
    const fresh = await afterWrite;
    assert.equal(
      fresh?.name,
      "renamed before this read",
      `expected a read that started after the PATCH returned to get the new name; got ${JSON.stringify(fresh?.name)} (it joined a load that began before the write)`,
    );
  } finally {
    close();
    const leftovers: string[] = [];
    for await (const keys of h.inspector.scanStream({ match: `${h.namespace}_race:*` })) leftovers.push(...(keys as string[]));
    if (leftovers.length > 0) await h.inspector.del(...leftovers);
  }
});
