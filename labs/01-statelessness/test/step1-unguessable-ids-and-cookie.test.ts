import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { labServices, startInstance, type Instance } from "#kit/testing/index.ts";
import { Browser, parseSetCookie, seededRandom, sessionSetCookie, useShop } from "./helpers.ts";

/** Random bits an id can carry, judged by its alphabet and length (and UUID v4's fixed bits). */
function estimatedBits(ids: string[]): number {
  const id = ids[0]!;
  const uuidV4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
  if (ids.every((x) => uuidV4.test(x))) return 122; // with or without dashes: 6 of its 128 bits are fixed
  if (/^\d+$/.test(id)) return id.length * Math.log2(10);
  if (/^[0-9a-f]+$/i.test(id)) return id.length * 4;
  if (/^[A-Za-z0-9_-]+$/.test(id)) return id.length * 6;
  return id.length * 4;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

describe("step 1: unguessable ids and a safe cookie", () => {
  const shop = useShop();

  test("session ids come from a cryptographic source: a fresh copy of the module with a reseeded Math.random and a frozen clock still gives new ids", async () => {
    const random = Math.random;
    const dateNow = Date.now;
    const perfNow = performance.now.bind(performance);
    const hrtime = process.hrtime;
    const hrtimeBigint = process.hrtime.bigint;
    const ids: string[] = [];
    try {
      Date.now = () => 1_700_000_000_000;
      performance.now = () => 1234.5;
      const frozenHrtime = Object.assign(() => [1234, 500] as [number, number], { bigint: () => 1_234_000_000_500n });
      process.hrtime = frozenHrtime;
      // Two fresh copies of the module, so anything it counts or seeds at load time starts over: an
      // id derived from a clock, the process id or a counter (even hashed) repeats in the second copy.
      for (const copy of ["first", "second"]) {
        const store = (await import(`../src/store.ts?fresh-copy=${copy}`)) as { newSessionId: () => string };
        Math.random = seededRandom(42); // the same seed both rounds: a Math.random id would repeat
        for (let i = 0; i < 10; i++) ids.push(store.newSessionId());
      }
    } finally {
      process.hrtime = hrtime;
      process.hrtime.bigint = hrtimeBigint;
      Math.random = random;
      Date.now = dateNow;
      performance.now = perfNow;
    }
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.equal(
      repeated.length,
      0,
      `expected newSessionId() to give a new id every time, even from a fresh copy of the module with Math.random reseeded and the clock frozen; ${repeated.length} of ${ids.length} repeated (e.g. "${repeated[0]}"). ` +
        "Math.random, timestamps, process ids and counters are predictable, and hashing them does not change that: take the bytes from node:crypto.",
    );
  });

  test("session ids carry at least 128 random bits in cookie-safe characters", async () => {
    const { apps } = shop();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const browser = new Browser();
      await browser.request(apps[i % 2]!.url, "POST", "/login", { username: `user${i}` });
      ids.push(browser.sid);
    }
    assert.equal(new Set(ids).size, ids.length, `expected every login to get a new id; got ${ids.join(", ")}`);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]+$/, `expected the cookie to carry the id as issued, in A-Z a-z 0-9 - _ only (nothing a cookie has to escape); got "${id}"`);
    }
    const bits = estimatedBits(ids);
    assert.ok(bits >= 128, `session ids like "${ids[0]}" carry about ${Math.floor(bits)} random bits; expected at least 128`);
    for (let i = 1; i < ids.length; i++) {
      assert.ok(sharedPrefix(ids[i - 1]!, ids[i]!) < 8, `consecutive ids "${ids[i - 1]}" and "${ids[i]}" share a long prefix: they look predictable (a timestamp or counter?)`);
    }
  });

  test("the session cookie is HttpOnly, SameSite=Lax or Strict, Path=/ and has no Domain", async () => {
    const browser = new Browser();
    await browser.request(shop().lb.url, "POST", "/login", { username: "ada" });
    const cookie = sessionSetCookie(browser, "POST /login");
    const header = browser.setCookie;
    assert.ok(cookie.attributes.has("httponly") && cookie.attributes.get("httponly") === "", `expected the HttpOnly flag so page scripts cannot read the cookie; got "${header}"`);
    const sameSite = cookie.attributes.get("samesite")?.toLowerCase();
    assert.ok(sameSite === "lax" || sameSite === "strict", `expected SameSite=Lax or SameSite=Strict, so the browser does not send it on cross-site requests; got "${header}"`);
    assert.equal(cookie.attributes.get("path"), "/", `expected Path=/ so every route sees the cookie; got "${header}"`);
    assert.ok(!cookie.attributes.has("domain"), `expected no Domain attribute (it would share the cookie with every subdomain); got "${header}"`);
  });

  describe("in production", () => {
    let prod: Instance | undefined;
    after(() => prod?.stop());

    test("with NODE_ENV=production the session cookie is also Secure, and it is not Secure otherwise", async () => {
      const { env } = await labServices(["redis"]);
      prod = await startInstance({ entry: new URL("../src/server.ts", import.meta.url), env: { ...env, NODE_ENV: "production" } });
      const browser = new Browser();
      const login = await browser.request(prod.url, "POST", "/login", { username: "grace" });
      assert.equal(login.status, 201, `login should answer 201; got ${login.status}`);
      const cookie = parseSetCookie(browser.setCookie);
      assert.ok(cookie.attributes.has("secure"), `expected the Secure flag when NODE_ENV=production (HTTPS only); got "${browser.setCookie}"`);
      const dev = new Browser();
      await dev.request(shop().lb.url, "POST", "/login", { username: "grace" });
      assert.ok(!parseSetCookie(dev.setCookie).attributes.has("secure"), `expected no Secure flag outside production (local http:// would drop the cookie); got "${dev.setCookie}"`);
    });
  });
});
