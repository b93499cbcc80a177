import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { labServices, startInstance, type Instance } from "#kit/testing/index.ts";
import { Browser, exitsBySelf, useShop } from "./helpers.ts";

describe("step 3: carts in Redis", () => {
  const shop = useShop();

  test("the cart is the same on every instance, even when two instances add at once", async () => {
    const { lb, apps } = shop();
    const browser = new Browser();
    await browser.request(lb.url, "POST", "/login", { username: "grace" });
    const adds = [
      ...Array.from({ length: 20 }, () => browser.request(lb.url, "POST", "/cart/items", { sku: "mug", qty: 1 })),
      ...Array.from({ length: 6 }, () => browser.request(lb.url, "POST", "/cart/items", { sku: "tea", qty: 3 })),
    ];
    const statuses = (await Promise.all(adds)).map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200], `every add to cart through the load balancer should answer 200; got ${statuses.join(", ")}`);
    for (const app of apps) {
      const cart = await browser.request(app.url, "GET", "/cart");
      assert.equal(cart.status, 200, `GET /cart on ${app.url} should answer 200; got ${cart.status}`);
      assert.deepEqual(
        cart.json.cart,
        { mug: 20, tea: 18 },
        `expected ${app.url} to see every item added through both instances, as numbers ({"mug":20,"tea":18}); got ${JSON.stringify(cart.json.cart)}`,
      );
    }
  });

  test("the cart belongs to the user: a second login of the same user sees it, another user does not", async () => {
    const { lb, apps } = shop();
    const phone = new Browser();
    await phone.request(apps[0]!.url, "POST", "/login", { username: "barbara" });
    await phone.request(lb.url, "POST", "/cart/items", { sku: "kettle", qty: 2 });
    const laptop = new Browser();
    await laptop.request(apps[1]!.url, "POST", "/login", { username: "barbara" });
    const mine = await laptop.request(apps[1]!.url, "GET", "/cart");
    assert.deepEqual(mine.json.cart, { kettle: 2 }, `expected barbara's second session to see the cart she filled in her first; got ${JSON.stringify(mine.json.cart)}`);
    const stranger = new Browser();
    await stranger.request(apps[0]!.url, "POST", "/login", { username: "dennis" });
    const theirs = await stranger.request(apps[0]!.url, "GET", "/cart");
    assert.deepEqual(theirs.json.cart, {}, `expected another user to start with an empty cart; got ${JSON.stringify(theirs.json.cart)}`);
  });

  test("a cart is bounded: at most 50 different items and 99 of one item, beyond that 409 and no change", async () => {
    const { lb } = shop();
    const browser = new Browser();
    await browser.request(lb.url, "POST", "/login", { username: "hoarder" });
    for (let i = 0; i < 50; i++) {
      const add = await browser.request(lb.url, "POST", "/cart/items", { sku: `item-${i}`, qty: 1 });
      assert.equal(add.status, 200, `adding item ${i + 1} of 50 should answer 200; got ${add.status}`);
    }
    const extra = await browser.request(lb.url, "POST", "/cart/items", { sku: "item-50", qty: 1 });
    assert.equal(extra.status, 409, `expected a 51st different item to be refused with 409; got ${extra.status}`);
    assert.equal((await browser.request(lb.url, "POST", "/cart/items", { sku: "item-0", qty: 98 })).status, 200, "expected 99 of one item to be allowed");
    assert.equal((await browser.request(lb.url, "POST", "/cart/items", { sku: "item-0", qty: 1 })).status, 409, "expected the 100th of one item to be refused with 409");
    const cart = (await browser.request(lb.url, "GET", "/cart")).json.cart as Record<string, number>;
    assert.equal(Object.keys(cart).length, 50, `expected the cart to keep exactly 50 items; it has ${Object.keys(cart).length}`);
    assert.equal(cart["item-0"], 99, `expected 99 of item-0; got ${cart["item-0"]}`);
  });

  describe("stopping", () => {
    let instance: Instance | undefined;
    after(() => instance?.stop());

    test("a stopped instance exits by itself, with code 0: close() releases the Redis connection", async () => {
      const { env } = await labServices(["redis"]);
      instance = await startInstance({ entry: new URL("../src/server.ts", import.meta.url), env });
      const browser = new Browser();
      await browser.request(instance.url, "POST", "/login", { username: "ken" });
      await browser.request(instance.url, "POST", "/cart/items", { sku: "mug", qty: 1 });
      const outcome = await exitsBySelf(instance, 8_000);
      assert.notEqual(outcome, "still running", "expected the instance to exit by itself within 8 s of SIGTERM; it is still running. Something createStore opened is never closed in close().");
      assert.deepEqual(outcome, { code: 0, signal: null }, `expected the instance to exit with code 0 after SIGTERM; it exited with ${JSON.stringify(outcome)}. Its output:\n${instance.output()}`);
    });
  });
});
