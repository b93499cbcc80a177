import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, callsSince, catalogue, freshUser, said, snapshot, useLab } from "./helpers.ts";

const FAMILIES = 4;
const VARIANTS = 10;

const listed = (calls: Map<string, number>) => [...calls].filter(([name]) => !["info", "cluster|slots", "cluster|nodes", "cluster|info", "cluster|keyslot"].includes(name)).map(([name, n]) => `${name} ×${n}`).join(", ") || "nothing";

describe("step 4: a cart read is one MGET per slot, not a GET per item", () => {
  // No workers: their polling would add to the command counts.
  const lab = useLab({ env: { RUN_WORKERS: "0", LIMIT_PER_MINUTE: "1000", LIMIT_PER_HOUR: "1000" } });
  const products = catalogue("kit", 8, VARIANTS);

  test(`importing ${products.length} prices in 8 families is one MSET per family`, async () => {
    const before = await snapshot(lab().primaries);
    const put = await call(lab(), "POST", "/api/products", { products });
    assert.equal(put.status, 204, `expected POST /api/products to store ${products.length} prices (204); got ${said(put)}`);
    const delta = await callsSince(lab().primaries, before);
    const writes = (delta.get("mset") ?? 0) + (delta.get("set") ?? 0);
    assert.ok(writes > 0, `expected the import to write to the cluster's primaries; they received ${listed(delta)}. The app still writes to the one Redis of REDIS_URL.`);
    assert.equal(delta.get("set") ?? 0, 0, `expected no SET per price: group the prices by slot and write each group with one MSET; the primaries received ${listed(delta)}`);
    assert.ok((delta.get("mset") ?? 0) <= 8, `expected at most 8 MSETs for 8 families (a family's prices share a slot); the primaries received ${listed(delta)}`);
  });

  test(`a cart of ${FAMILIES * VARIANTS} items in ${FAMILIES} families is read with at most ${FAMILIES} MGETs, and no GET`, async () => {
    const user = freshUser();
    const inCart = products.filter((p) => Number(/^kit(\d+)-/.exec(p.sku)![1]) < FAMILIES);
    for (const p of inCart) {
      const reply = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: p.sku, qty: 2 });
      assert.equal(reply.status, 200, `expected a cart write to succeed; got ${said(reply)}`);
    }
    const expected = inCart.reduce((sum, p) => sum + 2 * p.priceCents, 0);
    const before = await snapshot(lab().primaries);
    const cart = await call(lab(), "GET", `/api/carts/${user}`);
    const delta = await callsSince(lab().primaries, before);
    assert.equal(cart.status, 200, `expected the cart to be read; got ${said(cart)}. One MGET across slots fails with CROSSSLOT.`);
    assert.equal(cart.json.totalCents, expected, `expected a total of ${expected} cents for ${inCart.length} items; got ${said(cart)}`);
    const mgets = delta.get("mget") ?? 0;
    assert.ok(mgets + (delta.get("get") ?? 0) > 0, `expected the cart read to reach the cluster's primaries; they received ${listed(delta)}`);
    assert.equal(delta.get("get") ?? 0, 0, `expected no GET per item (${inCart.length} round trips' worth of commands for one page): group the keys by slot, one MGET per group; the primaries received ${listed(delta)}`);
    assert.ok(mgets <= FAMILIES, `expected at most ${FAMILIES} MGETs, one per family (a family's prices share a slot); the primaries received ${listed(delta)}`);
  });

  test("a price missing from the catalogue reads as null and counts for nothing; an empty cart reads as empty", async () => {
    const user = freshUser();
    for (const [sku, qty] of [["kit0-v1", 3], ["ghost-v1", 5], ["kit7-v9", 1], ["kit0-v2", 2]] as const) {
      const reply = await call(lab(), "POST", `/api/carts/${user}/items`, { sku, qty });
      assert.equal(reply.status, 200, `expected a cart write to succeed; got ${said(reply)}`);
    }
    const cart = await call(lab(), "GET", `/api/carts/${user}`);
    assert.equal(cart.status, 200, `expected the cart to be read; got ${said(cart)}`);
    const lines = cart.json.lines as { sku: string; qty: number; priceCents: number | null }[];
    assert.deepEqual(
      lines,
      [
        { sku: "ghost-v1", qty: 5, priceCents: null },
        { sku: "kit0-v1", qty: 3, priceCents: 101 },
        { sku: "kit0-v2", qty: 2, priceCents: 102 },
        { sku: "kit7-v9", qty: 1, priceCents: 809 },
      ],
      `expected each line with its own price (null for the unknown SKU), in SKU order; got ${said(cart)}`,
    );
    assert.equal(cart.json.totalCents, 3 * 101 + 2 * 102 + 809, `expected the total to count the priced lines only; got ${said(cart)}`);
    const empty = await call(lab(), "GET", `/api/carts/${freshUser()}`);
    assert.equal(empty.status, 200, `expected an empty cart to read as empty, not an error; got ${said(empty)}`);
    assert.deepEqual(empty.json.lines, [], `expected no lines in an empty cart; got ${said(empty)}`);
  });

  test("adding the same SKU twice adds up the quantities, and a cart read gives them back", async () => {
    const user = freshUser();
    for (const qty of [2, 5]) {
      const reply = await call(lab(), "POST", `/api/carts/${user}/items`, { sku: "kit3-v3", qty });
      assert.equal(reply.status, 200, `expected a cart write to succeed; got ${said(reply)}`);
    }
    const cart = await call(lab(), "GET", `/api/carts/${user}`);
    assert.deepEqual(cart.json.lines, [{ sku: "kit3-v3", qty: 7, priceCents: 403 }], `expected one line of 7 at 403 cents; got ${said(cart)}`);
  });
});
