import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Browser, findSessionKey, maxAgeSeconds, sessionSetCookie, useShop, watchRedis } from "./helpers.ts";

// Redis counts TTLs down while the test runs; this is how far below the full lifetime a fresh
// or just-renewed session may be when the test reads it (generous for a loaded machine).
const SLACK_MS = 10_000;

describe("step 2: sessions in Redis", () => {
  const shop = useShop();

  test("a login through the load balancer stays valid when the next requests land on the other instance", async () => {
    const { lb } = shop();
    const browser = new Browser();
    const login = await browser.request(lb.url, "POST", "/login", { username: "ada" });
    assert.equal(login.status, 201, `login should answer 201; got ${login.status}`);
    for (let i = 0; i < 4; i++) {
      const me = await browser.request(lb.url, "GET", "/me");
      assert.equal(
        me.status,
        200,
        `expected request ${i + 1} after login (served by ${me.instance}, login was on ${login.instance}) to see the session; got ${me.status}. Sessions must live in Redis, not in one process's memory.`,
      );
      assert.equal(me.json.user, "ada");
    }
  });

  test("restarting an instance keeps everyone logged in", async () => {
    const [first] = shop().apps;
    const browser = new Browser();
    await browser.request(first!.url, "POST", "/login", { username: "linus" });
    await first!.restart();
    const me = await browser.request(first!.url, "GET", "/me");
    assert.equal(me.status, 200, `expected the session to survive a restart of the instance that created it; got ${me.status}`);
  });

  test("the session is JSON under session:<id>, and its TTL in Redis is the cookie's Max-Age (at most one hour)", async () => {
    const s = shop();
    const browser = new Browser();
    await browser.request(s.lb.url, "POST", "/login", { username: "barbara" });
    const cookie = sessionSetCookie(browser, "POST /login");
    const lifetime = maxAgeSeconds(cookie, browser.setCookie);
    assert.ok(lifetime >= 60 && lifetime <= 3600, `expected the cookie's Max-Age (the session lifetime, in seconds) between 60 and 3600; got ${lifetime} in "${browser.setCookie}"`);
    const found = await findSessionKey(s, browser.sid);
    assert.ok(found.exists, `expected the key ${found.key} in Redis after login${found.note}`);
    const pttl = await s.redis.pttl(found.key);
    assert.notEqual(pttl, -1, `${found.key} has no TTL: abandoned sessions would pile up in Redis forever`);
    assert.ok(
      pttl > lifetime * 1000 - SLACK_MS && pttl <= lifetime * 1000,
      `expected the session to live in Redis as long as the cookie says (Max-Age=${lifetime}, so a PTTL just under ${lifetime * 1000} ms); PTTL says ${pttl} ms. Check the unit: seconds or milliseconds?`,
    );
    const stored = JSON.parse((await s.redis.get(found.key)) ?? "null") as { user?: string } | null;
    assert.equal(stored?.user, "barbara", `expected ${found.key} to hold the session as JSON with the user name`);
  });

  test("each authenticated request renews the session: the TTL in Redis and the cookie's Max-Age start again", async () => {
    const s = shop();
    const browser = new Browser();
    await browser.request(s.lb.url, "POST", "/login", { username: "edsger" });
    const lifetime = maxAgeSeconds(sessionSetCookie(browser, "POST /login"), browser.setCookie);
    const found = await findSessionKey(s, browser.sid);
    assert.ok(found.exists, `expected the key ${found.key} in Redis after login${found.note}`);
    // Pretend the session has been idle for a while: its remaining lifetime is now well below the full one.
    const aged = Math.floor(lifetime * 1000 * 0.5);
    await s.redis.pexpire(found.key, aged);
    for (const app of s.apps) {
      const me = await browser.request(app.url, "GET", "/me");
      assert.equal(me.status, 200, `GET /me on ${app.url} should answer 200; got ${me.status}`);
      const pttl = await s.redis.pttl(found.key);
      assert.ok(
        pttl > lifetime * 1000 - SLACK_MS && pttl <= lifetime * 1000,
        `expected GET /me to renew the session to its full lifetime (${lifetime} s, from the cookie's Max-Age); its PTTL was set to ${aged} ms and is now ${pttl} ms`,
      );
      const renewed = sessionSetCookie(browser, "GET /me");
      assert.equal(renewed.value, browser.sid, "expected the renewed cookie to carry the same session id");
      assert.equal(maxAgeSeconds(renewed, browser.setCookie), lifetime, `expected the renewed cookie's Max-Age to be the full lifetime again; got "${browser.setCookie}"`);
      await s.redis.pexpire(found.key, aged);
    }
  });

  test("logout deletes the session key, and another instance that already read the session refuses it at once", async () => {
    const s = shop();
    const [a, b] = s.apps;
    const browser = new Browser();
    await browser.request(a!.url, "POST", "/login", { username: "margaret" });
    const found = await findSessionKey(s, browser.sid);
    assert.ok(found.exists, `expected the key ${found.key} in Redis after login${found.note}`);
    for (const app of [a!, b!, a!, b!]) {
      const me = await browser.request(app.url, "GET", "/me");
      assert.equal(me.status, 200, `expected ${app.url} to see the session before logout; got ${me.status}`);
    }
    const oldCookie = browser.cookie;
    const out = await browser.request(a!.url, "POST", "/logout");
    assert.equal(out.status, 204, `logout should answer 204; got ${out.status}`);
    assert.equal(await s.redis.exists(found.key), 0, `expected ${found.key} to be deleted by logout; it is still in Redis`);
    browser.cookie = oldCookie; // as if someone had copied the cookie before logout
    for (const app of [b!, a!]) {
      const me = await browser.request(app.url, "GET", "/me");
      assert.equal(
        me.status,
        401,
        `the logged-out cookie should get 401 on ${app.url === b!.url ? "the other instance, which had read the session before" : "the instance that logged out"}; got ${me.status}. A copy of the session kept in process memory outlives the logout.`,
      );
    }
  });

  test("each instance reaches Redis over one shared connection, not one per request", async () => {
    const s = shop();
    const monitor = await watchRedis(s, `${s.namespace}:session:`);
    try {
      for (let i = 0; i < 3; i++) {
        const browser = new Browser();
        await browser.request(s.lb.url, "POST", "/login", { username: `pooled${i}` });
        for (let j = 0; j < 4; j++) {
          const me = await browser.request(s.lb.url, "GET", "/me");
          assert.equal(me.status, 200, `GET /me should answer 200; got ${me.status}`);
        }
      }
      await monitor.sync();
    } finally {
      monitor.close();
    }
    // MONITOR prints the client's address with each command: "<time> [<db> <ip:port>] "getex" ...".
    const clients = new Set(monitor.lines.map((line) => /\[\d+ ([^\]]+)\]/.exec(line)?.[1] ?? "?"));
    assert.ok(monitor.lines.length >= 15, `expected the 3 logins and 12 reads to reach Redis; MONITOR saw ${monitor.lines.length} session commands`);
    assert.ok(
      clients.size <= s.apps.length,
      `expected the session commands of ${s.apps.length} instances to come from at most ${s.apps.length} Redis connections (one client per process, made in createStore); ` +
        `they came from ${clients.size}. A connection per request pays a TCP handshake every time and can run Redis out of connections under load.`,
    );
  });

  test("a session id never appears in an instance's output: it is a credential, like a password", async () => {
    const s = shop();
    const ids: string[] = [];
    for (const app of s.apps) {
      const browser = new Browser();
      const login = await browser.request(app.url, "POST", "/login", { username: "quiet" });
      assert.equal(login.status, 201, `login should answer 201; got ${login.status}`);
      ids.push(browser.sid);
      for (const target of [app.url, s.lb.url, s.lb.url]) await browser.request(target, "GET", "/me");
      await browser.request(app.url, "POST", "/logout");
    }
    for (const app of s.apps) {
      const leaked = ids.filter((id) => app.output().includes(id));
      assert.equal(
        leaked.length,
        0,
        `expected no session id in the output of ${app.url}; found ${leaked.length} of ${ids.length}. Whoever reads the logs could use it to log in as that user: log the user name, never the id.`,
      );
    }
  });
});
