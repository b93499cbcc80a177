import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { directives, get, sleep, startStack } from "./helpers.ts";

describe("step 5: stale-while-revalidate and stale-if-error, honoured by the CDN", () => {
  test("public routes carry stale-while-revalidate and stale-if-error from the config", async () => {
    const stack = await startStack({ SWR_S: "7", SIE_S: "321" });
    for (const path of ["/products/1", "/products"]) {
      const answer = await get(`${stack.origin.url}${path}`);
      const cc = directives(answer);
      const seen = answer.headers.get("cache-control") ?? "(no Cache-Control)";
      assert.equal(cc["stale-while-revalidate"], "7", `expected stale-while-revalidate=7 (SWR_S) on ${path}; got ${seen}`);
      assert.equal(cc["stale-if-error"], "321", `expected stale-if-error=321 (SIE_S) on ${path}; got ${seen}`);
    }
  });

  test("with the origin down for 10 s, after the TTL and the revalidation window have passed, clients still get the last good page", async () => {
    // TTL 1 s, stale-while-revalidate 1 s: after 3 s only stale-if-error can still serve it.
    const stack = await startStack({ SHARED_TTL_S: "1", SWR_S: "1", SIE_S: "300" });
    const pages = ["/products/1", "/products"];
    const good = new Map<string, string>();
    for (const path of pages) {
      const answer = await get(`${stack.cdn}${path}`);
      assert.equal(answer.status, 200, `expected 200 for ${path} while the origin is up, got ${answer.status}`);
      good.set(path, answer.body);
    }
    await stack.origin.kill();
    await sleep(3000);
    const failures: string[] = [];
    let sent = 0;
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      for (const path of pages) {
        sent += 1;
        const answer = await get(`${stack.cdn}${path}`);
        if (answer.status !== 200 || answer.body !== good.get(path)) failures.push(`${path}: ${answer.status} (age ${answer.headers.get("age")})`);
      }
      await sleep(500);
    }
    assert.deepEqual(
      failures,
      [],
      `expected every one of ${sent} requests to get the last good page while the origin was down; ${failures.length} failed, the first ones: ${failures.slice(0, 4).join("; ")}. ` +
        `Varnish 7.1 turns stale-while-revalidate into grace, but does not read stale-if-error.`,
    );
  });
});
