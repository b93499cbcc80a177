import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRedisClient } from "../src/redis.ts";
import { createUserService, userCacheKey } from "../src/users.ts";
import { getUser, nameOf, patchUser, recordCommands, sleep, startHarness, waitForRedis, type Harness, type LabEvent } from "./harness.ts";
import { fakeUsers, scriptedRepo } from "./scripted-repo.ts";

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

test("a user found in Redis is kept in memory too: 20 reads on a second instance cost at most one Redis GET", async () => {
  const a = await h.startApp({ name: "A" });
  const b = await h.startApp({ name: "B" });
  const [id] = await h.seed(1, "warm in redis");
  const key = h.key(id!);
  assert.equal((await getUser(a, id!)).status, 200); // A fills Redis
  const queriesBefore = h.userQueries();
  const getsBefore = h.redisCalls("get", key);
  const started = performance.now();
  for (let i = 0; i < 20; i++) assert.equal((await getUser(b, id!)).status, 200);
  const elapsedMs = performance.now() - started;
  assert.equal(h.userQueries() - queriesBefore, 0, "expected instance B to find the user in Redis, without querying MongoDB");
  const allowed = 1 + Math.floor(elapsedMs / 1_000);
  const gets = h.redisCalls("get", key) - getsBefore;
  assert.ok(
    gets <= allowed,
    `expected at most ${allowed} Redis GET for ${key} across 20 reads on instance B in ${Math.round(elapsedMs)} ms; saw ${gets}. ` +
      "Fill the in-process cache with what Redis returned too, not only with what MongoDB returned.",
  );
});

test("another instance sees a PATCH within a few seconds (its in-process entry expires)", async () => {
  const a = await h.startApp({ name: "A" });
  const b = await h.startApp({ name: "B" });
  const [id] = await h.seed(1, "old name");
  for (let i = 0; i < 3; i++) {
    assert.equal((await getUser(a, id!)).status, 200);
    assert.equal((await getUser(b, id!)).status, 200);
  }
  assert.equal((await patchUser(a, id!, { name: "new name" })).status, 200);
  const patchedAt = Date.now();
  // B cannot be told about A's write; its local copy may serve the old name until its TTL ends.
  // The README asks for a TTL of at most 5 s; 8 s leaves room for a busy machine.
  let seen = nameOf((await getUser(b, id!)).body);
  while (seen !== "new name" && Date.now() - patchedAt < 8_000) {
    await sleep(200);
    seen = nameOf((await getUser(b, id!)).body);
  }
  assert.equal(
    seen,
    "new name",
    `expected instance B to return the new name within a few seconds of A's PATCH; after 8 s it still returns ${JSON.stringify(seen)}. Give the in-process cache a TTL of a few seconds.`,
  );
});

test("the in-process cache is bounded: after 1,200 different users, the first one read is no longer in it", async () => {
  // The service on its own, with MongoDB played by an in-memory repository and the clock frozen,
  // so nothing can expire: the only way to forget the first user is the size bound.
  const users = fakeUsers(1_200, "bounded");
  const repo = scriptedRepo(users);
  const redis = createRedisClient(h.redisUrl);
  const events: LabEvent[] = [];
  recordCommands(redis, "bounded", events);
  await waitForRedis(redis, h.redisUrl);
  const namespace = `${h.namespace}_bounded`;
  const service = createUserService({ repo, redis, namespace });
  const gets = (id: string) => events.filter((e) => e.source === "redis" && e.command === "get" && e.args[0] === userCacheKey(namespace, id)).length;
  const realDateNow = Date.now;
  const realPerfNow = performance.now;
  const frozen = realDateNow();
  const frozenPerf = performance.now();
  try {
    Date.now = () => frozen;
    performance.now = () => frozenPerf;
    for (const user of users) {
      const got = await service.get(user.id);
      assert.equal(got?.name, user.name, `expected get(${user.id}) to return ${user.name}; got ${JSON.stringify(got)}`);
    }
    const newest = users.at(-1)!.id;
    const newestGets = gets(newest);
    await service.get(newest);
    assert.equal(gets(newest) - newestGets, 0, "expected the user read last to be answered from the in-process cache, without a Redis GET");
    const oldest = users[0]!.id;
    const oldestGets = gets(oldest);
    assert.equal((await service.get(oldest))?.name, users[0]!.name);
    assert.equal(
      gets(oldest) - oldestGets,
      1,
      "expected the first of 1,200 users to have been evicted from the in-process cache (a bound of at most 1,000 entries), so reading it again asks Redis; " +
        "it was still held in memory. A cache without a maximum size grows with every user ever read.",
    );
    assert.equal(repo.finds, users.length, `expected one database read per user (the evicted user comes back from Redis); got ${repo.finds} for ${users.length} users`);
  } finally {
    Date.now = realDateNow;
    performance.now = realPerfNow;
    for await (const keys of h.inspector.scanStream({ match: `${namespace}:*`, count: 500 })) {
      if ((keys as string[]).length > 0) await h.inspector.del(...(keys as string[]));
    }
    redis.disconnect();
  }
});
