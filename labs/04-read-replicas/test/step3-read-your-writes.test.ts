/**
 * Step 3: where a profile read goes. A secondary by default; the primary while the client carries
 * a marker of its own write younger than the window; never the primary because of a marker the
 * client made up or kept too long. (With no secondary up: step3-reads-without-secondaries.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { labServices, startInstance, type Instance } from "#kit/testing/index.ts";
import { LAST_WRITE_COOKIE } from "../src/freshness.ts";
import { CookieJar, describeTargets, readsSince, replicaSetFixture, sleep, type ReplicaSetFixture } from "./helpers.ts";

const json = { "content-type": "application/json" };

describe("step 3: profile reads go to secondaries, except right after your own write", () => {
  let fx: ReplicaSetFixture;
  let appA: string;
  let appB: string;
  let otherProcess: Instance | undefined;
  let next = 0;
  /** A profile no earlier test has touched. */
  const freshProfile = () => fx.profiles[100 + next++]!._id.toHexString();

  before(async () => {
    fx = await replicaSetFixture();
    // Two instances of the app, like two processes behind a load balancer.
    appA = (await fx.startApp()).url;
    appB = (await fx.startApp()).url;
  });
  after(async () => {
    await otherProcess?.stop();
    await fx.close();
  });

  it("reading a profile you have not just written is served by a secondary", async () => {
    const from = fx.commands.length;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${appA}/profiles/${fx.profiles[i]!._id.toHexString()}`);
      assert.equal(res.status, 200, `expected 200 from GET /profiles/:id; got ${res.status}`);
    }
    const finds = readsSince(fx.commands, from, "find");
    assert.ok(finds.length >= 10, `expected a find per profile read (10); saw ${finds.length}`);
    const onPrimary = finds.filter((c) => c.address === fx.primary).length;
    assert.equal(
      onPrimary,
      0,
      `expected ordinary profile reads to go to a secondary; ${onPrimary} of ${finds.length} went to the primary. ` +
        "Only a client that has just written needs the primary (TODO(3)).",
    );
  });

  it("PATCH then an immediate GET returns the new value, read from the primary (read-your-writes)", async () => {
    for (let i = 0; i < 5; i++) {
      const id = freshProfile();
      const name = `Renamed ${i} ${Date.now()}`;
      const jar = new CookieJar();
      const patch = await fetch(`${appA}/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ name }) });
      assert.equal(patch.status, 200, `expected 200 from PATCH /profiles/:id; got ${patch.status}`);
      jar.store(patch);
      const from = fx.commands.length;
      // The next request lands on the other instance, as it may behind a load balancer.
      const get = await fetch(`${appB}/profiles/${id}`, { headers: jar.header() });
      assert.equal(get.status, 200);
      const body = (await get.json()) as { name?: string };
      const finds = readsSince(fx.commands, from, "find");
      const where = finds.map((c) => (c.address === fx.primary ? "primary" : "secondary")).join(", ") || "nowhere";
      assert.equal(
        body.name,
        name,
        `stale read: PATCH set name "${name}" but the GET right after returned "${body.name}" (read from: ${where}). ` +
          "A secondary had not caught up yet; the writer's reads must go to the primary for a while (TODO(2), TODO(3)).",
      );
      assert.ok(
        finds.length > 0 && finds.every((c) => c.address === fx.primary),
        `expected the read right after a write to be served by the primary; it was read from: ${where}`,
      );
    }
  });

  it("your write is visible right away through another app process too (the marker travels with the client)", async () => {
    // A separate process shares no memory with this one, like a second instance behind a load balancer.
    const { env } = await labServices(["mongo-replset"]);
    const other = await startInstance({ entry: new URL("../src/server.ts", import.meta.url), env: { ...env, WORKBOOK_NS: fx.dbName } });
    otherProcess = other;
    await sleep(1000); // let its driver discover the secondaries
    for (let i = 0; i < 5; i++) {
      const id = freshProfile();
      const name = `Elsewhere ${i} ${Date.now()}`;
      const jar = new CookieJar();
      const patch = await fetch(`${appA}/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ name }) });
      assert.equal(patch.status, 200, `expected 200 from PATCH /profiles/:id; got ${patch.status}`);
      jar.store(patch);
      const get = await fetch(`${other.url}/profiles/${id}`, { headers: jar.header() });
      assert.equal(get.status, 200);
      const body = (await get.json()) as { name?: string };
      assert.equal(
        body.name,
        name,
        `stale read on the other process: PATCH set name "${name}" but its GET right after returned "${body.name}". ` +
          "Memory in one process is invisible to the others; the client must carry the marker (a cookie).",
      );
    }
  });

  it("a read one second after your write still goes to the primary (the window outlasts replication lag)", async () => {
    const id = freshProfile();
    const jar = new CookieJar();
    const patch = await fetch(`${appA}/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ bio: "still fresh" }) });
    assert.equal(patch.status, 200);
    jar.store(patch);
    await sleep(1000);
    const from = fx.commands.length;
    const get = await fetch(`${appB}/profiles/${id}`, { headers: jar.header() });
    assert.equal(get.status, 200);
    const finds = readsSince(fx.commands, from, "find");
    assert.ok(
      finds.length > 0 && finds.every((c) => c.address === fx.primary),
      "expected a read 1 s after the write (inside the 5 s window) to go to the primary; it went to a secondary. " +
        "Is the window in milliseconds, and is it longer than the worst replication lag you expect?",
    );
  });

  it("once the window has passed, your reads go back to secondaries", async () => {
    const shortWindow = await fx.startApp({ readYourWritesWindowMs: 1000 });
    const id = freshProfile();
    const jar = new CookieJar();
    const patch = await fetch(`${shortWindow.url}/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ bio: "later" }) });
    assert.equal(patch.status, 200);
    jar.store(patch);
    assert.ok(jar.size > 0, "expected PATCH to set a cookie marking the write (TODO(2))");
    await sleep(2500);
    const from = fx.commands.length;
    // The client still sends the old cookie: the server must compare the write time to the window.
    const get = await fetch(`${shortWindow.url}/profiles/${id}`, { headers: jar.header() });
    assert.equal(get.status, 200);
    assert.equal(((await get.json()) as { bio?: string }).bio, "later");
    const finds = readsSince(fx.commands, from, "find");
    assert.ok(
      finds.length > 0 && finds.every((c) => c.address !== fx.primary),
      "expected a read 2.5 s after a write (window 1 s) to go back to a secondary; it went to the primary. " +
        "Compare the write time in the cookie with the window instead of treating any marker as 'fresh forever'.",
    );
  });

  it("bad input gets 400 with a JSON error; an unknown profile gets 404; a garbled marker is ignored", async () => {
    const id = freshProfile();
    const cases: [string, RequestInit, number][] = [
      ["/profiles/not-an-id", {}, 400],
      ["/profiles/0123456789abcdef01234567", {}, 404],
      [`/profiles/${id}`, { method: "PATCH", headers: json, body: "{ not json" }, 400],
      [`/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ name: "" }) }, 400],
      [`/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ role: "admin" }) }, 400],
      [`/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({}) }, 400],
      [`/profiles/${id}`, { headers: { cookie: "last-write=banana" } }, 200],
      [`/profiles/${id}`, { headers: { cookie: "last-write=%E0%A4%A; other=1" } }, 200],
    ];
    for (const [path, init, status] of cases) {
      const res = await fetch(`${appA}${path}`, init);
      assert.equal(res.status, status, `expected ${status} for ${init.method ?? "GET"} ${path} ${init.body ?? ""}; got ${res.status}`);
      const body = (await res.json()) as { error?: unknown };
      if (status !== 200) assert.equal(typeof body.error, "string", `expected a JSON { error } body for ${path}`);
    }
  });

  it("a marker dated in the future is not trusted: the read goes to a secondary", async () => {
    const id = freshProfile();
    const now = Date.now();
    const forged = [now + 2_000, now + 60_000, now + 3_600_000, now + 10 * 365 * 86_400_000, 8_640_000_000_000_000];
    for (const at of forged) {
      const from = fx.commands.length;
      const get = await fetch(`${appA}/profiles/${id}`, { headers: { cookie: `${LAST_WRITE_COOKIE}=${at}` } });
      assert.equal(get.status, 200, `expected 200 for a GET with a marker dated ${at - now} ms in the future; got ${get.status}`);
      const finds = readsSince(fx.commands, from, "find");
      assert.ok(
        finds.length > 0 && finds.every((c) => c.address !== fx.primary),
        `expected a marker dated ${at - now} ms in the future to be ignored (read from a secondary); it was read from: ${describeTargets(fx.commands, from, fx.primary, "find")}. ` +
          "The cookie comes from the client: a time ahead of now (beyond a second of clock skew) was never written by us, and trusting it pins the client to the primary for as long as it likes.",
      );
    }
  });

  it("only a marker younger than the window sends a read to the primary (any cookie value)", async () => {
    const id = freshProfile();
    const windowMs = 5000;
    // Values that must NOT reach the primary: too old, too far ahead, or not a plain ms timestamp.
    const untrusted = fc.oneof(
      fc.integer({ min: 1, max: 6_000 }).map((ms) => ({ label: `${ms} ms too old`, value: () => String(Date.now() - windowMs - ms) })),
      fc.integer({ min: 1_500, max: 1e9 }).map((ms) => ({ label: `${ms} ms in the future`, value: () => String(Date.now() + ms) })),
      fc.integer({ min: 0, max: 4_000 }).map((ms) => ({ label: `seconds instead of ms`, value: () => String(Math.floor((Date.now() - ms) / 1000)) })),
      fc.constantFrom("1e13", "0x19a", " 1", "-1", "NaN", "Infinity", "", "99999999999999999999").map((v) => ({ label: JSON.stringify(v), value: () => v })),
      // A fresh time, but not spelled as digits only: a lenient parser (parseInt, Number) would trust it.
      fc
        .constantFrom<[string, (now: number) => string]>(
          ["now followed by letters", (now) => `${now}abc`],
          ["now with a decimal part", (now) => `${now}.5`],
          ["now with an exponent", (now) => `${now}e0`],
          ["now in hexadecimal", (now) => `0x${now.toString(16)}`],
          ["now with a plus sign", (now) => `+${now}`],
          ["now in seconds with e3", (now) => `${Math.floor(now / 1000)}e3`],
        )
        .map(([label, spell]) => ({ label, value: () => spell(Date.now()) })),
      fc.string({ unit: fc.constantFrom(..."0123456789abcdefxXe.+-_ "), maxLength: 20 }).filter((v) => !/^\d+$/.test(v)).map((v) => ({ label: JSON.stringify(v), value: () => v })),
    );
    await fc.assert(
      fc.asyncProperty(untrusted, async ({ label, value }) => {
        const from = fx.commands.length;
        const get = await fetch(`${appA}/profiles/${id}`, { headers: { cookie: `${LAST_WRITE_COOKIE}=${value()}` } });
        assert.equal(get.status, 200, `marker ${label}: expected 200; got ${get.status}`);
        const finds = readsSince(fx.commands, from, "find");
        assert.ok(
          finds.length > 0 && finds.every((c) => c.address !== fx.primary),
          `marker ${label}: expected the read to go to a secondary; it went to: ${describeTargets(fx.commands, from, fx.primary, "find")}`,
        );
      }),
      { numRuns: 80, seed: 431 },
    );
    // Fresh markers, including ones up to 800 ms ahead of this clock: another instance's clock may
    // run a little ahead (the README allows one second of skew).
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 0, max: windowMs - 1500 }), fc.integer({ min: -800, max: -1 })), async (ageMs) => {
        const from = fx.commands.length;
        const get = await fetch(`${appA}/profiles/${id}`, { headers: { cookie: `${LAST_WRITE_COOKIE}=${Date.now() - ageMs}` } });
        assert.equal(get.status, 200);
        const finds = readsSince(fx.commands, from, "find");
        const age = ageMs < 0 ? `dated ${-ageMs} ms in the future (within the second of clock skew)` : `${ageMs} ms old`;
        assert.ok(
          finds.length > 0 && finds.every((c) => c.address === fx.primary),
          `a marker ${age} (window ${windowMs} ms): expected the read to go to the primary; it went to: ${describeTargets(fx.commands, from, fx.primary, "find")}`,
        );
      }),
      { numRuns: 24, seed: 432 },
    );
  });

  it("any :id that is not 24 hex digits gets 400 with a JSON error, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 30 }), async (raw) => {
        fc.pre(!/^[0-9a-f]{24}$/i.test(raw));
        const res = await fetch(`${appA}/profiles/${encodeURIComponent(raw)}`);
        const text = await res.text();
        assert.ok(res.status === 400 || res.status === 404, `GET /profiles/${encodeURIComponent(raw)}: expected 400 (or 404 for a path that is not a profile); got ${res.status} ${text}`);
        assert.equal(typeof (JSON.parse(text) as { error?: unknown }).error, "string", `expected a JSON { error } body; got ${text}`);
      }),
      { numRuns: 60, seed: 433 },
    );
  });
});
