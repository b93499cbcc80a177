import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { directives, get, startStack, type Stack } from "./helpers.ts";

describe("step 1: shared catalog data is cached by the CDN, and only by it", () => {
  let stack: Stack;
  before(async () => {
    // A TTL the app can only know from its config: 45 s.
    stack = await startStack({ SHARED_TTL_S: "45" });
  });

  for (const path of ["/products/1", "/products"]) {
    test(`20 requests for ${path} through Varnish reach the origin once`, async () => {
      for (let i = 0; i < 20; i++) {
        const answer = await get(`${stack.cdn}${path}`);
        assert.equal(answer.status, 200, `expected 200 for GET ${path} through Varnish, got ${answer.status}: ${answer.body.slice(0, 200)}`);
      }
      const reached = await stack.originCount(`GET ${path}`);
      assert.equal(
        reached,
        1,
        `expected Varnish to answer 19 of 20 requests for ${path} from its cache, so that the origin sees 1; the origin saw ${reached}. ` +
          `Varnish stores a response only when its headers allow it (this CDN stores nothing that says nothing).`,
      );
    });

    test(`${path} says public with s-maxage from SHARED_TTL_S, and gives browsers no max-age above 0`, async () => {
      const answer = await get(`${stack.origin.url}${path}`);
      const cc = directives(answer);
      const seen = answer.headers.get("cache-control") ?? "(no Cache-Control)";
      assert.equal(cc.public, true, `expected "public" in Cache-Control of ${path}; got ${seen}`);
      assert.equal(cc["s-maxage"], "45", `expected s-maxage=45 (SHARED_TTL_S) on ${path}, the directive only shared caches read; got ${seen}`);
      assert.ok(
        cc["max-age"] === undefined || cc["max-age"] === "0",
        `expected no max-age above 0 on ${path}: a browser would keep the page that long, and no purge reaches a browser, so it would show an old price after a write; got ${seen}`,
      );
      for (const forbidden of ["private", "no-store", "no-cache"]) {
        assert.equal(cc[forbidden], undefined, `expected no "${forbidden}" on the public route ${path}; got ${seen}`);
      }
    });
  }
});
