import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admitted, call, concurrently, freshIp, sleep, statuses, useGateway } from "./helpers.ts";

// A long window, so nothing comes back during a test: these tests count, they do not time.
const LIMIT = 10;
const WINDOW_SECONDS = 60;

describe("step 1: one budget for all instances, in Redis", () => {
  const gateway = useGateway({ limit: LIMIT, windowSeconds: WINDOW_SECONDS });

  test("a client that alternates between two instances gets its limit once, not once per instance", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const replies = [];
    for (let i = 0; i < 3 * LIMIT; i++) replies.push(await call(apps[i % 2]!.url, { ip }));
    assert.equal(
      admitted(replies),
      LIMIT,
      `expected exactly ${LIMIT} of ${3 * LIMIT} requests from one client, alternating between two instances, to be admitted (policy: ${LIMIT} per ${WINDOW_SECONDS} s); got ${statuses(replies)}. A count kept in each process's memory gives the client its budget once per instance.`,
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
    // The restarted process may still be connecting to Redis: probe from another address until its
    // limiter decides (a RateLimit field appears), for up to 15 s, then ask once for the spent client.
    const probe = freshIp();
    for (const deadline = performance.now() + 15_000; performance.now() < deadline; await sleep(100)) {
      if ((await call(apps[0]!.url, { ip: probe })).headers.get("ratelimit")) break;
    }
    const after = await call(apps[0]!.url, { ip });
    assert.equal(after.status, 429, `expected the client that spent its budget to be refused after the instance restarted; got ${after.status}. The count must outlive the process.`);
  });

  test("every key the limiter writes is under the run's prefix and expires within one window", async () => {
    const { apps, redis, namespace } = gateway();
    const ip = freshIp();
    for (let i = 0; i < LIMIT + 3; i++) await call(apps[i % 2]!.url, { ip });
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
  });
});
