import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Browser, findSessionKey, useShop } from "./helpers.ts";

describe("state shared through Redis", () => {
  const shop = useShop();

  test("a login through the load balancer stays valid when the next requests land on the other instance", async () => {
    const { lb } = shop();
    const browser = new Browser();
    const login = await browser.request(lb.url, "POST", "/login", { username: "ada" });
    assert.equal(login.status, 201, `login should answer 201; got ${login.status}`);
    for (let i = 0; i < 4; i++) {
      const me = await browser.request(lb.url, "GET", "/me");
      assert.equal(
        me.status,
        200,
        `expected request ${i + 1} after login (served by ${me.instance}, login was on ${login.instance}) to see the session; got ${me.status}. Sessions must live in Redis, not in one process's memory.`,
      );
      assert.equal(me.json.user, "ada");
    }
  });

  test("the cart is the same on every instance, even when two instances add at once", async () => {
    const { lb, apps } = shop();
    const browser = new Browser();
    await browser.request(lb.url, "POST", "/login", { username: "grace" });
    const adds = Array.from({ length: 20 }, () => browser.request(lb.url, "POST", "/cart/items", { sku: "mug", qty: 1 }));
    const statuses = (await Promise.all(adds)).map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200], `every add to cart through the load balancer should answer 200; got ${statuses.join(", ")}`);
    for (const app of apps) {
      const cart = await browser.request(app.url, "GET", "/cart");
      assert.equal(cart.status, 200, `GET /cart on ${app.url} should answer 200; got ${cart.status}`);
      assert.deepEqual(cart.json.cart, { mug: 20 }, `expected ${app.url} to see all 20 mugs added through both instances; got ${JSON.stringify(cart.json.cart)}`);
    }
  });

  test("restarting an instance keeps everyone logged in", async () => {
    const [first] = shop().apps;
    const browser = new Browser();
    await browser.request(first!.url, "POST", "/login", { username: "linus" });
    await first!.restart();
    const me = await browser.request(first!.url, "GET", "/me");
    assert.equal(me.status, 200, `expected the session to survive a restart of the instance that created it; got ${me.status}`);
  });

  test("the session is stored in Redis as session:<id> with a TTL of at most one hour", async () => {
    const s = shop();
    const browser = new Browser();
    await browser.request(s.lb.url, "POST", "/login", { username: "barbara" });
    const found = await findSessionKey(s, browser.sid);
    assert.ok(found.exists, `expected the key ${found.key} in Redis after login${found.note}`);
    const ttl = await s.redis.ttl(found.key);
    assert.notEqual(ttl, -1, `${found.key} has no TTL: abandoned sessions would pile up in Redis forever`);
    assert.ok(ttl > 0 && ttl <= 3600, `expected a TTL between 1 and 3600 seconds on ${found.key}; got ${ttl}`);
    const stored = JSON.parse((await s.redis.get(found.key)) ?? "null") as { user?: string } | null;
    assert.equal(stored?.user, "barbara", `expected ${found.key} to hold the session as JSON with the user name`);
  });

  test("logout deletes the session key, and the old cookie stops working", async () => {
    const s = shop();
    const browser = new Browser();
    await browser.request(s.lb.url, "POST", "/login", { username: "margaret" });
    const found = await findSessionKey(s, browser.sid);
    assert.ok(found.exists, `expected the key ${found.key} in Redis after login${found.note}`);
    const oldCookie = browser.cookie;
    const out = await browser.request(s.lb.url, "POST", "/logout");
    assert.equal(out.status, 204, `logout should answer 204; got ${out.status}`);
    assert.equal(await s.redis.exists(found.key), 0, `expected ${found.key} to be deleted by logout; it is still in Redis`);
    browser.cookie = oldCookie; // as if someone had copied the cookie before logout
    for (const app of s.apps) {
      const me = await browser.request(app.url, "GET", "/me");
      assert.equal(me.status, 401, `the logged-out cookie should get 401 on ${app.url}; got ${me.status}`);
    }
  });
});
