import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { getFreePort, startInstance } from "#kit/testing/index.ts";
import { get, startStack, type Stack } from "./helpers.ts";

const price = (body: string) => (JSON.parse(body) as { priceCents?: number }).priceCents;

describe("step 4: a write invalidates what the CDN holds, before the write is answered", () => {
  let stack: Stack;
  before(async () => {
    // A long TTL: only an invalidation can make the new price appear within this test. The app's
    // requests to Varnish take 300 ms more, so one the app does not wait for arrives too late.
    stack = await startStack({ SHARED_TTL_S: "600" }, { invalidationDelayMs: 300 });
  });

  test("right after a PUT has answered, both languages and the listing show the new price", async () => {
    const pages: Array<{ path: string; headers: Record<string, string> }> = [
      { path: "/products/2", headers: { "accept-language": "en" } },
      { path: "/products/2", headers: { "accept-language": "de" } },
      { path: "/products", headers: {} },
    ];
    for (const page of pages) await get(`${stack.cdn}${page.path}`, page.headers);
    const warmed = await stack.originCount("GET /products/2");
    for (const page of pages) await get(`${stack.cdn}${page.path}`, page.headers);
    assert.equal(await stack.originCount("GET /products/2"), warmed, "expected the product pages to be cached before the write (step 1); they were fetched again");

    const put = await get(`${stack.cdn}/products/2`, {}, "PUT", { priceCents: 1999 });
    assert.equal(put.status, 200, `expected the PUT to answer 200, got ${put.status}: ${put.body}`);

    for (const page of pages) {
      const answer = await get(`${stack.cdn}${page.path}`, page.headers);
      const seen = page.path === "/products" ? (JSON.parse(answer.body) as { products: Array<{ id: number; priceCents: number }> }).products.find((p) => p.id === 2)?.priceCents : price(answer.body);
      assert.equal(
        seen,
        1999,
        `expected GET ${page.path} ${JSON.stringify(page.headers)} through Varnish to show the new price 1999 right after the PUT answered; it showed ${seen} (age ${answer.headers.get("age")} s), which stays until the TTL ends`,
      );
    }
  });

  test("a write to one product leaves the other products cached", async () => {
    await get(`${stack.cdn}/products/5`);
    const before = await stack.originCount("GET /products/5");
    const put = await get(`${stack.cdn}/products/4`, {}, "PUT", { priceCents: 4100 });
    assert.equal(put.status, 200, `expected the PUT to answer 200, got ${put.status}`);
    await get(`${stack.cdn}/products/5`);
    const after = await stack.originCount("GET /products/5");
    assert.equal(after, before, `expected /products/5 to stay cached when product 4 changed; the write emptied it (the origin saw ${after - before} more request), which empties the whole CDN on every write`);
  });

  test("bad writes get a 400 or 404 with a JSON error, never a 500", async () => {
    const cases: Array<[string, unknown, number]> = [
      ["/products/1", { priceCents: "12" }, 400],
      ["/products/1", { priceCents: -5 }, 400],
      ["/products/1", { priceCents: 1.5 }, 400],
      ["/products/abc", { priceCents: 100 }, 400],
      ["/products/999", { priceCents: 100 }, 404],
    ];
    for (const [path, body, status] of cases) {
      const answer = await get(`${stack.origin.url}${path}`, {}, "PUT", body);
      assert.equal(answer.status, status, `expected ${status} for PUT ${path} ${JSON.stringify(body)}, got ${answer.status}: ${answer.body}`);
      assert.ok(typeof answer.json().error === "string", `expected a JSON { error } body, got ${answer.body}`);
    }
    const broken = await fetch(`${stack.origin.url}/products/1`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{not json" });
    await broken.arrayBuffer();
    assert.equal(broken.status, 400, `expected 400 for a malformed JSON body, got ${broken.status}`);
  });

  test("a write still succeeds when Varnish cannot be reached", async () => {
    const closed = await getFreePort();
    const lonely = await startInstance({ entry: new URL("../src/server.ts", import.meta.url), env: { VARNISH_URL: `http://127.0.0.1:${closed}` }, name: "an origin whose Varnish is down", startTimeoutMs: 60_000 });
    try {
      const answer = await get(`${lonely.url}/products/1`, {}, "PUT", { priceCents: 1234 });
      assert.equal(answer.status, 200, `expected the write to answer 200 even though the invalidation failed; got ${answer.status}: ${answer.body}`);
      const read = await get(`${lonely.url}/products/1`);
      assert.equal(price(read.body), 1234, `expected the origin to hold the new price, got ${read.body}`);
    } finally {
      await lonely.kill();
    }
  });
});
