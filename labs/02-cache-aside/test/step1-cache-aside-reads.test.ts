import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ObjectId } from "mongodb";
import { getUser, sleep, startHarness, type Harness } from "./harness.ts";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

test("a second read of the same user does not query MongoDB", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "repeat reader");
  const queriesBefore = h.userQueries();
  const first = await getUser(app, id!);
  assert.equal(first.status, 200, `expected the first read to find the user; got ${first.status} ${JSON.stringify(first.body)}`);
  const second = await getUser(app, id!);
  assert.equal(second.status, 200, `expected the second read to find the user; got ${second.status} ${JSON.stringify(second.body)}`);
  assert.deepEqual(second.body, first.body, "expected the cached read to return the same user as the first read");
  const queries = h.userQueries() - queriesBefore;
  assert.equal(queries, 1, `expected two reads of one user to query MongoDB once (the second one served from the cache); they queried it ${queries} times`);
});

test("a user cached by one instance is served from Redis by another instance", async () => {
  const a = await h.startApp({ name: "A" });
  const b = await h.startApp({ name: "B" });
  const [id] = await h.seed(1, "shared");
  const queriesBefore = h.userQueries();
  const fromA = await getUser(a, id!);
  assert.equal(fromA.status, 200);
  const fromB = await getUser(b, id!);
  assert.equal(fromB.status, 200);
  assert.deepEqual(fromB.body, fromA.body, "expected both instances to return the same user");
  const queries = h.userQueries() - queriesBefore;
  assert.equal(
    queries,
    1,
    `expected instance B to find the user in Redis (its own memory is empty), so one MongoDB query in total; got ${queries}. ` +
      "An in-process cache alone does not help the other instances: the shared tier is Redis.",
  );
});

test("a read caches the user as JSON under <namespace>:user:<id> with a TTL of 300 s (PTTL just under 300,000 ms)", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "ttl");
  const read = await getUser(app, id!);
  assert.equal(read.status, 200);
  const key = h.key(id!);
  const raw = await h.inspector.get(key);
  if (raw === null) {
    const found: string[] = [];
    for await (const keys of h.inspector.scanStream({ match: `${h.namespace}:*` })) found.push(...(keys as string[]));
    assert.fail(`expected a read to store the user in Redis under "${key}"; that key does not exist. Keys in this namespace: ${found.length ? found.join(", ") : "none"}`);
  }
  let cached: unknown;
  try {
    cached = JSON.parse(raw);
  } catch {
    assert.fail(`expected "${key}" to hold the user as JSON; it holds ${JSON.stringify(raw.slice(0, 80))}`);
  }
  assert.deepEqual(cached, read.body, `expected "${key}" to hold the same user the API returned`);
  const pttl = await h.inspector.pttl(key);
  assert.notEqual(pttl, -1, `expected "${key}" to expire (EX ${300}); it has no TTL, so a missed invalidation would be stale forever`);
  // 10 s of slack for a loaded machine between the SET and this PTTL.
  assert.ok(
    pttl > 290_000 && pttl <= 300_000,
    `expected "${key}" to live 300 s in Redis (USER_TTL_SECONDS), so a PTTL between 290,000 and 300,000 ms; PTTL says ${pttl} ms. Check the unit: EX takes seconds, PX milliseconds.`,
  );
});

test("reading a cached user does not extend its TTL: the safety net still ends 300 s after the fill", async () => {
  const a = await h.startApp({ name: "A" });
  const [id] = await h.seed(1, "no slide");
  assert.equal((await getUser(a, id!)).status, 200);
  const key = h.key(id!);
  assert.equal(await h.inspector.exists(key), 1, `expected a read to cache the user under "${key}"`);
  await h.inspector.pexpire(key, 100_000); // as if the entry were 200 s old
  // Fresh instances have empty in-process caches, so each of these reads reaches Redis.
  for (const name of ["B", "C"]) {
    const app = await h.startApp({ name });
    assert.equal((await getUser(app, id!)).status, 200);
  }
  const pttl = await h.inspector.pttl(key);
  assert.ok(
    pttl > 0 && pttl <= 100_000,
    `expected reads to leave the entry's remaining TTL alone (it was 100,000 ms); PTTL is now ${pttl} ms. A TTL renewed on every hit never ends for a hot user, so a missed invalidation would be stale forever.`,
  );
});

test("a user that was not found is readable as soon as it is inserted (a cached miss may live 5 s at most)", async () => {
  const app = await h.startApp();
  const id = new ObjectId().toHexString();
  for (let i = 0; i < 2; i++) {
    const missing = await getUser(app, id);
    assert.equal(missing.status, 404, `expected 404 for a user that does not exist yet; got ${missing.status}`);
    assert.equal(typeof (missing.body as { error?: unknown }).error, "string", "expected a JSON body { error } with the 404");
  }
  await h.db.collection("users").insertOne({ _id: new ObjectId(id), name: "late arrival", email: "late@example.test" });
  const insertedAt = Date.now();
  // Caching "not found" is allowed only briefly; 8 s leaves room for a 5 s negative TTL on a busy machine.
  let last = await getUser(app, id);
  while (last.status !== 200 && Date.now() - insertedAt < 8_000) {
    await sleep(250);
    last = await getUser(app, id);
  }
  assert.equal(
    last.status,
    200,
    `expected the user to be readable once inserted; 8 s later GET still answers ${last.status}. A cached "not found" must not outlive the insert (do not cache misses, or only for a few seconds).`,
  );
});
