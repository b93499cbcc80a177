import assert from "node:assert/strict";
import { test } from "node:test";
import { call, describe, freshName, openFeed, publish, redis, said, startApp, until } from "./helpers.ts";

test("an update published on one instance reaches every client of every instance, once each, in order", async () => {
  // Two instances of one deployment, in this process: they share nothing but Redis.
  const a = await startApp();
  const b = await startApp();
  const feeds = [await openFeed(a), await openFeed(a), await openFeed(b), await openFeed(b)];
  const order = freshName("order");
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await publish(i % 2 === 0 ? a.url : b.url, order, i % 2 === 0 ? "packed" : "shipped"));
  for (const [i, feed] of feeds.entries()) {
    const on = i < 2 ? "instance A" : "instance B";
    await feed
      .waitFor(`all 6 updates (3 published on each instance) on a client of ${on}`, (m) => m.filter((x) => x.type === "update").length >= 6, 5_000)
      .catch((error: Error) => {
        throw new Error(`expected every update to reach every client, whichever instance it was published on; ${error.message}`);
      });
  }
  // Anything still on its way arrives now; then count.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [i, feed] of feeds.entries()) {
    const got = feed.updates().map((m) => m.id);
    assert.deepEqual(got, ids, `expected client ${i + 1} to get the 6 updates once each, in the order they were published (${ids.join(", ")}); got ${describe(feed.updates())}`);
  }
});

test("a burst of updates published at once on both instances reaches every client, every one of them, in id order", async () => {
  const a = await startApp();
  const b = await startApp();
  const feeds = [await openFeed(a), await openFeed(b)];
  const order = freshName("order");
  // 60 publishes in flight together: the instances receive updates while they are still sending earlier ones.
  const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => publish(i % 2 === 0 ? a.url : b.url, order, "in_transit")));
  const inIdOrder = [...ids].sort(compareIds);
  for (const [i, feed] of feeds.entries()) {
    await feed.waitFor(`all 60 updates on the client of instance ${i === 0 ? "A" : "B"}`, (m) => m.filter((x) => x.type === "update").length >= 60, 5_000).catch((error: Error) => {
      throw new Error(`expected every update of a burst to reach every client, including those that arrive while the instance is busy with the previous ones; ${error.message}`);
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [i, feed] of feeds.entries()) {
    const got = feed.updates().map((m) => m.id);
    assert.deepEqual(got, inIdOrder, `expected client ${i + 1} to get the 60 updates once each, in the order of their ids; got ${describe(feed.updates())}`);
  }
});

/** Stream ids ("<ms>-<seq>") in the order Redis gives them. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

test("closing an instance lets go of every Redis connection it opened, and leaves the other instance's clients alone", async () => {
  const other = await startApp();
  const stays = await openFeed(other);
  const app = await startApp();
  await openFeed(app);
  await publish(app.url, freshName("order"));
  const client = await redis();
  const name = `${app.config.namespace}-${app.config.instance}`;
  const count = async () => String(await client.call("CLIENT", "LIST")).split("\n").filter((line) => line.includes(` name=${name} `)).length;
  assert.ok((await count()) >= 1, `expected the instance's connections to be named ${name} (src/redis.ts names them); CLIENT LIST has none`);
  await app.close();
  let left = 0;
  await until("the closed instance's connections to leave CLIENT LIST", async () => (left = await count()) === 0, 5_000).catch(() => {
    throw new Error(`expected no connection named ${name} once the instance closed; ${left} still open (a blocked reader or a subscriber nobody closed)`);
  });
  const after = await publish(other.url, freshName("order"));
  await stays.waitFor("an update published after the other instance closed", (m) => m.some((x) => x.id === after), 5_000).catch((error: Error) => {
    throw new Error(`expected a client of an instance that is still running to keep getting updates when another instance in the same process closes; ${error.message}`);
  });
});

test("bad input gets a 400 with a JSON error, not a 500", async () => {
  const app = await startApp();
  const cases: [string, string, unknown][] = [
    ["POST", "/orders/has%20space/status", { status: "shipped" }],
    ["POST", `/orders/${"x".repeat(65)}/status`, { status: "shipped" }],
    ["POST", "/orders/o1/status", "{not json"],
    ["POST", "/orders/o1/status", { status: 42 }],
    ["POST", "/orders/o1/status", { status: "shipped", note: "x".repeat(70_000) }],
    ["POST", "/sessions", { user: "" }],
  ];
  for (const [method, path, body] of cases) {
    const reply = await call(app.url, method, path, body);
    assert.equal(reply.status, 400, `expected ${method} ${path.slice(0, 40)} with ${JSON.stringify(body).slice(0, 40)} to answer 400; got ${said(reply)}`);
    assert.equal(typeof reply.json.error, "string", `expected a JSON {"error"} body; got ${said(reply)}`);
  }
});
