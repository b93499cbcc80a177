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

  test("a write reaches the copies cached under another Host name and with a query string", async () => {
    const port = new URL(stack.cdn).port;
    // The same pages, as clients really ask for them: by another name for the same server, and
    // with query strings the origin ignores (a campaign tag, a sort order it does not implement).
    const copies: Array<{ path: string; headers: Record<string, string> }> = [
      { path: "/products/3", headers: { host: `localhost:${port}` } },
      { path: "/products/3", headers: { host: `127.0.0.1:${port}` } },
      { path: "/products/3?ref=newsletter", headers: {} },
      { path: "/products?sort=price", headers: { host: `localhost:${port}` } },
    ];
    for (const copy of copies) await get(`${stack.cdn}${copy.path}`, copy.headers);
    const put = await get(`${stack.cdn}/products/3`, {}, "PUT", { priceCents: 3333 });
    assert.equal(put.status, 200, `expected the PUT to answer 200, got ${put.status}: ${put.body}`);
    for (const copy of copies) {
      const answer = await get(`${stack.cdn}${copy.path}`, copy.headers);
      assert.equal(answer.status, 200, `expected 200 for GET ${copy.path} ${JSON.stringify(copy.headers)}, got ${answer.status}`);
      const seen = copy.path.startsWith("/products?") ? (JSON.parse(answer.body) as { products: Array<{ id: number; priceCents: number }> }).products.find((p) => p.id === 3)?.priceCents : price(answer.body);
      assert.equal(
        seen,
        3333,
        `expected GET ${copy.path} ${JSON.stringify(copy.headers)} through Varnish to show the new price 3333 after the PUT; it showed ${seen} (age ${answer.headers.get("age")} s). ` +
          `Varnish keys an object by URL and Host (vcl_hash), so a PURGE reaches only the copy with the same URL, query string included, and the same Host`,
      );
    }
  });

  test("a PURGE from an address other than the app's is refused, and the page stays cached", async (t) => {
    await get(`${stack.cdn}/products/5`);
    const before = await stack.originCount("GET /products/5");
    // 127.0.0.2 is this machine too, but not the app's address: it stands for any stranger. The
    // headers are what a stranger would forge to look like the app.
    const forged: Array<Record<string, string>> = [{}, { "x-forwarded-for": "127.0.0.1" }, { "x-real-ip": "127.0.0.1", forwarded: "for=127.0.0.1" }];
    for (const headers of forged) {
      let answer;
      try {
        answer = await get(`${stack.cdn}/products/5`, headers, "PURGE", undefined, "127.0.0.2");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EADDRNOTAVAIL") {
          t.skip("this system has no loopback address 127.0.0.2 to send a stranger's PURGE from");
          return;
        }
        throw error;
      }
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `expected a PURGE from 127.0.0.2 ${JSON.stringify(headers)} to be refused with a 4xx (only the app at 127.0.0.1 may purge); got ${answer.status}`,
      );
    }
    await get(`${stack.cdn}/products/5`);
    const after = await stack.originCount("GET /products/5");
    assert.equal(after, before, `expected /products/5 to stay cached after PURGEs from a stranger; the origin saw ${after - before} more request, so anyone can empty the cache (and send its traffic to the origin)`);
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
