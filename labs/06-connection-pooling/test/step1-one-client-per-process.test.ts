import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Instance } from "#kit/testing/index.ts";
import { burst, pooledFixture, sleep, startApp } from "./helpers.ts";

describe("one client per process", () => {
  let fx: Awaited<ReturnType<typeof pooledFixture>>;
  let app: Instance;
  before(async () => {
    fx = await pooledFixture();
    app = await startApp({ ...fx.env, MONGO_MAX_POOL_SIZE: "5", MONGO_MIN_POOL_SIZE: "1" });
  });
  after(async () => {
    await app?.stop();
    await fx.close();
  });

  it("40 requests reuse a handful of pooled connections instead of opening new ones", async () => {
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${app.url}/products/SKU-${String(i + 1).padStart(4, "0")}`);
      assert.equal(res.status, 200, `expected 200 from GET /products/:sku; got ${res.status}: ${await res.text()}`);
      await res.arrayBuffer().catch(() => {});
    }
    // maxPoolSize 5, plus the client's monitoring connections and a little slack.
    assert.ok(
      fx.proxy.accepted <= 8,
      `expected at most 8 TCP connections to MongoDB for 40 requests (pool of 5 + monitoring); the server saw ${fx.proxy.accepted}. ` +
        "Is a new MongoClient created per request? Create one in createDatabase and share it (TODO(1)).",
    );
  });

  it("bursts of concurrent requests still stay within the pool", async () => {
    for (let round = 0; round < 3; round++) {
      const statuses = await burst(app.url, 10);
      assert.deepEqual(new Set(statuses), new Set([200]), `expected every request to succeed; got ${statuses.join(", ")}`);
    }
    assert.ok(
      fx.proxy.accepted <= 8,
      `expected the pool (maxPoolSize 5 from MONGO_MAX_POOL_SIZE) to cap connections near 5; the server saw ${fx.proxy.accepted} in all`,
    );
  });

  it("a malformed sku gets 400 with a JSON error; an unknown one 404", async () => {
    for (const [path, status] of [["/products/DROP TABLE", 400], ["/products/SKU-12", 400], ["/products/SKU-9999", 404]] as const) {
      const res = await fetch(`${app.url}${path.replace(" ", "%20")}`);
      assert.equal(res.status, status, `expected ${status} for GET ${path}; got ${res.status}`);
      assert.equal(typeof ((await res.json()) as { error?: unknown }).error, "string", `expected a JSON { error } body for ${path}`);
    }
  });

  it("on SIGTERM the process closes its client and exits by itself with code 0", async () => {
    const res = await fetch(`${app.url}/products/SKU-0001`);
    assert.equal(res.status, 200, `expected 200 before shutting down; got ${res.status}`);
    await res.arrayBuffer();
    const exited = app.exited();
    app.signal("SIGTERM");
    const outcome = await Promise.race([exited, sleep(8000).then(() => "still running" as const)]);
    if (outcome === "still running") assert.fail("expected the app to exit within 8 s of SIGTERM; it was still running. Does close() close the MongoClient? An open client keeps the process alive.");
    assert.equal(outcome.code, 0, `expected exit code 0 after SIGTERM; got ${JSON.stringify(outcome)}. Output:\n${app.output().slice(-800)}`);
  });
});
