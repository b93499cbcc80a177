import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { directives, get, startStack, type Stack } from "./helpers.ts";

const alice = { cookie: "sid=s-alice-7f3a; theme=dark" };
const bob = { cookie: "sid=s-bob-91c2" };

describe("step 1: one user's response never reaches another client through the cache", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });

  test("/me says private or no-store, and nothing that lets a shared cache keep it", async () => {
    const answer = await get(`${stack.origin.url}/me`, alice);
    assert.equal(answer.status, 200, `expected Alice's GET /me to answer 200, got ${answer.status}`);
    const cc = directives(answer);
    const seen = answer.headers.get("cache-control") ?? "(no Cache-Control)";
    assert.ok(cc.private === true || cc["no-store"] === true, `expected "private" or "no-store" on /me: any shared cache on the way (not only this Varnish) must not store it; got ${seen}`);
    for (const shared of ["public", "s-maxage"]) {
      assert.equal(cc[shared], undefined, `expected no "${shared}" on /me: RFC 9111 lets a shared cache store it then, even for a request with credentials; got ${seen}`);
    }
    assert.ok(cc["max-age"] === undefined || cc.private === true || cc["no-store"] === true, `max-age on /me without private lets shared caches keep it; got ${seen}`);
  });

  test("Alice, then Bob, then a visitor without a session, then Alice again: each gets their own answer", async () => {
    const before = await stack.originCount("GET /me");
    const first = await get(`${stack.cdn}/me`, alice);
    assert.equal(first.status, 200, `expected 200 for Alice through Varnish, got ${first.status}: ${first.body.slice(0, 200)}`);
    assert.match(first.body, /Alice/, `expected Alice's own data, got ${first.body}`);

    const second = await get(`${stack.cdn}/me`, bob);
    assert.equal(second.status, 200, `expected 200 for Bob through Varnish, got ${second.status}`);
    assert.doesNotMatch(second.body, /Alice|alice@/, `Bob was served Alice's data from the cache: ${second.body}`);
    assert.match(second.body, /Bob/, `expected Bob's own data, got ${second.body}`);

    const anonymous = await get(`${stack.cdn}/me`);
    assert.doesNotMatch(anonymous.body, /Alice|Bob|@example/, `a visitor without a session was served someone's data from the cache: ${anonymous.body}`);
    assert.equal(anonymous.status, 401, `expected 401 for /me without a session cookie, got ${anonymous.status}`);

    const again = await get(`${stack.cdn}/me`, alice);
    assert.match(again.body, /Alice/, `expected Alice's own data on her second visit, got ${again.body}`);

    const reached = (await stack.originCount("GET /me")) - before;
    assert.equal(reached, 4, `expected all 4 requests for /me to reach the origin (personal data is never answered from the shared cache); the origin saw ${reached}`);
  });
});
