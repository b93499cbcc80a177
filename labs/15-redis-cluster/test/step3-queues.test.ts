import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, freshUser, keysByPrimary, keysOutsideNamespace, said, sleep, slotOf, useLab } from "./helpers.ts";

describe("step 3: each queue lives in a slot of its own", () => {
  const lab = useLab();

  test("a checkout on the cluster is booked, and its receipt is sent", async () => {
    const user = freshUser();
    const put = await call(lab(), "POST", "/api/products", { products: [{ sku: "lamp-tall", priceCents: 4200 }] });
    assert.equal(put.status, 204, `expected the price to be stored; got ${said(put)}`);
    const add = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "lamp-tall", qty: 2 });
    assert.equal(add.status, 200, `expected a cart write to succeed; got ${said(add)}`);
    const checkout = await call(lab(), "POST", `/api/carts/${user}/checkout`);
    assert.equal(checkout.status, 202, `expected the checkout to be accepted (202 with an orderId); got ${said(checkout)}. On a cluster, a BullMQ queue whose keys are in several slots fails with CROSSSLOT in its scripts.`);
    let state = "";
    for (let i = 0; i < 100 && state !== "completed"; i++) {
      const order = await call(lab(), "GET", `/api/orders/${checkout.json.orderId}`);
      state = String(order.json.state);
      if (state !== "completed") await sleep(100);
    }
    assert.equal(state, "completed", `expected order ${checkout.json.orderId} to be booked by the orders worker within 10 s; its state is ${state}`);
    const queueKeys = (await keysByPrimary(lab())).map((k) => k.key).filter((key) => key.includes(":orders:") || key.includes(":emails:"));
    assert.ok(queueKeys.some((key) => key.includes(":orders:")), `expected the orders queue's keys on the cluster (REDIS_CLUSTER_URL); found ${queueKeys.length === 0 ? "no queue key at all: the queues still run on the one Redis of REDIS_URL" : queueKeys.slice(0, 5).join(", ")}`);
    let sent = 0;
    for (let i = 0; i < 100 && sent === 0; i++) {
      const completed = (await keysByPrimary(lab())).find((k) => k.key.includes(":emails:") && k.key.endsWith(":completed"));
      sent = completed ? await lab().primaries[completed.primary]!.client.zcard(completed.key) : 0;
      if (sent === 0) await sleep(100);
    }
    assert.ok(sent >= 1, "expected the receipt to be sent: a completed job in the emails queue on the cluster within 10 s; found none");
  });

  test("each queue's keys share one slot, and the two queues are in different slots", async () => {
    const keys = (await keysByPrimary(lab())).map((k) => k.key);
    const slotsOf = async (queue: string) => {
      const own = keys.filter((key) => key.includes(`:${queue}:`));
      return { own, slots: new Set(await Promise.all(own.map((key) => slotOf(lab(), key)))) };
    };
    const orders = await slotsOf("orders");
    const emails = await slotsOf("emails");
    assert.ok(orders.own.length > 0 && emails.own.length > 0, `expected keys of both queues on the cluster; found ${orders.own.length} of orders and ${emails.own.length} of emails`);
    assert.equal(orders.slots.size, 1, `expected every key of the orders queue in one slot (its scripts touch many at once); they are in ${orders.slots.size} slots`);
    assert.equal(emails.slots.size, 1, `expected every key of the emails queue in one slot; they are in ${emails.slots.size} slots`);
    const [o] = orders.slots;
    const [e] = emails.slots;
    assert.notEqual(o, e, `expected the two queues in different slots, so that queues can spread over the primaries; both are in slot ${o} (one tag for every queue)`);
  });

  test("an order id that is not a number is 400, an unknown one 404, and checking out an empty cart 409", async () => {
    const bad = await call(lab(), "GET", "/api/orders/abc");
    assert.equal(bad.status, 400, `expected 400 for GET /api/orders/abc; got ${said(bad)}`);
    const unknown = await call(lab(), "GET", "/api/orders/987654321");
    assert.equal(unknown.status, 404, `expected 404 for an order that does not exist; got ${said(unknown)}`);
    const empty = await call(lab(), "POST", `/api/carts/${freshUser()}/checkout`);
    assert.equal(empty.status, 409, `expected 409 for checking out an empty cart; got ${said(empty)}`);
  });

  test("every key the app wrote carries the run's namespace, queues included", async () => {
    // A checkout of its own first, so that the queues have keys even when this test runs alone.
    const user = freshUser();
    await call(lab(), "POST", "/api/products", { products: [{ sku: "desk-oak", priceCents: 19900 }] });
    await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "desk-oak", qty: 1 });
    const checkout = await call(lab(), "POST", `/api/carts/${user}/checkout`);
    assert.equal(checkout.status, 202, `expected the checkout to be accepted; got ${said(checkout)}`);
    const queueKeys = (await keysByPrimary(lab())).filter((k) => k.key.includes(":orders:"));
    assert.ok(queueKeys.length > 0, "expected the orders queue to have keys on the cluster after a checkout; found none");
    const outside = await keysOutsideNamespace(lab());
    assert.deepEqual(outside, [], `expected every key on the cluster to contain the namespace "${lab().namespace}" (WORKBOOK_NS); found ${outside.slice(0, 5).join(", ")}`);
  });
});
