import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { directives, get, sleep, startStack, type Stack } from "./helpers.ts";

const pages = ["/products/1", "/products"];

describe("step 5: stale-while-revalidate and stale-if-error, honoured by the CDN", () => {
  let stack: Stack;
  before(async () => {
    // TTL 1 s, stale-while-revalidate 1 s: 3 s after a fetch, only stale-if-error (300 s) may
    // still serve a page, and only while the origin is down.
    stack = await startStack({ SHARED_TTL_S: "1", SWR_S: "1", SIE_S: "300" });
  });

  test("public routes carry stale-while-revalidate and stale-if-error from the config", async () => {
    for (const path of pages) {
      const answer = await get(`${stack.origin.url}${path}`);
      const cc = directives(answer);
      const seen = answer.headers.get("cache-control") ?? "(no Cache-Control)";
      assert.equal(cc["stale-while-revalidate"], "1", `expected stale-while-revalidate=1 (SWR_S) on ${path}; got ${seen}`);
      assert.equal(cc["stale-if-error"], "300", `expected stale-if-error=300 (SIE_S) on ${path}; got ${seen}`);
    }
  });

  test("with the origin healthy, no page is served staler than s-maxage plus stale-while-revalidate", async () => {
    for (const path of pages) {
      const answer = await get(`${stack.cdn}${path}`);
      assert.equal(answer.status, 200, `expected 200 for ${path}, got ${answer.status}`);
    }
    // Past TTL + stale-while-revalidate (2 s): a healthy origin must be asked, not bypassed.
    await sleep(3000);
    for (const path of pages) {
      const answer = await get(`${stack.cdn}${path}`);
      const age = Number(answer.headers.get("age") ?? "0");
      assert.ok(
        answer.status === 200 && age <= 2,
        `expected ${path} through Varnish, 3 s after it was cached, with the origin up, to be fetched afresh (Age 0 to 2: TTL 1 s + stale-while-revalidate 1 s); got ${answer.status} with Age ${age}. ` +
          `The longer grace that stale-if-error needs is for a sick origin only: while the origin is healthy, cap grace at the stale-while-revalidate the response gave`,
      );
    }
  });

  test("with the origin down for 10 s, after the TTL and the revalidation window have passed, clients still get the last good page", async () => {
    const good = new Map<string, string>();
    for (const path of pages) {
      const answer = await get(`${stack.cdn}${path}`);
      assert.equal(answer.status, 200, `expected 200 for ${path} while the origin is up, got ${answer.status}`);
      good.set(path, answer.body);
    }
    await stack.origin.kill();
    await sleep(3000);
    // Stops at the first failure: the outcome is known then, and the rest of the 10 s would only
    // make a failing run slower.
    let failure: string | undefined;
    let sent = 0;
    const down = Date.now();
    while (failure === undefined && Date.now() - down < 10_000) {
      for (const path of pages) {
        sent += 1;
        const answer = await get(`${stack.cdn}${path}`);
        if (answer.status !== 200 || answer.body !== good.get(path)) {
          failure = `${path} got ${answer.status} (Age ${answer.headers.get("age")}) ${((Date.now() - down) / 1000).toFixed(1)} s into the 10 s window`;
          break;
        }
      }
      await sleep(500);
    }
    assert.equal(
      failure,
      undefined,
      `expected every request to get the last good page while the origin was down for 10 s; request ${sent} failed: ${failure}. ` +
        `Varnish 7.1 turns stale-while-revalidate into grace, but does not read stale-if-error.`,
    );
  });
});
