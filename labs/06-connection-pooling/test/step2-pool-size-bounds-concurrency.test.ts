import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Instance } from "#kit/testing/index.ts";
import { burst, pooledFixture, startApp } from "./helpers.ts";

// Each product query is held 300 ms by the proxy, like a slow query: concurrent requests can
// only overlap if they hold different pooled connections.
const holdMs = 300;

describe("the pool size comes from configuration and bounds concurrency", () => {
  let fx: Awaited<ReturnType<typeof pooledFixture>>;
  const apps: Instance[] = [];
  before(async () => {
    fx = await pooledFixture();
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.close();
  });

  it("with MONGO_MAX_POOL_SIZE=10, 10 concurrent slow queries run side by side, not one at a time", async () => {
    const app = await startApp({ ...fx.env, MONGO_MAX_POOL_SIZE: "10", MONGO_MIN_POOL_SIZE: "0" });
    apps.push(app);
    fx.proxy.hold("products", holdMs);
    fx.proxy.reset();
    const statuses = await burst(app.url, 10);
    fx.proxy.hold("products", 0);
    assert.deepEqual(new Set(statuses), new Set([200]), `expected every request to succeed; got ${statuses.join(", ")}`);
    assert.ok(
      fx.proxy.maxHeldInFlight >= 4,
      `expected several queries in flight at once on separate pooled connections; at most ${fx.proxy.maxHeldInFlight} were. ` +
        "A pool of 1 serialises every request behind the slowest query.",
    );
  });

  it("with MONGO_MAX_POOL_SIZE=2, never more than 2 queries run at once", async () => {
    const app = await startApp({ ...fx.env, MONGO_MAX_POOL_SIZE: "2", MONGO_MIN_POOL_SIZE: "0" });
    apps.push(app);
    fx.proxy.hold("products", holdMs);
    fx.proxy.reset();
    const statuses = await burst(app.url, 10);
    fx.proxy.hold("products", 0);
    assert.deepEqual(new Set(statuses), new Set([200]), `expected every request to succeed; got ${statuses.join(", ")}`);
    assert.ok(
      fx.proxy.maxHeldInFlight <= 2,
      `expected MONGO_MAX_POOL_SIZE=2 to allow at most 2 queries at once; ${fx.proxy.maxHeldInFlight} ran at once. ` +
        "Read the pool size from configuration and pass it to the MongoClient (TODO(2)).",
    );
  });
});
