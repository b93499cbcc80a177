import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, catalogue, freshUser, keysByPrimary, keysOutsideNamespace, said, slotOf, spread, useLab } from "./helpers.ts";

const PER_MINUTE = 5;
const PER_HOUR = 8;

describe("step 2: keys used together share a slot, and the rest spread over every primary", () => {
  const lab = useLab({ env: { LIMIT_PER_MINUTE: String(PER_MINUTE), LIMIT_PER_HOUR: String(PER_HOUR), RUN_WORKERS: "0" } });

  test(`the limiter's script runs on the cluster: a user's write number ${PER_MINUTE + 1} within a minute is refused with 429`, async () => {
    // The counters are per clock minute: if a minute turns during the writes, start again with a new user.
    for (let attempt = 1; ; attempt++) {
      const user = freshUser();
      const minute = Math.floor(Date.now() / 60_000);
      for (let i = 1; i <= PER_MINUTE; i++) {
        const reply = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "mug-red", qty: 1 });
        assert.equal(reply.status, 200, `expected cart write ${i} of ${PER_MINUTE} allowed in a minute to succeed; got ${said(reply)}. On a cluster, a script whose keys are in different slots fails with CROSSSLOT.`);
      }
      const refused = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "mug-red", qty: 1 });
      if (Math.floor(Date.now() / 60_000) !== minute && attempt < 3) continue;
      assert.equal(refused.status, 429, `expected write ${PER_MINUTE + 1} within a minute to be refused with 429; got ${said(refused)}`);
      return;
    }
  });

  test("a user's two counters share one slot, the minute's expires within 60 s and the hour's within 3600 s", async () => {
    const user = freshUser();
    const reply = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "mug-red", qty: 1 });
    assert.equal(reply.status, 200, `expected a cart write to succeed; got ${said(reply)}`);
    const counters = (await keysByPrimary(lab())).filter((k) => k.key.includes(user) && !k.key.includes("cart"));
    assert.equal(counters.length, 2, `expected two counter keys for ${user} on the cluster (this minute's and this hour's); found ${counters.map((k) => k.key).join(", ") || "none"}`);
    const slots = await Promise.all(counters.map((k) => slotOf(lab(), k.key)));
    assert.equal(slots[0], slots[1], `expected both counters of one user in one slot (one script touches both); slots ${slots.join(" and ")}`);
    const ttls = (await Promise.all(counters.map((k) => lab().primaries[k.primary]!.client.ttl(k.key)))).sort((a, b) => a - b);
    assert.ok(ttls[0]! > 0 && ttls[0]! <= 60, `expected the minute's counter to expire within 60 s; TTLs are ${ttls.join(" s and ")} s (-1: never)`);
    assert.ok(ttls[1]! > 60 && ttls[1]! <= 3600, `expected the hour's counter to expire after more than a minute and within an hour; TTLs are ${ttls.join(" s and ")} s (-1: never)`);
  });

  test(`a user who has spent the hour's budget (${PER_HOUR}) is refused, even with this minute's budget left`, async () => {
    const user = freshUser();
    const first = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "mug-red", qty: 1 });
    assert.equal(first.status, 200, `expected a cart write to succeed; got ${said(first)}`);
    const counters = (await keysByPrimary(lab())).filter((k) => k.key.includes(user) && !k.key.includes("cart"));
    const withTtl = await Promise.all(counters.map(async (k) => ({ ...k, ttl: await lab().primaries[k.primary]!.client.ttl(k.key) })));
    const hour = withTtl.sort((a, b) => b.ttl - a.ttl)[0];
    assert.ok(hour, `expected counter keys for ${user} on the cluster; found none`);
    // Spend the hour's budget in place, keeping the key's expiry.
    await lab().primaries[hour.primary]!.client.set(hour.key, String(PER_HOUR), "KEEPTTL");
    const refused = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "mug-red", qty: 1 });
    assert.equal(refused.status, 429, `expected a write to be refused once the hour's counter (${hour.key}) reached ${PER_HOUR}; got ${said(refused)}`);
  });

  test("carts, counters and prices spread over all three primaries, and one family's prices share a slot", async () => {
    const products = catalogue("fam", 30, 4);
    const put = await call(lab(), "POST", "/api/products", { products });
    assert.equal(put.status, 204, `expected POST /api/products with ${products.length} prices in 30 families to succeed (204); got ${said(put)}. One MSET across slots fails with CROSSSLOT.`);
    for (let i = 0; i < 60; i++) {
      const reply = await call(lab(), "POST", `/api/carts/${freshUser("spread")}/items`, { sku: products[i]!.sku, qty: 1 });
      assert.equal(reply.status, 200, `expected a cart write to succeed; got ${said(reply)}`);
    }
    const keys = (await keysByPrimary(lab())).filter((k) => k.key.includes(lab().namespace));
    const counts = spread(keys, 3);
    assert.ok(keys.length >= 300, `expected at least 300 keys of this run on the cluster (120 prices, 60 carts, 120 counters); found ${keys.length}`);
    assert.ok(
      counts.every((n) => n >= keys.length * 0.1),
      `expected every primary to hold at least 10 % of the keys; per primary: ${counts.join(" / ")} of ${keys.length}. A hash tag shared by every key (the namespace, say) puts them all in one slot, on one primary, which then stores and serves everything: tag only what must be together.`,
    );
    const priceKeys = keys.filter((k) => products.some((p) => k.key.endsWith(p.sku)));
    for (let f = 0; f < 30; f += 7) {
      const family = priceKeys.filter((k) => products.filter((p) => p.sku.startsWith(`fam${f}-`)).some((p) => k.key.endsWith(p.sku)));
      const slots = new Set(await Promise.all(family.map((k) => slotOf(lab(), k.key))));
      assert.equal(family.length, 4, `expected 4 price keys for family fam${f}; found ${family.map((k) => k.key).join(", ")}`);
      assert.equal(slots.size, 1, `expected the 4 prices of family fam${f} in one slot, so a cart reads them with one command; they are in ${slots.size} slots (${family.map((k) => k.key).join(", ")})`);
    }
    const counterKeys = keys.filter((k) => k.key.includes("spread_") && !k.key.includes("cart"));
    const counterSlots = new Set(await Promise.all(counterKeys.map((k) => slotOf(lab(), k.key))));
    assert.ok(counterSlots.size >= 20, `expected the counters of 60 users in many slots (each user's pair together, users apart); ${counterKeys.length} counters are in ${counterSlots.size} slot(s)`);
    const familySlots = new Set(await Promise.all(priceKeys.map((k) => slotOf(lab(), k.key))));
    assert.ok(familySlots.size >= 20, `expected the 30 families' prices in many slots (one per family); they are in ${familySlots.size}`);
  });

  test("a malformed product or cart write is 400 with a JSON error, not 500", async () => {
    for (const [path, body] of [
      ["/api/products", { products: [{ sku: "Mug Red", priceCents: 100 }] }],
      ["/api/products", { products: [{ sku: "mug-red", priceCents: -1 }] }],
      ["/api/products", { products: [] }],
      [`/api/carts/${freshUser()}/items`, { sku: "mug-red", qty: 0 }],
      [`/api/carts/${freshUser()}/items`, { sku: "mug-red", qty: "2" }],
      ["/api/carts/NOT%20A%20USER/items", { sku: "mug-red", qty: 1 }],
    ] as const) {
      const reply = await call(lab(), "POST", path, body);
      assert.equal(reply.status, 400, `expected 400 for POST ${path} ${JSON.stringify(body)}; got ${said(reply)}`);
      assert.equal(typeof reply.json.error, "string", `expected a JSON error body; got ${said(reply)}`);
    }
  });

  test("every key the app wrote carries the run's namespace", async () => {
    const outside = await keysOutsideNamespace(lab());
    assert.deepEqual(outside, [], `expected every key on the cluster to contain the namespace "${lab().namespace}" (WORKBOOK_NS); found ${outside.slice(0, 5).join(", ")}`);
  });
});
