// Promise 3: checkout answers 201 whatever the email provider does; every order's confirmation is
// delivered exactly once, through 503s, 429s and a worker killed mid-run; and the provider's busiest
// second never goes over its budget.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { Shop } from "../shop-stack.ts";
import { call, newUser, placeOrder, shopForTest, sleep, until } from "./support.ts";

let shop: Shop;
before(async () => {
  shop = await shopForTest({ emailCallsPerSecond: 5 });
});

/** Deliveries per order id (the provider's Idempotency-Key is the order id; the subject names it too). */
function deliveriesOf(orderIds: readonly string[]): Map<string, number> {
  const counts = new Map(orderIds.map((id) => [id, 0]));
  for (const d of shop.email!.deliveries) {
    const id = orderIds.find((o) => d.idempotencyKey === o || d.subject.includes(o));
    if (id) counts.set(id, counts.get(id)! + 1);
  }
  return counts;
}

test("checkout answers 201 while the email provider answers 503 to everything, and the email goes once it heals", async () => {
  const user = await newUser(shop.url, "outage");
  shop.email!.configure({ failureRate: 1 });
  let answer;
  try {
    answer = await placeOrder(shop.url, user, 11);
  } finally {
    setTimeout(() => shop.email!.configure({ failureRate: 0 }), 1500);
  }
  assert.equal(answer.status, 201, `expected POST /checkout to answer 201 while the provider fails every call (the order is stored; its email can go later); got ${answer.status} ${answer.text.slice(0, 200)}`);
  const orderId = String(answer.body.orderId);
  await until(`the confirmation of order ${orderId} to be delivered once the provider heals`, () => deliveriesOf([orderId]).get(orderId)! > 0, 20_000).catch((error: Error) =>
    assert.fail(`expected the confirmation of order ${orderId} to be delivered after the provider came back; ${error.message} (provider: ${JSON.stringify(shop.email!.stats())})`),
  );
  assert.equal(deliveriesOf([orderId]).get(orderId), 1, `expected exactly one confirmation for order ${orderId}`);
});

test("20 orders get one email each through 503s, 429s and a SIGKILL of the worker, and the provider's busiest second stays within its budget", async () => {
  await sleep(1500);
  shop.email!.reset();
  shop.email!.configure({ failureRate: 0.2 });
  shop.email!.failNext(4);
  const users = await Promise.all(Array.from({ length: 5 }, (_, i) => newUser(shop.url, `buyer${i}`)));
  const orderIds: string[] = [];
  let killed = false;
  let over = false;
  const killer = (async () => {
    await until("the first confirmations to be delivered", () => over || shop.email!.stats().delivered >= 3, 30_000);
    if (over) return;
    await shop.worker.kill("SIGKILL");
    killed = true;
    await sleep(500);
    await shop.worker.restart();
  })();
  // Five buyers check out four times each, side by side: a flash sale in miniature. Whatever happens,
  // the worker is not killed (nor started again) after this test has ended.
  await Promise.all(
    users.map(async (user, u) => {
      for (let i = 0; i < 4; i++) {
        const answer = await placeOrder(shop.url, user, 20 + u * 4 + i);
        assert.equal(answer.status, 201, `expected POST /checkout to answer 201; got ${answer.status} ${answer.text.slice(0, 200)}`);
        orderIds.push(String(answer.body.orderId));
      }
    }),
  ).catch(async (error: unknown) => {
    over = true;
    await killer.catch(() => {});
    throw error;
  });
  await killer;
  assert.ok(killed, "the worker should have been killed mid-run");
  await until("every order's confirmation to be delivered", () => [...deliveriesOf(orderIds).values()].every((n) => n > 0), 45_000).catch((error: Error) => {
    const missing = [...deliveriesOf(orderIds)].filter(([, n]) => n === 0).map(([id]) => id);
    assert.fail(`expected all 20 confirmations delivered (the worker was killed with SIGKILL and started again); ${missing.length} never came: ${missing.slice(0, 5).join(", ")}; ${error.message}`);
  });
  const twice = [...deliveriesOf(orderIds)].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], `expected exactly one confirmation per order; these orders got more: ${JSON.stringify(twice)} (the provider dedupes only calls that carry the order id as Idempotency-Key)`);
  const stats = shop.email!.stats();
  assert.ok(
    stats.maxCallsInAnySecond <= shop.emailCallsPerSecond,
    `expected the provider's busiest second to stay within its budget of ${shop.emailCallsPerSecond} calls (retries count); it saw ${stats.maxCallsInAnySecond} calls in one second (${JSON.stringify(stats)}). The provider counts any sliding second: calls exactly 1/rate apart put rate + 1 of them in one, and calls reach it a little early or late`,
  );
  // A sender that paces itself under the budget meets 429 rarely: allow a couple (a worker restarting
  // mid-window), never 429 as the way the budget is found.
  assert.ok(stats.rateLimited <= Math.max(2, stats.calls * 0.1), `expected at most a couple of 429s from the provider (a sender should pace itself under the budget, not find it by being refused); got ${stats.rateLimited} of ${stats.calls} calls`);
});

test("checkout answers 201 well before a slow provider answers, and a checkout retried with its Idempotency-Key is the same order", async () => {
  await sleep(1500);
  shop.email!.reset();
  shop.email!.configure({ failureRate: 0, delayMs: 5000 });
  try {
    const user = await newUser(shop.url, "patient");
    const key = `retry-${Date.now()}`;
    const placed = await placeOrder(shop.url, user, 50, { "idempotency-key": key });
    assert.equal(placed.status, 201, `expected POST /checkout to answer 201; got ${placed.status} ${placed.text.slice(0, 200)}`);
    // Within the run: the provider holds every answer 5 s; a checkout that waits for the email takes longer.
    assert.ok(placed.ms < 2500, `expected POST /checkout to answer well before the provider's 5 s answer (under 2.5 s): the client waits for the order, not for its email; it took ${placed.ms.toFixed(0)} ms`);
    const again = await call(shop.url, "POST", "/checkout", { cookie: user.cookie, headers: { "idempotency-key": key } });
    assert.equal(again.status, 201, `expected a checkout retried with the same Idempotency-Key to answer 201 with the same order; got ${again.status} ${again.text.slice(0, 200)}`);
    assert.equal(String(again.body.orderId), String(placed.body.orderId), `expected the retried checkout to give the same order`);
    const orderId = String(placed.body.orderId);
    await until(`the confirmation of order ${orderId}`, () => deliveriesOf([orderId]).get(orderId)! > 0, 20_000);
    await sleep(6000);
    assert.equal(deliveriesOf([orderId]).get(orderId), 1, `expected exactly one confirmation for order ${orderId}, checked out twice with one Idempotency-Key`);
  } finally {
    shop.email!.configure({ delayMs: 0 });
  }
});

test("a worker killed while the provider holds its answer: the confirmation is not sent twice, and one never answered arrives within 20 s", async () => {
  await sleep(1500);
  shop.email!.reset();
  const user = await newUser(shop.url, "killed");
  try {
    // 1. The provider has delivered and holds its 200 for 4 s: the worker dies between the provider's
    //    answer and the job's completion. The job runs again; the email must not go twice.
    shop.email!.configure({ failureRate: 0, delayMs: 4000 });
    const first = await placeOrder(shop.url, user, 51);
    assert.equal(first.status, 201, `expected POST /checkout to answer 201; got ${first.status} ${first.text.slice(0, 200)}`);
    const delivered = String(first.body.orderId);
    await until(`the provider to receive the confirmation of order ${delivered}`, () => deliveriesOf([delivered]).get(delivered)! > 0, 20_000);
    await shop.worker.kill("SIGKILL");
    shop.email!.configure({ delayMs: 0 });
    await shop.worker.restart();
    // Whatever the worker does about the job it lost (a replay with the same key is fine), give it time.
    await until("the lost job to run again", () => shop.email!.stats().duplicates > 0 || deliveriesOf([delivered]).get(delivered)! > 1, 20_000).catch(() => {});
    const keys = shop.email!.deliveries.filter((d) => d.subject.includes(delivered)).map((d) => d.idempotencyKey);
    assert.deepEqual(keys, [delivered], `expected order ${delivered}'s confirmation delivered once, with the order id as its Idempotency-Key, after the worker was killed while the provider held its 200; the provider delivered it with the keys ${JSON.stringify(keys)}`);

    // 2. The provider holds a 503 for 4 s (nothing was sent) and the worker dies meanwhile: the job it
    //    held must come back soon, not after a lock of 30 s.
    shop.email!.configure({ failureRate: 1, delayMs: 4000 });
    const callsBefore = shop.email!.stats().calls;
    const second = await placeOrder(shop.url, user, 52);
    assert.equal(second.status, 201, `expected POST /checkout to answer 201; got ${second.status} ${second.text.slice(0, 200)}`);
    const lost = String(second.body.orderId);
    await until(`the worker to call the provider for order ${lost}`, () => shop.email!.stats().calls > callsBefore, 20_000);
    await shop.worker.kill("SIGKILL");
    const killedAt = Date.now();
    shop.email!.configure({ failureRate: 0, delayMs: 0 });
    await shop.worker.restart();
    await until(`the confirmation of order ${lost}`, () => deliveriesOf([lost]).get(lost)! > 0, 20_000).catch(() => {});
    const took = Date.now() - killedAt;
    assert.equal(deliveriesOf([lost]).get(lost), 1, `expected order ${lost}'s confirmation within 20 s of the worker's SIGKILL (its job was in flight, the provider's 503 not yet answered); ${took} ms later it had ${deliveriesOf([lost]).get(lost)} (a killed worker's job waits for its lock to expire: BullMQ's default lock is 30 s)`);
  } finally {
    shop.email!.configure({ failureRate: 0, delayMs: 0 });
  }
});

test("through a long run of 429s the worker waits as Retry-After says, and every order still gets its email", async (t) => {
  await sleep(1500);
  shop.email!.reset();
  const user = await newUser(shop.url, "throttled");
  // The provider's budget drops to one call every 4 s for 12 s: a quota used up by another sender.
  shop.email!.configure({ callsPerSecond: 0.25, burst: 1, failureRate: 0, delayMs: 0 });
  const orderIds: string[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const placed = await placeOrder(shop.url, user, 53 + i);
      assert.equal(placed.status, 201, `expected POST /checkout to answer 201; got ${placed.status} ${placed.text.slice(0, 200)}`);
      orderIds.push(String(placed.body.orderId));
    }
    await sleep(12_000);
  } finally {
    shop.email!.configure({ callsPerSecond: shop.emailCallsPerSecond, burst: shop.emailCallsPerSecond });
  }
  const during = shop.email!.stats();
  t.diagnostic(`provider during the 429s: ${JSON.stringify(during)}`);
  // A sender that waits Retry-After before its next call meets about one 429 per call admitted; one
  // that retries on its own schedule meets many, and spends its jobs' attempts on them.
  assert.ok(
    during.rateLimited <= 2 * during.admitted + 2,
    `expected the worker to wait as long as each 429's Retry-After says (about one 429 per call admitted while the provider allows one call every 4 s); in 12 s it got ${during.rateLimited} 429s for ${during.admitted} calls admitted (${JSON.stringify(during)})`,
  );
  await until("every order's confirmation after the 429s", () => [...deliveriesOf(orderIds).values()].every((n) => n > 0), 40_000).catch(() => {});
  const counts = [...deliveriesOf(orderIds)];
  assert.deepEqual(counts.filter(([, n]) => n !== 1), [], `expected exactly one confirmation per order once the provider's budget came back (a 429 must not spend a job's attempts); got ${JSON.stringify(counts)}`);
});

test("an Idempotency-Key holds on every instance and for retries sent at once, and belongs to the user who sent it", async () => {
  const [user, stranger] = await Promise.all([newUser(shop.url, "retrier"), newUser(shop.url, "stranger")]);
  const key = `order-${Date.now()}`;
  const checkout = (base: string, who = user) => call(base, "POST", "/checkout", { cookie: who.cookie, headers: { "idempotency-key": key } });
  const added = await call(shop.url, "POST", "/cart/items", { cookie: user.cookie, body: { productId: 60, quantity: 1 } });
  assert.equal(added.status, 200, `expected POST /cart/items to answer 200 while setting up; got ${added.status} ${added.text.slice(0, 200)}`);
  // A client whose first try timed out sends its retries at once, and the balancer spreads them: one per instance.
  const racing = await Promise.all(shop.instances.map((app) => checkout(app.url)));
  assert.deepEqual(racing.map((a) => a.status), racing.map(() => 201), `expected ${racing.length} checkouts sent at once with one Idempotency-Key, one to each instance, all to answer 201 with the same order; got ${racing.map((a) => `${a.status} ${a.text.slice(0, 80)}`).join("; ")}`);
  const orderIds = [...new Set(racing.map((a) => String(a.body.orderId)))];
  assert.equal(orderIds.length, 1, `expected checkouts sent at once with one Idempotency-Key to be one order; they made ${orderIds.length}: ${orderIds.join(", ")} (two requests can both find no order with the key before either stores one)`);
  // Retried later, on each instance directly: whichever instance placed the order, every one knows the key.
  for (const app of shop.instances) {
    const again = await checkout(app.url);
    assert.equal(again.status, 201, `expected the checkout retried with its Idempotency-Key on ${app.name} to answer 201 with the same order; got ${again.status} ${again.text.slice(0, 200)} (a key remembered by one instance only is forgotten by the others)`);
    assert.equal(String(again.body.orderId), orderIds[0], `expected the checkout retried with its Idempotency-Key on ${app.name} to give order ${orderIds[0]}; it gave ${again.body.orderId}`);
  }
  const mine = await call(shop.url, "GET", "/orders", { cookie: user.cookie });
  assert.deepEqual(mine.body?.items?.map((o: { orderId: string }) => o.orderId), orderIds, `expected one order after one checkout retried ${racing.length + shop.instances.length - 1} times with its Idempotency-Key; GET /orders shows ${JSON.stringify(mine.body?.items?.map((o: { orderId: string }) => o.orderId))}`);
  // Another user who happens to choose the same key (a counter, a date) places an order of their own.
  const strangerAdded = await call(shop.url, "POST", "/cart/items", { cookie: stranger.cookie, body: { productId: 61, quantity: 2 } });
  assert.equal(strangerAdded.status, 200, `expected POST /cart/items to answer 200 while setting up; got ${strangerAdded.status} ${strangerAdded.text.slice(0, 200)}`);
  const theirs = await checkout(shop.url, stranger);
  assert.equal(theirs.status, 201, `expected another user's checkout with the same Idempotency-Key to answer 201; got ${theirs.status} ${theirs.text.slice(0, 200)}`);
  assert.notEqual(String(theirs.body.orderId), orderIds[0], `expected another user's checkout that happens to use the same Idempotency-Key to place their own order, not to be answered with ${user.email}'s order ${orderIds[0]} (a key is the client's, not the shop's)`);
  const strangers = await call(shop.url, "GET", "/orders", { cookie: stranger.cookie });
  assert.deepEqual(strangers.body?.items?.map((o: { orderId: string }) => o.orderId), [String(theirs.body.orderId)], `expected the other user's GET /orders to show their one order; got ${strangers.text.slice(0, 200)}`);
});
