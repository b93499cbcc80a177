// Promise 9: whatever a client sends (a malformed id, limit or cursor, a cursor it altered or took
// from someone else, any body), the answer is a 4xx JSON error or a normal answer: never a 5xx, never
// another user's orders, and nothing is written by a request that was refused.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, test } from "node:test";
import fc from "fast-check";
import type { Shop } from "../shop-stack.ts";
import { call, describeStatuses, newUser, placeOrder, shopForTest, type Answer, type User } from "./support.ts";

let shop: Shop;
let alice: User;
let bob: User;
let aliceCursor: string;
const aliceOrders = new Set<string>();
const bobOrders = new Set<string>();
before(async () => {
  shop = await shopForTest({ emailCallsPerSecond: 50 });
  [alice, bob] = await Promise.all([newUser(shop.url, "alice"), newUser(shop.url, "bob")]);
  for (let i = 0; i < 3; i++) aliceOrders.add(String((await placeOrder(shop.url, alice, 60 + i)).body?.orderId));
  for (let i = 0; i < 3; i++) bobOrders.add(String((await placeOrder(shop.url, bob, 70 + i)).body?.orderId));
  const page = await call(shop.url, "GET", "/orders?limit=1", { cookie: alice.cookie });
  assert.equal(page.status, 200, `expected GET /orders?limit=1 to answer 200; got ${page.status} ${page.text.slice(0, 200)}`);
  assert.equal(typeof page.body.nextCursor, "string", `expected a nextCursor on the first of 3 pages; got ${JSON.stringify(page.body.nextCursor)}`);
  aliceCursor = page.body.nextCursor;
});

/** A refused request: a 4xx with a JSON `error`. */
function assertRefused(answer: Answer, what: string, allowed: readonly number[] = [400]): void {
  assert.ok(allowed.includes(answer.status), `expected ${what} to be refused with ${allowed.join(" or ")}; got ${answer.status} ${answer.text.slice(0, 200)}`);
  assert.equal(typeof answer.body?.error, "string", `expected ${what}'s ${answer.status} to be a JSON object with an "error" string; got ${answer.text.slice(0, 200)}`);
}

/** A cursor with one character changed to another of the same alphabet. */
function tamper(cursor: string, at: number, by: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const i = at % cursor.length;
  const from = alphabet.indexOf(cursor[i]!);
  const to = alphabet[(Math.max(0, from) + 1 + (by % (alphabet.length - 1))) % alphabet.length]!;
  return cursor.slice(0, i) + to + cursor.slice(i + 1);
}

test("a cursor altered by one character is refused with 400", async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.nat(), async (at, by) => {
      const forged = tamper(aliceCursor, at, by);
      if (forged === aliceCursor) return;
      const answer = await call(shop.url, "GET", `/orders?limit=1&cursor=${encodeURIComponent(forged)}`, { cookie: alice.cookie });
      assertRefused(answer, `GET /orders with the cursor "${aliceCursor}" changed to "${forged}" (a cursor this API did not issue)`);
    }),
    { seed: 1717, numRuns: 40 },
  );
});

/**
 * Cursors a client could build from a real one if its checksum needs no key: the cursor split at its
 * separators, a digest (sha256, sha1, md5, sha512; hex, base64url or base64, cut to the length seen) of
 * the rest, with or without a prefix, recomputed over a payload whose first number is moved by one.
 * Empty when no such recipe reproduces the real cursor's checksum (a keyed signature, or another shape).
 */
function unkeyedForgeries(cursor: string): string[] {
  const forged: string[] = [];
  for (const separator of [".", "~", "_", "-", ":"]) {
    const parts = cursor.split(separator);
    if (parts.length < 2) continue;
    const checksum = parts.at(-1)!;
    const payload = parts.slice(0, -1).join(separator);
    for (const prefix of ["", "orders-cursor:", "cursor:", "orders:"]) {
      for (const algorithm of ["sha256", "sha1", "md5", "sha512"]) {
        for (const encoding of ["hex", "base64url", "base64"] as const) {
          const digest = (text: string) => createHash(algorithm).update(`${prefix}${text}`).digest(encoding).slice(0, checksum.length);
          if (digest(payload) !== checksum) continue;
          // The recipe is known: move the position's first number (a time, an id) by one, and sign it.
          for (const decoded of [Buffer.from(payload, "base64url").toString(), payload]) {
            const moved = decoded.replace(/\d+/, (n) => String(Number(n) + 1));
            if (moved === decoded) continue;
            const newPayload = decoded === payload ? moved : Buffer.from(moved).toString("base64url");
            forged.push(`${newPayload}${separator}${digest(newPayload)}`);
          }
        }
      }
    }
  }
  return forged;
}

test("a cursor whose checksum a client can recompute without the secret is refused", async () => {
  // Each a plausible cursor the API did not issue: it must be signed with a key (SECRET), not summed.
  for (const forged of unkeyedForgeries(aliceCursor)) {
    const answer = await call(shop.url, "GET", `/orders?limit=1&cursor=${encodeURIComponent(forged)}`, { cookie: alice.cookie });
    assertRefused(answer, `GET /orders with the cursor "${forged}", built from "${aliceCursor}" by moving its position and recomputing its checksum without any key (a cursor this API did not issue)`);
  }
});

test("cart quantities other than whole numbers from 1 to 100 are refused, and the cart stays as it was", async () => {
  const cart = async () => JSON.stringify((await call(shop.url, "GET", "/cart", { cookie: bob.cookie })).body);
  const before = await cart();
  for (const quantity of [0, -1, 101, 1000, 1e9, 1.5, 0.5, "3", "1", null, true, [1], { n: 1 }]) {
    const answer = await call(shop.url, "POST", "/cart/items", { cookie: bob.cookie, body: { productId: 12, quantity } });
    assertRefused(answer, `POST /cart/items with quantity ${JSON.stringify(quantity)} (a whole number from 1 to 100 is expected)`);
    assert.equal(await cart(), before, `expected POST /cart/items with quantity ${JSON.stringify(quantity)}, refused, to leave the cart as it was`);
  }
});

test("another user's cursor never shows that user's orders", async () => {
  const answer = await call(shop.url, "GET", `/orders?limit=5&cursor=${encodeURIComponent(aliceCursor)}`, { cookie: bob.cookie });
  if (answer.status === 400) return assertRefused(answer, "Bob's GET /orders with Alice's cursor");
  assert.equal(answer.status, 200, `expected Bob's GET /orders with Alice's cursor to answer 400, or 200 with Bob's own orders; got ${answer.status} ${answer.text.slice(0, 200)}`);
  const foreign = (answer.body.items ?? []).map((o: { orderId: string }) => o.orderId).filter((id: string) => !bobOrders.has(id));
  assert.deepEqual(foreign, [], `expected Bob, passing Alice's cursor, to see none of Alice's orders; he saw ${foreign.join(", ")}`);
});

const badId = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("0", "-1", "1.5", "1e3", "0x10", "9999999999", " 1", "01", "NaN", "Infinity", "%00", "1;DROP"),
).filter((s) => !/^[1-9]\d{0,8}$/.test(s) && s.length > 0);
const badLimit = fc.oneof(fc.constantFrom("0", "-1", "101", "1.5", "1e2", "abc", "", "20abc", "99999999999999"), fc.string({ maxLength: 8 }).filter((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 100));
const badCursor = fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.constantFrom("2", "3", "0", "-1", "{}", "a.b", "..", "null", "x".repeat(300)));

test("malformed product ids, limits and cursors are refused with 400 JSON, never a 5xx", async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(badId.map((v) => ["id", v] as const), badLimit.map((v) => ["limit", v] as const), badCursor.map((v) => ["cursor", v] as const)), async ([kind, value]) => {
      if (kind === "id") {
        const answer = await call(shop.url, "GET", `/products/${encodeURIComponent(value)}`);
        assertRefused(answer, `GET /products/${encodeURIComponent(value)}`, [400, 404]);
      } else if (kind === "limit") {
        const answer = await call(shop.url, "GET", `/orders?limit=${encodeURIComponent(value)}`, { cookie: alice.cookie });
        assertRefused(answer, `GET /orders?limit=${encodeURIComponent(value)}`);
      } else {
        const answer = await call(shop.url, "GET", `/orders?cursor=${encodeURIComponent(value)}`, { cookie: alice.cookie });
        assertRefused(answer, `GET /orders?cursor=${encodeURIComponent(value).slice(0, 80)} (a cursor this API did not issue)`);
      }
    }),
    { seed: 1718, numRuns: 120 },
  );
});

test("any JSON body to signup, login, cart, checkout and PATCH answers 2xx or a 4xx JSON error, never a 5xx, and writes nothing when refused", async () => {
  const auth = { authorization: `Bearer ${shop.adminToken}` };
  const product = async () => (await call(shop.url, "GET", "/products/9")).body;
  let known = JSON.stringify(await product());
  // Alice's cart holds something: a checkout refused for its Idempotency-Key is refused for the key, not for an empty cart.
  const filled = await call(shop.url, "POST", "/cart/items", { cookie: alice.cookie, body: { productId: 64, quantity: 1 } });
  assert.equal(filled.status, 200, `expected POST /cart/items to answer 200 while setting up; got ${filled.status} ${filled.text.slice(0, 200)}`);
  // Values of the right names and the wrong types or ranges, each on its own, then anything at all.
  for (const value of [{ priceCents: "1200" }, { priceCents: -1 }, { priceCents: 12.5 }, { priceCents: {} }, { stock: "5" }, { stock: -3 }, { stock: 1.5 }, { stock: [] }, { name: "" }, { name: 42 }, { name: { first: "x" } }, { priceCents: true, stock: 1 }]) {
    const answer = await call(shop.url, "PATCH", "/admin/products/9", { body: value, headers: auth });
    assertRefused(answer, `PATCH /admin/products/9 with ${JSON.stringify(value)} (priceCents and stock whole numbers from 0, name a non-empty string)`);
    assert.equal(JSON.stringify(await product()), known, `expected PATCH /admin/products/9 with ${JSON.stringify(value)}, refused, to leave product 9 as it was`);
  }
  const body = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom("email", "password", "productId", "quantity", "priceCents", "stock", "name", "__proto__", "constructor"), fc.jsonValue()));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("signup", "login", "cart", "patch", "checkout"), body, async (route, value) => {
      let answer: Answer;
      if (route === "signup") answer = await call(shop.url, "POST", "/signup", { raw: JSON.stringify(value) });
      else if (route === "login") answer = await call(shop.url, "POST", "/login", { raw: JSON.stringify(value) });
      else if (route === "cart") answer = await call(shop.url, "POST", "/cart/items", { raw: JSON.stringify(value), cookie: bob.cookie });
      else if (route === "patch") answer = await call(shop.url, "PATCH", "/admin/products/9", { raw: JSON.stringify(value), headers: auth });
      else answer = await call(shop.url, "POST", "/checkout", { cookie: alice.cookie, headers: { "idempotency-key": "k".repeat(101) } });
      assert.ok(answer.status < 500 && answer.status !== 0, `expected ${route} with body ${JSON.stringify(value).slice(0, 120)} never to answer 5xx; got ${answer.status} ${answer.text.slice(0, 200)}`);
      if (answer.status >= 400) assertRefused(answer, `${route} with body ${JSON.stringify(value).slice(0, 120)}`, [400, 401, 404, 409, 413]);
      if (route === "patch") {
        // Every PATCH is checked on its own: a refused one changed nothing; an accepted one stored valid values.
        const now = await product();
        if (answer.status >= 400) assert.equal(JSON.stringify(now), known, `expected PATCH /admin/products/9 with ${JSON.stringify(value).slice(0, 120)}, refused with ${answer.status}, to leave product 9 as it was`);
        else {
          const valid = Number.isInteger(now?.priceCents) && now.priceCents >= 0 && Number.isInteger(now?.stock) && now.stock >= 0 && typeof now?.name === "string" && now.name.trim().length > 0;
          assert.ok(valid, `expected PATCH /admin/products/9 with ${JSON.stringify(value).slice(0, 120)} to be refused with 400 unless priceCents and stock are whole numbers from 0 and name a non-empty string; it answered ${answer.status} and product 9 is now ${JSON.stringify(now)}`);
          known = JSON.stringify(now);
        }
      }
    }),
    { seed: 1719, numRuns: 100 },
  );
  const orders = await call(shop.url, "GET", "/orders?limit=100", { cookie: alice.cookie });
  assert.equal(orders.body?.items?.length, aliceOrders.size, `expected a checkout refused for its Idempotency-Key (101 characters) to place no order; Alice has ${orders.body?.items?.length} orders, not ${aliceOrders.size}`);
});

test("checkouts racing for the last units: as many 201s as there were units, the rest 409 taking nothing, stock never below 0", async () => {
  const auth = { authorization: `Bearer ${shop.adminToken}` };
  // Product 181 has 3 units left; 180 has plenty. Each of 8 buyers has one of each in the cart (180
  // first, also by id), and they all check out at once: 3 orders, and 5 refusals that leave both products as they were.
  const plenty = 180;
  const scarce = 181;
  const set = await call(shop.url, "PATCH", `/admin/products/${scarce}`, { body: { stock: 3 }, headers: auth });
  assert.equal(set.status, 200, `expected PATCH /admin/products/${scarce} to answer 200 while setting up; got ${set.status} ${set.text.slice(0, 200)}`);
  // What the database holds now, as the PATCH answers it (a PATCH of the name to itself changes nothing else).
  const stockOf = async (id: number) => {
    const name = (await call(shop.url, "GET", `/products/${id}`)).body?.name;
    const answer = await call(shop.url, "PATCH", `/admin/products/${id}`, { body: { name }, headers: auth });
    assert.equal(answer.status, 200, `expected PATCH /admin/products/${id} to answer 200; got ${answer.status} ${answer.text.slice(0, 200)}`);
    return answer.body.stock as number;
  };
  const plentyBefore = await stockOf(plenty);
  const buyers = await Promise.all(Array.from({ length: 8 }, (_, i) => newUser(shop.url, `racer${i}`)));
  for (const buyer of buyers) {
    for (const productId of [plenty, scarce]) {
      const added = await call(shop.url, "POST", "/cart/items", { cookie: buyer.cookie, body: { productId, quantity: 1 } });
      assert.equal(added.status, 200, `expected POST /cart/items to answer 200 while setting up; got ${added.status} ${added.text.slice(0, 200)}`);
    }
  }
  const answers = await Promise.all(buyers.map((buyer) => call(shop.url, "POST", "/checkout", { cookie: buyer.cookie })));
  const placed = answers.filter((a) => a.status === 201).length;
  const refused = answers.filter((a) => a.status === 409);
  const scarceAfter = await stockOf(scarce);
  const plentyAfter = await stockOf(plenty);
  assert.equal(
    placed,
    3,
    `expected exactly 3 of 8 checkouts racing for the last 3 units of product ${scarce} to answer 201 (a unit can be sold once: checkouts that all saw a unit left must not all take it); ${placed} did (${describeStatuses(answers)}), and the product's stock is now ${scarceAfter}`,
  );
  assert.equal(refused.length, 5, `expected the other 5 checkouts to be refused with 409 (not enough stock); got ${describeStatuses(answers)}`);
  for (const answer of refused) assertRefused(answer, `a checkout refused for want of stock`, [409]);
  assert.equal(scarceAfter, 0, `expected product ${scarce} to have 0 units left after 3 of its 3 were sold (never below 0); it has ${scarceAfter}`);
  assert.equal(
    plentyAfter,
    plentyBefore - 3,
    `expected product ${plenty} (in every cart, ahead of the scarce one) to lose one unit per order placed, ${plentyBefore} to ${plentyBefore - 3}; it has ${plentyAfter}: a checkout refused with 409 must take nothing, not keep the units of the lines before the one that ran short`,
  );
});
