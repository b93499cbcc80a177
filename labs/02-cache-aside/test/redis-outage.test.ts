import assert from "node:assert/strict";
import { test } from "node:test";
import { getUser, nameOf, patchUser, sleep, startHarness, type HttpResult } from "./harness.ts";
import { privateRedis } from "./private-redis.ts";

// Each test runs its own redis-server on a free port and stops or freezes it on purpose.
// A request that takes longer than this is treated as hung (a healthy one takes milliseconds).
const PATIENCE_MS = 5_000;

async function answered(what: string, call: () => Promise<HttpResult>): Promise<HttpResult> {
  try {
    return await call();
  } catch (error) {
    if ((error as Error).name === "TimeoutError") {
      assert.fail(`${what} did not answer within ${PATIENCE_MS / 1000} s while Redis was unavailable: the Redis client must fail fast (README step 3), not wait for Redis`);
    }
    throw error;
  }
}

test("while Redis is down, reads and writes are answered from MongoDB (200, not 500)", async () => {
  const redis = await privateRedis();
  const h = await startHarness({ redisUrl: redis.url });
  try {
    const app = await h.startApp();
    const [warm, cold, edited] = await h.seed(3, "outage");
    assert.equal((await getUser(app, warm!)).status, 200);
    await redis.stop();

    const read = await answered(`GET /users/${cold}`, () => getUser(app, cold!, PATIENCE_MS));
    assert.equal(read.status, 200, `expected a read to fall back to MongoDB while Redis is down; got ${read.status} ${JSON.stringify(read.body)}`);
    assert.equal(nameOf(read.body), "outage 2");

    const patched = await answered(`PATCH /users/${edited}`, () => patchUser(app, edited!, { name: "edited offline" }, PATIENCE_MS));
    assert.equal(patched.status, 200, `expected a PATCH to succeed while Redis is down (the database is the source of truth); got ${patched.status} ${JSON.stringify(patched.body)}`);
    const reread = await answered(`GET /users/${edited}`, () => getUser(app, edited!, PATIENCE_MS));
    assert.equal(nameOf(reread.body), "edited offline", "expected the read after an offline PATCH to return the new name");

    const again = await answered(`GET /users/${warm}`, () => getUser(app, warm!, PATIENCE_MS));
    assert.equal(again.status, 200, `expected a previously cached user to stay readable while Redis is down; got ${again.status}`);
  } finally {
    await h.close();
    await redis.stop();
  }
});

test("a Redis that stops answering (frozen) does not hang requests", async () => {
  const redis = await privateRedis();
  const h = await startHarness({ redisUrl: redis.url });
  try {
    const app = await h.startApp();
    const [reader, writer] = await h.seed(2, "frozen");
    redis.freeze(); // the TCP connection stays open, but Redis never replies
    const read = await answered(`GET /users/${reader}`, () => getUser(app, reader!, PATIENCE_MS));
    assert.equal(read.status, 200, `expected a read to fall back to MongoDB while Redis hangs; got ${read.status} ${JSON.stringify(read.body)}`);
    const patched = await answered(`PATCH /users/${writer}`, () => patchUser(app, writer!, { name: "written while frozen" }, PATIENCE_MS));
    assert.equal(patched.status, 200, `expected a PATCH to succeed while Redis hangs; got ${patched.status} ${JSON.stringify(patched.body)}`);
  } finally {
    redis.thaw();
    await h.close();
    await redis.stop();
  }
});

test("when Redis comes back, reads fill the cache again", async () => {
  const redis = await privateRedis();
  const h = await startHarness({ redisUrl: redis.url });
  try {
    const app = await h.startApp();
    const ids = await h.seed(60, "recovery");
    assert.equal((await getUser(app, ids[0]!)).status, 200);
    assert.equal(await h.inspector.exists(h.key(ids[0]!)), 1, "expected a read to cache the user in Redis before the outage (step 1)");
    await redis.stop();
    const during = await answered(`GET /users/${ids[0]}`, () => getUser(app, ids[0]!, PATIENCE_MS));
    assert.equal(during.status, 200, `expected 200 from MongoDB while Redis is down; got ${during.status}`);

    await redis.start(); // same port, empty
    const restartedAt = Date.now();
    // A fresh user each time, so no in-process entry can answer for Redis.
    let cachedKey: string | undefined;
    for (let i = 1; i < ids.length && !cachedKey && Date.now() - restartedAt < 15_000; i++) {
      const read = await answered(`GET /users/${ids[i]}`, () => getUser(app, ids[i]!, PATIENCE_MS));
      assert.equal(read.status, 200, `expected 200 while the cache reconnects; got ${read.status}`);
      const exists = await h.inspector.exists(h.key(ids[i]!)).catch(() => 0);
      if (exists === 1) cachedKey = h.key(ids[i]!);
      else await sleep(250);
    }
    assert.ok(
      cachedKey,
      "expected reads to be cached in Redis again once it returned; 15 s after the restart no read had stored its user. " +
        "Let the client keep reconnecting in the background (ioredis retryStrategy) and keep using the cache once it is back.",
    );
  } finally {
    await h.close();
    await redis.stop();
  }
});
