import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Browser, useShop } from "./helpers.ts";

/** Random bits an id can carry, judged by its alphabet and length. */
function estimatedBits(id: string): number {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return 122; // UUID v4
  if (/^\d+$/.test(id)) return id.length * Math.log2(10);
  if (/^[0-9a-f]+$/i.test(id)) return id.length * 4;
  if (/^[A-Za-z0-9_\-+/=%]+$/.test(id)) return id.replace(/=+$/, "").length * 6;
  return id.length * 4;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

describe("session cookies", () => {
  const shop = useShop();

  test("session ids are random, with at least 128 bits", async () => {
    const { apps } = shop();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const browser = new Browser();
      await browser.request(apps[i % 2]!.url, "POST", "/login", { username: `user${i}` });
      ids.push(browser.sid);
    }
    assert.equal(new Set(ids).size, ids.length, `expected every login to get a new id; got ${ids.join(", ")}`);
    for (const id of ids) {
      const bits = estimatedBits(id);
      assert.ok(bits >= 128, `session id "${id}" carries about ${Math.floor(bits)} bits; use at least 128 random bits (e.g. 32 bytes from node:crypto)`);
    }
    for (let i = 1; i < ids.length; i++) {
      assert.ok(sharedPrefix(ids[i - 1]!, ids[i]!) < 8, `consecutive ids "${ids[i - 1]}" and "${ids[i]}" share a long prefix: they look predictable (a timestamp or counter?)`);
    }
  });

  test("the session cookie is HttpOnly and SameSite", async () => {
    const browser = new Browser();
    await browser.request(shop().lb.url, "POST", "/login", { username: "ada" });
    const header = browser.setCookie;
    assert.match(header, /;\s*HttpOnly/i, `expected HttpOnly on the session cookie so page scripts cannot read it; got "${header}"`);
    assert.match(header, /;\s*SameSite=(Lax|Strict)/i, `expected SameSite=Lax or Strict on the session cookie; got "${header}"`);
  });

  test("a guessed, forged or malformed cookie gets 401, not someone's session and not 500", async () => {
    const { lb, apps } = shop();
    const victim = new Browser();
    await victim.request(apps[0]!.url, "POST", "/login", { username: "victim" });
    const forged = ["sid=1", "sid=2", "sid=3", "sid=0", "sid=%E0%A4%A", "sid=", "sid=../../etc/passwd", `sid=${"A".repeat(43)}`, `sid=${"x".repeat(600)}`, "sid=%00", "sid=a;sid=b"];
    for (const cookie of forged) {
      for (const app of [...apps, { url: lb.url }]) {
        const attacker = new Browser();
        attacker.cookie = cookie;
        const me = await attacker.request(app.url, "GET", "/me");
        assert.equal(me.status, 401, `GET /me with cookie "${cookie.slice(0, 40)}" should be 401; got ${me.status}${me.json.user ? ` logged in as ${me.json.user}` : ""}`);
        assert.equal(typeof me.json.error, "string", "a 401 should carry a JSON error");
      }
    }
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
