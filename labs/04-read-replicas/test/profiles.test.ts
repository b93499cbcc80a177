import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { labServices, startInstance, type Instance } from "#kit/testing/index.ts";
import { CookieJar, readsSince, replicaSetFixture, sleep, type ReplicaSetFixture } from "./helpers.ts";

const json = { "content-type": "application/json" };

describe("profile reads: secondaries by default, the primary right after your own write", () => {
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
});
