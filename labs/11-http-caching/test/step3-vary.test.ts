import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { get, startStack, type Stack } from "./helpers.ts";

/** The header names a response's Vary lists, lower-cased. */
function varyOf(headers: Headers): string[] {
  return (headers.get("vary") ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

describe("step 3: Vary names what the body depends on, and nothing else", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });

  test("a German visitor after an English one gets the German page through Varnish, and the other way round", async () => {
    const en = await get(`${stack.cdn}/products/1`, { "accept-language": "en-GB,en;q=0.9" });
    const de = await get(`${stack.cdn}/products/1`, { "accept-language": "de-DE,de;q=0.9" });
    assert.match(en.body, /Espresso cup/, `expected the English name, got ${en.body}`);
    assert.match(de.body, /Espressotasse/, `expected the German visitor to get the German name; Varnish served ${de.body}. The cache cannot know that the body depends on Accept-Language unless the response says so`);
    const de2 = await get(`${stack.cdn}/products/3`, { "accept-language": "de" });
    const en2 = await get(`${stack.cdn}/products/3`, { "accept-language": "en" });
    assert.match(de2.body, /Kaffeemühle/, `expected the German name, got ${de2.body}`);
    assert.match(en2.body, /Grinder/, `expected the English visitor to get the English name; Varnish served ${en2.body}`);
  });

  for (const path of ["/products/1", "/products"]) {
    test(`${path} does not vary on *, Cookie or anything else the body does not depend on`, async () => {
      const answer = await get(`${stack.origin.url}${path}`, { cookie: "theme=dark", "user-agent": "test" });
      const vary = varyOf(answer.headers);
      const allowed = path === "/products" ? ["accept-encoding"] : ["accept-language", "accept-encoding"];
      const extra = vary.filter((name) => !allowed.includes(name));
      assert.deepEqual(extra, [], `expected Vary on ${path} to list only ${allowed.join(" or ")}; it also lists ${extra.join(", ")} (Vary: * is never served from a cache; Vary: Cookie keeps one copy per visitor)`);
    });
  }

  test("visitors who differ only in their browser share one cached product page", async () => {
    const before = await stack.originCount("GET /products/2");
    for (let i = 0; i < 6; i++) {
      const answer = await get(`${stack.cdn}/products/2`, { "accept-language": "en", "user-agent": `browser-${i}` });
      assert.equal(answer.status, 200, `expected 200, got ${answer.status}`);
    }
    const reached = (await stack.originCount("GET /products/2")) - before;
    assert.equal(reached, 1, `expected 6 English visitors with different browsers to cost the origin 1 request; it saw ${reached}`);
  });

  test("the listing, which has no names, is one cached copy for every language", async () => {
    const before = await stack.originCount("GET /products");
    for (const language of ["en", "de", "fr", "de-AT", "en-US,en;q=0.8"]) {
      const answer = await get(`${stack.cdn}/products`, { "accept-language": language });
      assert.equal(answer.status, 200, `expected 200, got ${answer.status}`);
    }
    const reached = (await stack.originCount("GET /products")) - before;
    assert.equal(reached, 1, `expected 5 visitors in 5 languages to cost the origin 1 request for /products (its body is the same in every language); it saw ${reached}`);
  });
});
