import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { call, freshIp, redisRelay, sleep, useGateway, type RedisRelay, type Reply } from "./helpers.ts";

const LIMIT = 3;
const WINDOW_SECONDS = 60;
// Generous for a loaded machine; a limiter that waits for Redis without a deadline never answers at all.
const ANSWER_WITHIN_MS = 8000;

describe("step 5: when Redis is down or stuck, each route follows its policy", () => {
  let relay: RedisRelay | undefined;
  const gateway = useGateway({
    instances: 1,
    limit: LIMIT,
    windowSeconds: WINDOW_SECONDS,
    redisUrl: async (url) => (relay = await redisRelay(url)).url,
  });
  after(async () => {
    await relay?.up();
    await relay?.close();
  });

  /** A request that must be answered quickly; a hung request fails with that said. */
  const quick = async (base: string, options: Parameters<typeof call>[1], what: string): Promise<Reply> => {
    try {
      const reply = await call(base, { ...options, timeoutMs: ANSWER_WITHIN_MS });
      return reply;
    } catch (error) {
      throw new Error(`expected ${what} to be answered within ${ANSWER_WITHIN_MS / 1000} s; it was not (${(error as Error).name}). A limiter that waits for Redis holds every request behind it: give each Redis command a deadline.`);
    }
  };

  const expectPolicies = async (state: string) => {
    const [app] = gateway().apps;
    const ip = freshIp();
    const read = await quick(app!.url, { ip }, `GET /api/items with Redis ${state}`);
    assert.equal(read.status, 200, `expected GET /api/items to fail OPEN with Redis ${state} (served, 200); got ${read.status} ${read.text}`);
    assert.equal(read.headers.get("ratelimit"), null, `expected no RateLimit field when the quota is unknown (Redis ${state}); got ${JSON.stringify(read.headers.get("ratelimit"))}`);
    const write = await quick(app!.url, { ip, method: "POST" }, `POST /api/orders with Redis ${state}`);
    assert.equal(write.status, 503, `expected POST /api/orders to fail CLOSED with Redis ${state} (503: the service cannot meter it, not the client's fault); got ${write.status} ${write.text}`);
    assert.equal(typeof write.json.error, "string", `expected the 503 to carry a JSON error; got ${JSON.stringify(write.text)}`);
    assert.match(write.headers.get("retry-after") ?? "", /^\d+$/, `expected the 503 to say when to retry, in whole seconds (Retry-After); got ${JSON.stringify(write.headers.get("retry-after"))}`);
    const health = await quick(app!.url, { path: "/health" }, `GET /health with Redis ${state}`);
    assert.equal(health.status, 200, `expected /health to answer 200 with Redis ${state}; got ${health.status}`);
  };

  const expectLimitingAgain = async (after: string) => {
    const [app] = gateway().apps;
    const ip = freshIp();
    const deadline = performance.now() + 15_000;
    let last: Reply | undefined;
    while (performance.now() < deadline) {
      last = await call(app!.url, { ip, method: "POST" });
      if (last.status === 429) break;
      await sleep(100);
    }
    assert.equal(last?.status, 429, `expected the limiter to work again within 15 s after ${after} (a client refused after ${LIMIT} orders); the last answer was ${last?.status} ${last?.text}`);
    assert.notEqual(last?.headers.get("ratelimit"), null, "expected the RateLimit field back once Redis answers");
  };

  test("with Redis answering, both routes are limited", async () => {
    const [app] = gateway().apps;
    const ip = freshIp();
    const replies: Reply[] = [];
    for (let i = 0; i < LIMIT + 1; i++) replies.push(await call(app!.url, { ip, method: i % 2 ? "GET" : "POST" }));
    assert.deepEqual(replies.map((r) => r.status), [201, 200, 201, 429], "expected three admitted requests and a 429, reads and orders sharing one budget");
  });

  test("Redis down (connections refused): reads are served, orders refused with 503, the process stays up", async () => {
    relay!.down();
    await expectPolicies("down");
    await expectPolicies("still down");
    assert.equal(gateway().apps[0]!.child.exitCode, null, "expected the instance to keep running while Redis is down");
  });

  test("Redis back: limiting resumes by itself", async () => {
    relay!.up();
    await expectLimitingAgain("Redis came back");
  });

  test("Redis stuck (connected, never answering): the same policies, answered quickly", async () => {
    relay!.stall();
    await expectPolicies("not answering");
    relay!.up();
    await expectLimitingAgain("Redis answered again");
  });
});
