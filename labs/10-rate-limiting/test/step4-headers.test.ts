import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, freshIp, intParam, localGateway, parseSfList, rateLimitFields, sleep } from "./helpers.ts";
import { useGateway } from "./helpers.ts";

const LIMIT = 4;
const WINDOW_SECONDS = 6;

describe("step 4: 429, Retry-After and the RateLimit headers (draft-ietf-httpapi-ratelimit-headers-10)", () => {
  const gateway = useGateway({ instances: 2, limit: LIMIT, windowSeconds: WINDOW_SECONDS });

  test("every answer states the policy and what is left of it, counting down to 0", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const seen: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const reply = await call(apps[i % 2]!.url, { ip });
      const { policyHeader, limitHeader, policies, policy, limit, policyParam, limitParam } = rateLimitFields(reply);
      assert.equal(policies.length, 1, `expected one policy in RateLimit-Policy; got ${JSON.stringify(policyHeader)}`);
      assert.equal(policyParam("q"), LIMIT, `expected q=${LIMIT} (the quota) in RateLimit-Policy; got ${JSON.stringify(policyHeader)}`);
      assert.equal(policyParam("w"), WINDOW_SECONDS, `expected w=${WINDOW_SECONDS} (the window, in seconds) in RateLimit-Policy; got ${JSON.stringify(policyHeader)}`);
      assert.equal(limit.value, policy.value, `expected RateLimit to name the same policy as RateLimit-Policy ("${policy.value}"); got ${JSON.stringify(limitHeader)}`);
      const r = limitParam("r");
      const t = limitParam("t");
      assert.ok(t >= 0 && t <= WINDOW_SECONDS, `expected t (seconds until more quota is made available) between 0 and ${WINDOW_SECONDS}; got ${JSON.stringify(limitHeader)}`);
      seen.push(r);
    }
    assert.deepEqual(seen, [3, 2, 1, 0, 0], `expected r (the requests left) to be 3, 2, 1, 0 over ${LIMIT} admitted requests and 0 on the refused one; got ${seen.join(", ")}`);
  });

  test("a created order (201) and an unknown API key's 401 carry both fields too, and count against the same quota", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const created = await call(apps[0]!.url, { ip, method: "POST" });
    const unknownKey = await call(apps[1]!.url, { ip, apiKey: "made-up-key" });
    for (const [reply, status, left] of [[created, 201, LIMIT - 1], [unknownKey, 401, LIMIT - 2]] as const) {
      assert.equal(reply.status, status, `test setup: expected ${status}; got ${reply.status} ${reply.text}`);
      const { policyHeader, limitHeader, policy, limit, policyParam, limitParam } = rateLimitFields(reply);
      assert.equal(policyParam("q"), LIMIT, `expected q=${LIMIT} in RateLimit-Policy on the ${status}; got ${JSON.stringify(policyHeader)}`);
      assert.equal(limit.value, policy.value, `expected RateLimit on the ${status} to name the same policy as RateLimit-Policy; got ${JSON.stringify(limitHeader)}`);
      assert.equal(limitParam("r"), left, `expected r=${left} on the ${status} (request ${LIMIT - left} of this client); got ${JSON.stringify(limitHeader)}`);
    }
  });

  test("a refused request gets 429 with a JSON error and Retry-After in whole seconds", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    for (let i = 0; i < LIMIT; i++) await call(apps[i % 2]!.url, { ip });
    const refused = await call(apps[0]!.url, { ip });
    assert.equal(refused.status, 429, `expected request ${LIMIT + 1} to be refused with 429; got ${refused.status}`);
    assert.match(refused.headers.get("content-type") ?? "", /application\/(problem\+)?json/, `expected the 429 to have a JSON body; Content-Type was ${refused.headers.get("content-type")}`);
    assert.equal(typeof refused.json.error === "string" || typeof refused.json.title === "string", true, `expected the 429 body to say what happened ({ "error": ... }); got ${JSON.stringify(refused.text)}`);
    const retryAfter = refused.headers.get("retry-after");
    assert.ok(retryAfter !== null, "expected a Retry-After header on the 429: without it clients guess, and usually guess too soon");
    assert.match(retryAfter, /^\d+$/, `expected Retry-After to be a whole number of seconds (RFC 9110 delay-seconds); got ${JSON.stringify(retryAfter)}`);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= WINDOW_SECONDS, `expected Retry-After between 1 and ${WINDOW_SECONDS} seconds (the window); got ${retryAfter}. Seconds or milliseconds?`);
  });

  test("Retry-After is right to the second: one second sooner is too soon, at Retry-After the request is admitted", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const first = await call(apps[0]!.url, { ip });
    for (let i = 1; i < LIMIT; i++) await call(apps[i % 2]!.url, { ip });
    // Known at once, so checked before the wait below: a client that has spent its budget is refused.
    const spent = await call(apps[1]!.url, { ip });
    assert.equal(spent.status, 429, `expected request ${LIMIT + 1} of one client, right after its ${LIMIT} admitted ones, to be refused; got ${spent.status}`);
    // Ask when about 1.5 s remain: far from a whole second, so rounding down and rounding up differ.
    await sleep(Math.max(0, first.sent + WINDOW_SECONDS * 1000 - 1500 - performance.now()));
    const refused = await call(apps[1]!.url, { ip });
    assert.equal(refused.status, 429, `expected a request ${WINDOW_SECONDS - 1.5} s after spending the budget to be refused; got ${refused.status}`);
    const retryAfter = Number(refused.headers.get("retry-after"));
    // The first admitted request leaves the window WINDOW_SECONDS after it was decided, somewhere between its send and its answer.
    const earliest = (first.sent + WINDOW_SECONDS * 1000 - refused.received) / 1000;
    const latest = (first.received + WINDOW_SECONDS * 1000 - refused.sent) / 1000;
    assert.ok(
      retryAfter >= earliest - 1 && retryAfter <= latest + 1,
      `expected Retry-After within a second of the true wait (${earliest.toFixed(2)} to ${latest.toFixed(2)} s: the first of the ${LIMIT} requests leaves the ${WINDOW_SECONDS} s window then); got ${refused.headers.get("retry-after")}`,
    );
    const tooSoon = Math.max(0, retryAfter * 1000 - 1000 - (performance.now() - refused.received));
    if (retryAfter > 1) {
      await sleep(tooSoon - 300);
      const early = await call(apps[0]!.url, { ip });
      // Only conclusive if it was certainly decided before the first request left the window (a slow machine can delay it past that).
      if (early.received < first.sent + WINDOW_SECONDS * 1000) {
        assert.equal(early.status, 429, `expected a request well before Retry-After (${retryAfter} s) to be refused still; got ${early.status}`);
      }
    }
    await sleep(Math.max(0, refused.received + retryAfter * 1000 - performance.now()) + 50);
    const back = await call(apps[0]!.url, { ip });
    assert.equal(back.status, 200, `expected a request sent once Retry-After (${retryAfter} s) had passed to be admitted; got ${back.status}. Round the wait up to whole seconds, never down.`);
  });

  test("two gateways in one process each advertise their own policy", async () => {
    // Anything computed once at module scope (a policy header, a config read from the environment)
    // is shared by every app in the process; each gateway must describe the config it was given.
    const policies = [
      { name: "small", limit: 2, windowSeconds: 5 },
      { name: "large", limit: 7, windowSeconds: 9 },
    ];
    const running = await Promise.all(
      policies.map(({ name, limit, windowSeconds }) => localGateway(name, { RATE_LIMIT: String(limit), RATE_WINDOW_SECONDS: String(windowSeconds), TRUST_PROXY_HOPS: "1" })),
    );
    try {
      const ip = freshIp();
      for (const [i, { limit, windowSeconds }] of policies.entries()) {
        const reply = await call(running[i]!.url, { ip });
        const header = reply.headers.get("ratelimit-policy");
        const [policy] = parseSfList("RateLimit-Policy", header);
        assert.deepEqual(
          [intParam("RateLimit-Policy", policy!, "q", header), intParam("RateLimit-Policy", policy!, "w", header)],
          [limit, windowSeconds],
          `expected the gateway configured with ${limit} per ${windowSeconds} s to say q=${limit};w=${windowSeconds}; got ${JSON.stringify(header)}. Build the header from the config gate() receives, not from a module-level value or the environment.`,
        );
      }
    } finally {
      await Promise.allSettled(running.map((gateway) => gateway.close()));
    }
  });
});
