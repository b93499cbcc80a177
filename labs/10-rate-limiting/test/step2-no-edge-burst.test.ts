import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, concurrently, freshIp, sleep, worstWindow, type Reply } from "./helpers.ts";
import { useGateway } from "./helpers.ts";

const LIMIT = 10;
const WINDOW_SECONDS = 3;
const WINDOW_MS = WINDOW_SECONDS * 1000;

describe("step 2: no burst at the edge of a window", () => {
  const gateway = useGateway({ limit: LIMIT, windowSeconds: WINDOW_SECONDS });

  test(`no ${WINDOW_SECONDS}-second span admits more than ${LIMIT} requests, even for a client that aims at the moment its budget comes back`, async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const all: Reply[] = [];
    let turn = 0;
    const one = async () => {
      const reply = await call(apps[turn++ % apps.length]!.url, { ip });
      all.push(reply);
      return reply;
    };
    /** Ask once every 50 ms until a request is admitted (the budget has started to come back). */
    const waitForAdmission = async (what: string) => {
      const deadline = performance.now() + 3 * WINDOW_MS;
      for (;;) {
        const reply = await one();
        if (reply.status >= 200 && reply.status < 300) return reply;
        assert.equal(reply.status, 429, `expected 200 or 429 while ${what}; got ${reply.status}`);
        assert.ok(performance.now() < deadline, `expected a request to be admitted again within ${3 * WINDOW_SECONDS} s of spending the budget (${what}); every one was refused`);
        await sleep(50);
      }
    };

    // A: spend the budget. B: find the moment it starts coming back.
    for (let i = 0; i < 3 * LIMIT; i++) if ((await one()).status === 429) break;
    const back = await waitForAdmission("waiting for the budget to come back");
    // C: just before one window has passed since then (where a fixed window would reset), spend
    // everything that is offered; D: as soon as anything is admitted again, spend everything again.
    await sleep(Math.max(0, back.received + WINDOW_MS - 900 - performance.now()));
    all.push(...(await concurrently(apps, LIMIT, { ip })));
    await waitForAdmission("waiting for the budget to come back a second time");
    all.push(...(await concurrently(apps, LIMIT, { ip })));

    const worst = worstWindow(all, WINDOW_MS);
    const timeline = all
      .filter((r) => r.status < 300)
      .map((r) => Math.round(r.sent - all[0]!.sent))
      .join(", ");
    assert.ok(
      worst.count <= LIMIT,
      `expected at most ${LIMIT} admitted requests in any ${WINDOW_SECONDS} s (the policy); ${worst.count} were admitted within ${WINDOW_SECONDS} s of each other (admitted at ms ${timeline}). A fixed window starts again from zero at each boundary, so spending the budget just before and just after one doubles it; a token bucket with a burst of ${LIMIT} lets a full burst plus the refill through. Count the requests of the last ${WINDOW_SECONDS} seconds, whenever "now" is.`,
    );

    // Memory per client is bounded by the quota: a log that only ever grows (old entries never
    // removed, the key's expiry refreshed by every call) costs more with every request a client makes.
    const { redis, namespace } = gateway();
    for (const key of await redis.keys(`${namespace}:*`)) {
      const type = await redis.type(key);
      const size =
        type === "zset" ? await redis.zcard(key) : type === "list" ? await redis.llen(key) : type === "hash" ? await redis.hlen(key) : type === "set" ? await redis.scard(key) : 0;
      assert.ok(
        size <= LIMIT,
        `expected no key to hold more than ${LIMIT} entries (the quota) for one client; ${key} (a ${type}) holds ${size} after ${all.length} requests. Remove the entries that have left the window as you go, or the log grows with every request the client ever made.`,
      );
    }
  });
});
