import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { labServices } from "#kit/testing/index.ts";
import { readConfig } from "../src/config.ts";
import { createLimiter } from "../src/limiter.ts";
import { admitted, call, concurrently, freshIp, statuses, untilDecided, useGateway, type Reply } from "./helpers.ts";

// A long window, so nothing comes back during a test: these tests count, they do not time.
const LIMIT = 10;
const WINDOW_SECONDS = 60;
// Instance 2's wall clock runs two windows ahead of instance 1's, as two real machines can: a
// window timed by each instance's own clock is not one window.
const SKEW_MS = 2 * WINDOW_SECONDS * 1000;

describe("step 1: one budget for all instances, in Redis", () => {
  const gateway = useGateway({ limit: LIMIT, windowSeconds: WINDOW_SECONDS, clockSkewMs: [0, SKEW_MS] });

  test("a client that alternates between two instances gets its limit once, not once per instance", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const replies = [];
    for (let i = 0; i < 3 * LIMIT; i++) replies.push(await call(apps[i % 2]!.url, { ip }));
    assert.equal(
      admitted(replies),
      LIMIT,
      `expected exactly ${LIMIT} of ${3 * LIMIT} requests from one client, alternating between two instances, to be admitted (policy: ${LIMIT} per ${WINDOW_SECONDS} s); got ${statuses(replies)}. A count kept in each process's memory gives the client its budget once per instance. And instance 2's clock runs ${SKEW_MS / 1000} s ahead of instance 1's here: if each instance times the window by its own clock (Date.now()), they disagree about which requests still count. Take the time from Redis (TIME), the one clock they share.`,
    );
    assert.ok(replies.slice(-LIMIT).every((r) => r.status === 429), `expected the last ${LIMIT} requests to be refused with 429; got ${statuses(replies.slice(-LIMIT))}`);
  });

  test("forty requests at the same moment, on both instances, admit exactly the limit", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const replies = await concurrently(apps, 4 * LIMIT, { ip });
    assert.equal(
      admitted(replies),
      LIMIT,
      `expected exactly ${LIMIT} of ${4 * LIMIT} simultaneous requests to be admitted; got ${statuses(replies)}. Reading the count and then writing it in two round trips lets every request read the same old count: the check and the update must be one atomic step in Redis (a Lua script, or one command).`,
    );
  });

  test("restarting an instance does not give a client a fresh budget", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    for (let i = 0; i < LIMIT; i++) await call(apps[0]!.url, { ip });
    await apps[0]!.restart();
    // The restarted process may still be connecting to Redis: probe from another address until its limiter decides.
    await untilDecided(apps[0]!, { ip: freshIp() });
    const after = await call(apps[0]!.url, { ip });
    assert.equal(after.status, 429, `expected the client that spent its budget to be refused after the instance restarted; got ${after.status}. The count must outlive the process.`);
  });

  test("every key the limiter writes is under the run's prefix and expires within one window", async () => {
    const { apps, redis, namespace } = gateway();
    const ip = freshIp();
    const replies: Reply[] = [];
    for (let i = 0; i < LIMIT + 3; i++) replies.push(await call(apps[i % 2]!.url, { ip }));
    const firstAdmitted = replies.find((r) => r.status < 300);
    const readAt = performance.now();
    const keys = await redis.keys(`${namespace}:*`);
    assert.ok(keys.length > 0, `expected the limiter's keys in Redis under the prefix "${namespace}:" (config.prefix); found none`);
    for (const key of keys) {
      const pttl = await redis.pttl(key);
      assert.notEqual(pttl, -1, `${key} has no expiry: a key per client that never expires grows Redis forever (every address that ever called stays)`);
      assert.ok(
        pttl > 0 && pttl <= WINDOW_SECONDS * 1000 + 1000,
        `expected ${key} to expire within one window (${WINDOW_SECONDS} s, so a PTTL of at most ${WINDOW_SECONDS * 1000} ms); its PTTL is ${pttl} ms. Seconds or milliseconds?`,
      );
    }
    // The client's first admitted request counts until one window after it was decided (no earlier
    // than it was sent), so the client's key must live at least that long: this test's key is the
    // newest, so the longest PTTL under the prefix must reach that far.
    if (firstAdmitted) {
      const mustLive = Math.floor(firstAdmitted.sent + WINDOW_SECONDS * 1000 - readAt);
      const longest = Math.max(...(await Promise.all(keys.map((key) => redis.pttl(key)))));
      assert.ok(
        longest >= mustLive,
        `expected the client's key to live until its first admitted request leaves the ${WINDOW_SECONDS} s window (a PTTL of at least ${mustLive} ms when read); the longest PTTL under the prefix is ${longest} ms. A key that expires early forgets the budget: PEXPIRE takes milliseconds, EXPIRE seconds.`,
      );
    }
  });

  test("two limiters in one process keep their own settings, keys and connection", async () => {
    // Two gateways can live in one process (tests, a server with two listeners): anything the limiter
    // keeps at module scope, such as one shared Redis client, leaks one's settings into the other.
    const { redisUrl, namespace } = await labServices(["redis"]);
    const settings = (name: string, limit: number) =>
      readConfig({ REDIS_URL: redisUrl, WORKBOOK_NS: `${namespace}:${name}`, RATE_LIMIT: String(limit), RATE_WINDOW_SECONDS: String(WINDOW_SECONDS) });
    const first = createLimiter(settings("first", 2));
    const second = createLimiter(settings("second", 4));
    try {
      const a: boolean[] = [];
      const b: boolean[] = [];
      for (let i = 0; i < 3; i++) a.push((await first.take("ip:192.0.2.50")).allowed);
      for (let i = 0; i < 5; i++) b.push((await second.take("ip:192.0.2.50")).allowed);
      assert.deepEqual(a, [true, true, false], `expected the first limiter (2 per ${WINDOW_SECONDS} s) to admit 2 of 3; got ${JSON.stringify(a)}`);
      assert.deepEqual(b, [true, true, true, true, false], `expected the second limiter (4 per ${WINDOW_SECONDS} s, its own prefix) to admit 4 of 5 for the same client; got ${JSON.stringify(b)}. Its count or its limit is shared with the first one.`);
      const { redis } = gateway();
      for (const name of ["first", "second"]) {
        const keys = await redis.keys(`${namespace}:${name}:*`);
        assert.ok(keys.length > 0, `expected the ${name} limiter's keys under its own prefix "${namespace}:${name}:"; found none there. Is the Redis client (and its keyPrefix) created once per module instead of once per createLimiter()?`);
      }
      await first.close();
      const after = await second.take("ip:192.0.2.51").catch((error: unknown) => error as Error);
      assert.ok(
        !(after instanceof Error) && after.allowed,
        `expected the second limiter to keep working after the first was closed; got ${after instanceof Error ? after.message : JSON.stringify(after)}. Closing one limiter must not close a connection the other uses.`,
      );
    } finally {
      await Promise.allSettled([first.close(), second.close()]);
    }
  });
});
