import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { labServices, type Instance } from "#kit/testing/index.ts";
import { loadConfig } from "../src/config.ts";
import { createDatabase } from "../src/db.ts";
import { burst, pooledFixture, startApp } from "./helpers.ts";

// Each product query is held 300 ms by the proxy: with a pool of 2, ten requests queue for a
// connection, and the last ones wait several holds. Only lower bounds on waits are checked: a
// loaded machine makes waits longer, never shorter.
const holdMs = 300;

interface PoolReply {
  checkouts?: number;
  waitMs?: { p50?: number; p95?: number; max?: number };
}

describe("GET /pool reports how long requests waited for a pooled connection", () => {
  let fx: Awaited<ReturnType<typeof pooledFixture>>;
  let app: Instance;
  before(async () => {
    fx = await pooledFixture();
    app = await startApp({ ...fx.env, MONGO_MAX_POOL_SIZE: "2", MONGO_MIN_POOL_SIZE: "0" });
  });
  after(async () => {
    await app?.stop();
    await fx.close();
  });

  async function pool(): Promise<PoolReply> {
    const res = await fetch(`${app.url}/pool`);
    assert.equal(res.status, 200, `expected GET /pool to answer 200; got ${res.status}`);
    return (await res.json()) as PoolReply;
  }

  it("one checkout per query, and the queued ones show waits of several query times, in milliseconds", async () => {
    const before = (await pool()).checkouts ?? 0;
    fx.proxy.hold("products", holdMs);
    const statuses = await burst(app.url, 10);
    fx.proxy.hold("products", 0);
    assert.deepEqual(new Set(statuses), new Set([200]), `expected every request to succeed; got ${statuses.join(", ")}`);
    const stats = await pool();
    const added = (stats.checkouts ?? 0) - before;
    assert.ok(
      added >= 10 && added <= 12,
      `expected 10 product queries to add 10 checkouts (a couple more for the driver's own commands at most); they added ${added}: ${JSON.stringify(stats)}. Record each connectionCheckedOut event once (TODO(4)).`,
    );
    assert.ok(
      (stats.waitMs?.max ?? 0) >= 2 * holdMs,
      `expected GET /pool to show a request that waited at least ${2 * holdMs} ms (10 requests, 2 connections, ${holdMs} ms per query); got ${JSON.stringify(stats)}. ` +
        "Record each checkout's durationMS, in milliseconds, from the connectionCheckedOut event (TODO(4)).",
    );
    assert.ok((stats.waitMs?.p95 ?? 0) >= holdMs, `expected the p95 wait to be at least one query time (${holdMs} ms); got ${JSON.stringify(stats)}`);
    const again = await pool();
    assert.ok(
      (again.checkouts ?? 0) >= (stats.checkouts ?? 0),
      `expected GET /pool to count since start-up, so that reading it changes nothing; a second read showed ${again.checkouts} checkouts after ${stats.checkouts}`,
    );
  });
});

describe("each Database keeps its own wait statistics", () => {
  // Two Databases in one process (two tenants, a test and the app, a worker and the API) must not
  // share one set of figures: each pool's waits are its own.
  it("operations through one Database add checkouts to its stats and none to another's", async () => {
    const { mongoUrl, namespace } = await labServices(["mongo"]);
    const config = loadConfig({ MONGO_URL: mongoUrl, WORKBOOK_NS: namespace, MONGO_MIN_POOL_SIZE: "0" });
    const first = createDatabase(config);
    const second = createDatabase(config);
    try {
      await second.withDb((db) => db.command({ ping: 1 }));
      const secondBefore = second.poolStats().checkouts;
      const firstBefore = first.poolStats().checkouts;
      for (let i = 0; i < 5; i++) await first.withDb((db) => db.command({ ping: 1 }));
      const firstAdded = first.poolStats().checkouts - firstBefore;
      const secondAdded = second.poolStats().checkouts - secondBefore;
      assert.ok(firstAdded >= 5, `expected five operations through the first Database to add at least 5 checkouts to its stats; they added ${firstAdded}`);
      assert.equal(
        secondAdded,
        0,
        `expected the second Database's stats to stay as they were while only the first one worked; they gained ${secondAdded} checkouts. Is the stats object shared at module scope?`,
      );
    } finally {
      await Promise.allSettled([first.close(), second.close()]);
    }
  });
});
