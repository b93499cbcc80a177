import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { newSessionId, readSessionId } from "../src/store.ts";
import { Browser, useShop, watchRedis } from "./helpers.ts";

const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => c !== ";");
const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const notIdChars = printable.filter((c) => !idChars.includes(c) && c !== " ");

/** Any printable cookie value (no ";"), with percent-escapes that decode badly mixed in. */
const anyCookieValue = fc
  .array(fc.oneof(fc.constantFrom(...printable), fc.constantFrom("%", "%E0%A4%A", "%00", "%zz", "%C0%AF", "=", "\t")), { maxLength: 120 })
  .map((parts) => parts.join(""));

describe("step 4: hostile cookies", () => {
  const shop = useShop();

  test("a guessed, forged or malformed cookie gets 401 with a JSON error, never 500 or someone's session", async () => {
    const { lb, apps } = shop();
    const victim = new Browser();
    await victim.request(apps[0]!.url, "POST", "/login", { username: "victim" });
    const fixed = ["sid=1", "sid=2", "sid=0", "sid=%E0%A4%A", "sid=", "sid=../../etc/passwd", `sid=${"A".repeat(43)}`, `sid=${"x".repeat(4000)}`, "sid=%00", "sid=a;sid=b", `sid=${encodeURIComponent(victim.sid)}x`];
    for (const cookie of fixed) {
      for (const app of [...apps, { url: lb.url }]) {
        const attacker = new Browser();
        attacker.cookie = cookie;
        const me = await attacker.request(app.url, "GET", "/me");
        assert.equal(me.status, 401, `GET /me with cookie "${cookie.slice(0, 40)}" should be 401; got ${me.status}${me.json.user ? ` logged in as ${me.json.user}` : ""}`);
        assert.equal(typeof me.json.error, "string", "a 401 should carry a JSON error");
      }
    }
    for (const app of [...apps, { url: lb.url }]) {
      const stranger = new Browser(); // sends no Cookie header at all
      const me = await stranger.request(app.url, "GET", "/me");
      assert.equal(me.status, 401, `GET /me with no Cookie header should be 401; got ${me.status}`);
      assert.equal(typeof me.json.error, "string", "a 401 without a cookie should carry a JSON error");
    }
    await fc.assert(
      fc.asyncProperty(anyCookieValue, async (value) => {
        const attacker = new Browser();
        attacker.cookie = `sid=${value}`;
        const me = await attacker.request(lb.url, "GET", "/me");
        assert.equal(me.status, 401, `GET /me with cookie sid=${JSON.stringify(value)} should be 401; got ${me.status}`);
        assert.equal(typeof me.json.error, "string", `a 401 should carry a JSON error (cookie sid=${JSON.stringify(value)})`);
      }),
      { numRuns: 150, seed: 141 },
    );
  });

  test("a cookie that cannot be one of your ids (another length, or a character ids never contain) is refused without a Redis lookup", async () => {
    const s = shop();
    const real = new Browser();
    await real.request(s.apps[0]!.url, "POST", "/login", { username: "alan" });
    const id = real.sid;
    assert.ok(/^[A-Za-z0-9_-]{16,}$/.test(id), `expected ids of at least 16 characters from A-Z a-z 0-9 - _ (step 1); got "${id}"`);

    const monitor = await watchRedis(s, `${s.namespace}:session:`);
    const sent: string[] = [];
    try {
      // Each character an id never contains, once, in the real id: a character class that is
      // slightly too wide (A-z also spans [ \ ] ^ _ and `) lets exactly one of them through.
      for (const [i, c] of notIdChars.entries()) {
        const at = (i * 7) % id.length;
        const value = id.slice(0, at) + c + id.slice(at + 1);
        sent.push(value);
        const attacker = new Browser();
        attacker.cookie = `sid=${value}`;
        const me = await attacker.request(s.apps[1]!.url, "GET", "/me");
        assert.equal(me.status, 401, `GET /me with cookie sid=${JSON.stringify(value)} should be 401; got ${me.status}`);
      }
      const forged = fc.oneof(
        // the real id with one character swapped for one an id never contains
        fc.tuple(fc.nat({ max: id.length - 1 }), fc.constantFrom(...notIdChars)).map(([at, c]) => id.slice(0, at) + c + id.slice(at + 1)),
        // the real id, cut short or made longer with id characters
        fc.integer({ min: 1, max: id.length - 1 }).map((n) => id.slice(0, n)),
        fc.string({ unit: fc.constantFrom(...idChars), minLength: 1, maxLength: 8 }).map((extra) => id + extra),
        // anything else that contains at least one character an id never has
        fc.tuple(fc.string({ unit: fc.constantFrom(...idChars), maxLength: 60 }), fc.constantFrom(...notIdChars)).map(([a, c]) => a + c),
      );
      await fc.assert(
        fc.asyncProperty(forged, async (value) => {
          sent.push(value);
          const attacker = new Browser();
          attacker.cookie = `sid=${value}`;
          const me = await attacker.request(s.apps[1]!.url, "GET", "/me");
          assert.equal(me.status, 401, `GET /me with cookie sid=${JSON.stringify(value)} should be 401; got ${me.status}`);
        }),
        { numRuns: 80, seed: 142 },
      );
      await monitor.sync();
    } finally {
      monitor.close();
    }
    const lookups = monitor.lines;
    assert.equal(
      lookups.length,
      0,
      `expected cookies that cannot be an id you issue (ids look like "${id}": ${id.length} characters from A-Z a-z 0-9 - _) to be refused before Redis; ${lookups.length} of ${sent.length} reached it, e.g. "${lookups[0]}". Check the exact shape of the value in readSessionId.`,
    );
  });

  test("readSessionId never throws (not even without a Cookie header), takes only the cookie named exactly sid, and finds it among other cookies", () => {
    fc.assert(
      fc.property(anyCookieValue, fc.constantFrom("sid", "SID", "xsid", "sid2", "_sid", "session"), (value, name) => {
        const header = `${name}=${value}; other=1`;
        let result: string | undefined;
        assert.doesNotThrow(() => (result = readSessionId(header)), `readSessionId(${JSON.stringify(header)}) threw`);
        if (name !== "sid") assert.equal(result, undefined, `readSessionId(${JSON.stringify(header)}) should find no session cookie; got ${JSON.stringify(result)}`);
      }),
      { numRuns: 500, seed: 143 },
    );
    const id = newSessionId();
    for (const header of [undefined, "", " ", ";", "sid", "=", "=sid"]) {
      let result: string | undefined;
      assert.doesNotThrow(() => (result = readSessionId(header)), `readSessionId(${JSON.stringify(header)}) threw: a request without a usable Cookie header is simply not logged in`);
      assert.equal(result, undefined, `readSessionId(${JSON.stringify(header)}) should find no session; got ${JSON.stringify(result)}`);
    }
    // Cookie names are case-sensitive: only the cookie named exactly "sid" is the session, even when
    // another cookie carries a value of the right shape.
    for (const name of ["SID", "Sid", "sId", "siD", "xsid", "sid2", "_sid", "sid-", "ssid"]) {
      const header = `${name}=${id}; other=1`;
      assert.equal(readSessionId(header), undefined, `readSessionId(${JSON.stringify(header)}) should find no session cookie (the name is not exactly "sid"); got the id`);
    }
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("xsid", "sid2", "_sid", "theme", "sidebar"), fc.string({ unit: fc.constantFrom(...idChars), maxLength: 50 })), { maxLength: 4 }),
        fc.array(fc.tuple(fc.constantFrom("lang", "csrf"), fc.string({ unit: fc.constantFrom(...idChars), maxLength: 20 })), { maxLength: 3 }),
        (before, afterwards) => {
          const header = [...before.map(([n, v]) => `${n}=${v}`), `sid=${id}`, ...afterwards.map(([n, v]) => `${n}=${v}`)].join("; ");
          assert.equal(readSessionId(header), id, `expected readSessionId to find the sid cookie in ${JSON.stringify(header)}`);
        },
      ),
      { numRuns: 300, seed: 144 },
    );
  });

  test("bad login or cart input gets 400 with a JSON error", async () => {
    const { lb } = shop();
    const browser = new Browser();
    for (const body of [{}, { username: "" }, { username: 42 }, { username: "a b" }]) {
      const res = await browser.request(lb.url, "POST", "/login", body);
      assert.equal(res.status, 400, `POST /login with ${JSON.stringify(body)} should be 400; got ${res.status}`);
      assert.equal(typeof res.json.error, "string");
    }
    const raw = await fetch(new URL("/login", lb.url), { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    assert.equal(raw.status, 400, `malformed JSON should be 400; got ${raw.status}`);
  });
});
