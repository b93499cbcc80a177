import assert from "node:assert/strict";
import { test } from "node:test";
import { describe, freshName, login, openFeed, publish, redis, services, sleep, startApp, tryFeed } from "./helpers.ts";

const WINDOW = 20;
const env = { REPLAY_WINDOW: String(WINDOW) };

test("a client that reconnects with its last id gets exactly what it missed, in order, then live updates", async () => {
  const a = await startApp(env);
  const b = await startApp(env);
  const order = freshName("order");
  const first = await openFeed(a);
  const seen = [await publish(a.url, order), await publish(a.url, order), await publish(a.url, order)];
  await first.waitFor("the first 3 updates", (m) => m.filter((x) => x.type === "update").length >= 3);
  first.ws.terminate();
  const missed: string[] = [];
  for (let i = 0; i < 5; i++) missed.push(await publish(i % 2 ? a.url : b.url, order, "in_transit"));
  const again = await openFeed(b, { lastId: seen[2] });
  await again.waitFor("the 5 missed updates", (m) => m.filter((x) => x.type === "update").length >= 5, 5_000).catch((error: Error) => {
    throw new Error(`expected a client that reconnects with lastId=${seen[2]} to get the 5 updates published since; ${error.message}`);
  });
  const live = await publish(a.url, order, "delivered");
  await again.waitFor("the live update", (m) => m.some((x) => x.id === live), 5_000);
  await sleep(200);
  assert.deepEqual(again.updates().map((m) => m.id), [...missed, live], `expected exactly the 5 missed updates (not ${seen[2]} again, nothing older), then the live one; got ${describe(again.messages)}`);
  assert.ok(!again.messages.some((m) => m.type === "reload"), `expected no reload: the missed updates are inside the window; got ${describe(again.messages)}`);
});

test("the history is bounded: Redis keeps at most REPLAY_WINDOW updates", async () => {
  const app = await startApp(env);
  const order = freshName("order");
  for (let i = 0; i < WINDOW + 15; i++) await publish(app.url, order);
  const client = await redis();
  const { namespace } = await services();
  let cursor = "0";
  const sizes: string[] = [];
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${namespace}*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      if (type === "stream") sizes.push(`${key}: ${await client.xlen(key)}`);
      if (type === "list" || type === "zset") sizes.push(`${key} (${type}): ${type === "list" ? await client.llen(key) : await client.zcard(key)}`);
    }
  } while (cursor !== "0");
  assert.ok(sizes.length > 0, `expected the updates' history in Redis under the namespace ${namespace}; found no stream (nor list, nor sorted set)`);
  for (const line of sizes) {
    const size = Number(line.split(": ").pop());
    assert.ok(size <= WINDOW, `expected at most REPLAY_WINDOW=${WINDOW} updates kept after ${WINDOW + 15} were published; got ${line}`);
  }
});

test("a client whose last id is the oldest one still kept gets everything after it, with no reload", async () => {
  const app = await startApp(env);
  const order = freshName("order");
  const ids: string[] = [];
  for (let i = 0; i < WINDOW + 5; i++) ids.push(await publish(app.url, order));
  // ids[0..4] were trimmed; ids[5..] are kept. A client that has ids[5] can catch up on the other 19.
  const edge = await openFeed(app, { lastId: ids[5] });
  await edge.waitFor(`the ${WINDOW - 1} updates after ${ids[5]}`, (m) => m.filter((x) => x.type === "update").length >= WINDOW - 1 || m.some((x) => x.type === "reload"), 5_000).catch((error: Error) => {
    throw new Error(`expected a client with lastId=${ids[5]} (the oldest update kept) to get the ${WINDOW - 1} after it; ${error.message}`);
  });
  await sleep(200);
  assert.ok(!edge.messages.some((m) => m.type === "reload"), `expected no reload for lastId=${ids[5]}: it is still in the window; got ${describe(edge.messages)}`);
  assert.deepEqual(edge.updates().map((m) => m.id), ids.slice(6), `expected exactly the ${WINDOW - 1} updates after ${ids[5]}, in order; got ${describe(edge.messages)}`);
});

test("a client whose last id fell out of the window is told to reload, and then follows live updates", async () => {
  const app = await startApp(env);
  const order = freshName("order");
  const ids: string[] = [];
  for (let i = 0; i < WINDOW + 5; i++) ids.push(await publish(app.url, order));
  for (const lastId of [ids[4]!, ids[0]!, "1-0"]) {
    const old = await openFeed(app, { lastId });
    await old.waitFor(`a reload message for lastId=${lastId}`, (m) => m.some((x) => x.type === "reload"), 5_000).catch((error: Error) => {
      throw new Error(`expected {"type":"reload"} for lastId=${lastId}: it is no longer in the window, so a replay could silently skip updates; ${error.message}`);
    });
    const firstAfterHello = old.messages.find((m) => m.type !== "hello");
    assert.equal(firstAfterHello?.type, "reload", `expected the reload message before any update; got ${describe(old.messages)}`);
    const live = await publish(app.url, order, "delivered");
    await old.waitFor("the next live update after the reload", (m) => m.some((x) => x.id === live), 5_000);
    await sleep(100);
    assert.deepEqual(old.updates().map((m) => m.id), [live], `expected nothing but live updates after the reload (the client reloads the current state; old updates would only repeat it); got ${describe(old.messages)}`);
    old.ws.terminate();
  }
});

test("a last id the feed never sent (from the future) is told to reload, not trusted", async () => {
  const app = await startApp(env);
  await publish(app.url, freshName("order"));
  const future = await openFeed(app, { lastId: `${Date.now() + 86_400_000}-0` });
  await future.waitFor("a reload message", (m) => m.some((x) => x.type === "reload"), 5_000).catch((error: Error) => {
    throw new Error(`expected a reload for a lastId later than any update (the client's state cannot be ours); ${error.message}`);
  });
  const live = await publish(app.url, freshName("order"));
  await future.waitFor("the next live update", (m) => m.some((x) => x.id === live), 5_000).catch((error: Error) => {
    throw new Error(`expected live updates to flow after the reload, whatever lastId said; ${error.message}`);
  });
});

test("a malformed lastId is refused with 400 before the socket opens", async () => {
  const app = await startApp(env);
  const cookie = await login(app.url);
  for (const lastId of ["abc", "", "1", "1-", "-1", "1-1-1", "1.5-0", "x1-1", "1-1x", " 1-1", "18446744073709551616-0", "0-18446744073709551616", "1e3-0"]) {
    const opened = await tryFeed(app.wsUrl, { cookie, lastId });
    if (opened.ok) opened.feed.ws.terminate();
    assert.ok(!opened.ok && opened.status === 400, `expected lastId=${JSON.stringify(lastId)} to be refused with 400 on the upgrade; got ${opened.ok ? "101 and an open socket" : `${opened.status} ${opened.body.slice(0, 120)}`}`);
    assert.match(opened.ok ? "" : opened.body, /"error"/, `expected a JSON {"error"} body for lastId=${JSON.stringify(lastId)}`);
  }
  const fine = await tryFeed(app.wsUrl, { cookie, lastId: "18446744073709551615-18446744073709551615" });
  assert.ok(fine.ok, `expected the largest well-formed id to be accepted (and answered with a reload); got ${fine.ok ? "" : `${fine.status} ${fine.body}`}`);
});

test("a replay runs alongside live updates: none is lost, none is sent twice", async () => {
  const a = await startApp(env);
  const b = await startApp(env);
  const order = freshName("order");
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push(await publish(a.url, order));
  const during = (async () => {
    const more: string[] = [];
    for (let i = 0; i < 10; i++) more.push(await publish(i % 2 ? a.url : b.url, order, "in_transit"));
    return more;
  })();
  const feed = await openFeed(b, { lastId: ids[0] });
  const more = await during;
  const expected = [...ids.slice(1), ...more];
  await feed.waitFor(`all ${expected.length} updates after ${ids[0]}`, (m) => m.filter((x) => x.type === "update").length >= expected.length, 5_000).catch((error: Error) => {
    throw new Error(`expected the 7 replayed updates and the 10 published during the replay; ${error.message}`);
  });
  await sleep(300);
  assert.deepEqual(feed.updates().map((m) => m.id), expected, `expected every update after ${ids[0]} once, in order; got ${describe(feed.updates())}`);
});

test("a replay that Redis answers slowly still gives every update once, in order, then the live ones", async () => {
  // Instance a's reads of the history reach Redis 1 s late; its live reads do not. Updates published in that
  // second are live on a while its replay is still on the way, and they are in the replay too.
  const a = await startApp(env, { slowHistoryMs: 1_000 });
  const b = await startApp(env);
  const order = freshName("order");
  const before: string[] = [];
  for (let i = 0; i < 4; i++) before.push(await publish(b.url, order));
  const feed = await openFeed(a, { lastId: before[0] });
  const during: string[] = [];
  for (let i = 0; i < 4; i++) during.push(await publish(b.url, order, "in_transit"));
  const expected = [...before.slice(1), ...during];
  await feed.waitFor(`all ${expected.length} updates after ${before[0]}`, (m) => m.filter((x) => x.type === "update").length >= expected.length, 8_000).catch((error: Error) => {
    throw new Error(`expected the 3 missed updates and the 4 published while the replay was read; ${error.message}`);
  });
  await sleep(300);
  assert.deepEqual(feed.updates().map((m) => m.id), expected, `expected every update after ${before[0]} once, in id order, although live updates came in while the replay was read; got ${describe(feed.updates())}`);
});
