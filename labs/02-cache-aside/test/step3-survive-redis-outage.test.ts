import assert from "node:assert/strict";
import { test } from "node:test";
import { getFreePort } from "#kit/testing/index.ts";
import { createRedisClient } from "../src/redis.ts";
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

test("during an outage the log gets a few lines, not one per request", async () => {
  const redis = await privateRedis();
  const h = await startHarness({ redisUrl: redis.url });
  const lines: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  try {
    const app = await h.startApp();
    const ids = await h.seed(30, "quiet");
    await redis.stop();
    for (const method of ["log", "info", "warn", "error"] as const) {
      console[method] = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    }
    for (const id of ids) assert.equal((await answered(`GET /users/${id}`, () => getUser(app, id, PATIENCE_MS))).status, 200);
    for (const id of ids.slice(0, 10)) assert.equal((await answered(`PATCH /users/${id}`, () => patchUser(app, id, { name: "quiet edit" }, PATIENCE_MS))).status, 200);
  } finally {
    Object.assign(console, saved);
    await h.close();
    await redis.stop();
  }
  assert.ok(
    lines.length <= 6,
    `expected at most a few log lines (one per kind of failure every few seconds) for 40 requests during a Redis outage; got ${lines.length}, starting with: ${lines.slice(0, 3).join(" | ")}`,
  );
});

test("a cached entry that is not valid JSON counts as a miss: the user comes from MongoDB", async () => {
  const h = await startHarness();
  try {
    const app = await h.startApp();
    const [id] = await h.seed(1, "corrupt");
    await h.inspector.set(h.key(id!), "{\"id\":", "EX", 60); // cut short, as after a bad deploy or a partial write
    const read = await getUser(app, id!);
    assert.equal(read.status, 200, `expected a read to fall back to MongoDB when the cached entry cannot be parsed; got ${read.status} ${JSON.stringify(read.body)}`);
    assert.equal(nameOf(read.body), "corrupt 1");
  } finally {
    await h.close();
  }
});

test("the client is configured to fail fast: a command timeout between 0.1 and 2 s, and no offline queue", () => {
  const redis = createRedisClient(`redis://127.0.0.1:1`); // never connects: only its options are read
  try {
    const { commandTimeout, enableOfflineQueue } = redis.options;
    assert.ok(
      typeof commandTimeout === "number" && commandTimeout >= 100 && commandTimeout <= 2_000,
      `expected a command timeout between 100 and 2,000 ms (a frozen Redis must not hold a request longer, a healthy but busy one must not trip it); got ${commandTimeout} (ioredis takes milliseconds)`,
    );
    assert.equal(enableOfflineQueue, false, "expected commands to be rejected at once while Redis is disconnected, not queued until it returns");
  } finally {
    redis.disconnect();
  }
});

test("while Redis stays down long enough, the client keeps reconnecting: first retry within 0.5 s, then waits that level off between 0.25 and 1.5 s", async () => {
  const port = await getFreePort(); // nothing listens here: every connection attempt is refused at once
  const redis = createRedisClient(`redis://127.0.0.1:${port}`);
  const delays: number[] = [];
  let ended = false;
  try {
    // The strategy as configured, far past the first attempts: where does it level off?
    const strategy = redis.options.retryStrategy;
    assert.equal(typeof strategy, "function", "expected a retryStrategy (how long to wait before each reconnection attempt)");
    const planned = Array.from({ length: 300 }, (_, i) => strategy!(i + 1));
    const stops = planned.findIndex((d) => typeof d !== "number");
    assert.equal(stops, -1, `expected the client to keep reconnecting for as long as Redis is down; its retryStrategy gives up (returns ${planned[stops]}) at attempt ${stops + 1}`);
    const waits = planned as number[];
    assert.ok(waits[0]! <= 500, `expected the first reconnection attempt within 500 ms (a blip should heal quickly); the strategy waits ${waits[0]} ms`);
    const over = waits.findIndex((d) => d > 1_500);
    assert.equal(over, -1, `expected no wait between attempts longer than 1,500 ms (the cache should come back soon after Redis does); attempt ${over + 1} waits ${waits[over]} ms`);
    const late = waits.slice(100);
    assert.ok(
      late.every((d) => d >= 250),
      `expected the waits to level off at 250 ms or more (not hammering a server that is down); from attempt 101 on they are as low as ${Math.min(...late)} ms. ioredis counts in milliseconds.`,
    );

    // And the real client, against a port where nothing listens, follows it until the waits reach
    // that level twice (about 7 s for a strategy that grows by 0.1 s up to 1 s).
    const level = Math.min(...late);
    const atLevel = () => delays.filter((d) => d >= level).length;
    redis.on("reconnecting", (delay: number) => delays.push(delay));
    redis.on("end", () => (ended = true));
    const started = Date.now();
    while (atLevel() < 2 && !ended && Date.now() - started < 25_000) await sleep(100);
    assert.ok(!ended, `expected the client to keep reconnecting; it gave up after ${delays.length} attempts`);
    assert.ok(atLevel() >= 2, `expected the real client's waits to reach their level (${level} ms) within 25 s of Redis being down; saw ${delays.join(", ")} ms`);
    assert.ok(delays.every((d) => d <= 1_500), `expected every wait to be at most 1,500 ms; saw ${delays.join(", ")} ms`);
  } finally {
    redis.disconnect();
  }
});
