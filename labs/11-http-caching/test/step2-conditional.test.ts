import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { get, startStack, type Answer, type Stack } from "./helpers.ts";

function etagOf(answer: Answer, what: string): string {
  const etag = answer.headers.get("etag");
  assert.ok(etag, `expected an ETag on ${what}; the response had none`);
  assert.match(etag, /^(W\/)?"[^"]*"$/, `expected the ETag of ${what} to be a quoted string such as "v3" or W/"v3"; got ${etag}`);
  return etag;
}

function assertNotModified(answer: Answer, what: string): void {
  assert.equal(answer.status, 304, `expected 304 Not Modified for ${what} with a matching If-None-Match; got ${answer.status} with ${answer.body.length} bytes`);
  assert.equal(answer.body, "", `expected a 304 without a body for ${what}`);
}

const strong = (etag: string) => etag.replace(/^W\//, "");

describe("step 2: validators, and 304 for a client that already holds the current version", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });

  for (const path of ["/products/1", "/products"]) {
    test(`the origin answers 304 for ${path} when If-None-Match holds its ETag, in every form RFC 9110 allows`, async () => {
      const full = await get(`${stack.origin.url}${path}`);
      const etag = etagOf(full, `GET ${path}`);
      const again = await get(`${stack.origin.url}${path}`);
      assert.equal(again.headers.get("etag"), etag, `expected the same ETag for the same, unchanged ${path}; got ${etag} then ${again.headers.get("etag")}`);
      assertNotModified(await get(`${stack.origin.url}${path}`, { "if-none-match": etag }), `GET ${path}`);
      // If-None-Match compares weakly, and may list several tags.
      assertNotModified(await get(`${stack.origin.url}${path}`, { "if-none-match": `W/${strong(etag)}` }), `GET ${path} (the weak form W/${strong(etag)})`);
      assertNotModified(await get(`${stack.origin.url}${path}`, { "if-none-match": `"something-old", ${etag}` }), `GET ${path} (a list of tags that includes it)`);
      const other = await get(`${stack.origin.url}${path}`, { "if-none-match": '"not-this-version"' });
      assert.equal(other.status, 200, `expected 200 with the body when If-None-Match names another version of ${path}; got ${other.status}`);
      assert.ok(other.body.length > 0, `expected the full body when If-None-Match does not match`);
    });
  }

  for (const [path, headers] of [["/products/1", { "accept-language": "de" }], ["/products", {}]] as const) {
    test(`a 304 for ${path} carries the ETag, Cache-Control and Vary its 200 carries (RFC 9110 §15.4.5)`, async () => {
      const full = await get(`${stack.origin.url}${path}`, headers);
      const etag = etagOf(full, `GET ${path}`);
      const short = await get(`${stack.origin.url}${path}`, { ...headers, "if-none-match": etag });
      assertNotModified(short, `GET ${path}`);
      // A cache that revalidates its copy with this 304 takes the new freshness and the new
      // validator from it; a bare 304 leaves it with the old ones.
      for (const name of ["etag", "cache-control", "vary"]) {
        const expected = full.headers.get(name);
        if (expected === null) continue;
        assert.equal(
          short.headers.get(name),
          expected,
          `expected the 304 for ${path} to carry the ${name} of its 200 (${expected}); it had ${short.headers.get(name) ?? "none"}. A server must send ETag, Cache-Control and Vary on a 304 when the 200 would carry them`,
        );
      }
    });
  }

  test("the two languages of a product have different ETags (they are different bodies)", async () => {
    const en = etagOf(await get(`${stack.origin.url}/products/2`, { "accept-language": "en" }), "the English /products/2");
    const de = etagOf(await get(`${stack.origin.url}/products/2`, { "accept-language": "de" }), "the German /products/2");
    assert.notEqual(en, de, `expected different ETags for the English and the German body; both were ${en}, so a German client holding the English page would be told it is current`);
  });

  test("after a price change, the old ETag no longer matches: 200 with the new price", async () => {
    const before = await get(`${stack.origin.url}/products/3`);
    const etag = etagOf(before, "GET /products/3");
    const listEtag = etagOf(await get(`${stack.origin.url}/products`), "GET /products");
    const put = await get(`${stack.origin.url}/products/3`, {}, "PUT", { priceCents: 7777 });
    assert.equal(put.status, 200, `expected the PUT to answer 200, got ${put.status}: ${put.body}`);
    const after = await get(`${stack.origin.url}/products/3`, { "if-none-match": etag });
    assert.equal(after.status, 200, `expected 200 for /products/3 with the ETag from before the price change; got ${after.status}: the client would keep the old price`);
    assert.match(after.body, /7777/, `expected the new price in the body, got ${after.body}`);
    const list = await get(`${stack.origin.url}/products`, { "if-none-match": listEtag });
    assert.equal(list.status, 200, `expected 200 for /products with its ETag from before the price change; got ${list.status}`);
  });

  test("through Varnish, a client holding the current version gets a 304 too", async () => {
    const full = await get(`${stack.cdn}/products/4`);
    assert.equal(full.status, 200, `expected 200 through Varnish, got ${full.status}`);
    const etag = etagOf(full, "GET /products/4 through Varnish");
    assertNotModified(await get(`${stack.cdn}/products/4`, { "if-none-match": etag }), "GET /products/4 through Varnish");
  });
});
