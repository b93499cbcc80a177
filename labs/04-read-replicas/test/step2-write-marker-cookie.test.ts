/**
 * Step 2: a successful PATCH marks the write with the `last-write` cookie. The tests read the
 * Set-Cookie header itself, attribute by attribute: a browser obeys Max-Age, Path, HttpOnly and
 * SameSite, so a wrong unit or a missing flag changes what really happens.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LAST_WRITE_COOKIE } from "../src/freshness.ts";
import { replicaSetFixture, setCookies, sleep, type ReplicaSetFixture, type SetCookie } from "./helpers.ts";

const json = { "content-type": "application/json" };

/** The one marker cookie a response sets; fails with what was there instead. */
function marker(response: Response): SetCookie {
  const all = setCookies(response);
  const found = all.filter((c) => c.name === LAST_WRITE_COOKIE);
  assert.equal(
    found.length,
    1,
    `expected exactly one Set-Cookie for "${LAST_WRITE_COOKIE}" after a successful PATCH; got ${found.length} (Set-Cookie headers: ${JSON.stringify(all.map((c) => c.raw))})`,
  );
  return found[0]!;
}

function assertMarker(cookie: SetCookie, windowMs: number, writtenBetween: [number, number]): number {
  const [earliest, latest] = writtenBetween;
  assert.match(cookie.value, /^\d+$/, `expected the cookie's value to be the write time in milliseconds (digits only); got "${cookie.value}" in ${cookie.raw}`);
  const value = Number(cookie.value);
  assert.ok(
    value >= earliest && value <= latest,
    `expected the cookie to hold the time of the write in milliseconds since the epoch, between ${earliest} and ${latest}; got ${value}` +
      (value < earliest / 100 ? " (that looks like seconds, not milliseconds)" : ""),
  );
  const maxAge = cookie.attributes.get("max-age");
  assert.equal(
    maxAge,
    String(windowMs / 1000),
    `expected Max-Age=${windowMs / 1000} (the window of ${windowMs} ms, in seconds, as Set-Cookie counts it); got ${maxAge === undefined ? "no Max-Age" : `Max-Age=${String(maxAge)}`} in ${cookie.raw}`,
  );
  assert.equal(cookie.attributes.get("path"), "/", `expected Path=/ so the marker goes with every read, whatever the URL; got ${String(cookie.attributes.get("path") ?? "no Path")} in ${cookie.raw}`);
  assert.equal(cookie.attributes.get("httponly"), true, `expected the HttpOnly flag (page scripts have no business reading or forging the marker); got ${cookie.raw}`);
  const sameSite = cookie.attributes.get("samesite");
  assert.ok(typeof sameSite === "string" && sameSite.toLowerCase() === "lax", `expected SameSite=Lax; got ${String(sameSite ?? "no SameSite")} in ${cookie.raw}`);
  assert.ok(![...cookie.attributes.keys()].some((k) => k.endsWith("(repeated)")), `expected each attribute once; got ${cookie.raw}`);
  return value;
}

describe("step 2: a successful PATCH sets the last-write marker cookie", () => {
  let fx: ReplicaSetFixture;
  let app5s: string;
  let app7s: string;
  let next = 0;
  const freshProfile = () => fx.profiles[1500 + next++]!._id.toHexString();

  before(async () => {
    fx = await replicaSetFixture();
    app5s = (await fx.startApp()).url;
    app7s = (await fx.startApp({ readYourWritesWindowMs: 7000 })).url;
  });
  after(() => fx.close());

  it("the marker holds the write time in ms, with Max-Age equal to the window in seconds, Path=/, HttpOnly and SameSite=Lax", async () => {
    for (const [url, windowMs] of [
      [app5s, 5000],
      [app7s, 7000],
    ] as const) {
      const earliest = Date.now();
      const res = await fetch(`${url}/profiles/${freshProfile()}`, { method: "PATCH", headers: json, body: JSON.stringify({ bio: `window ${windowMs}` }) });
      const latest = Date.now();
      assert.equal(res.status, 200, `expected 200 from PATCH /profiles/:id; got ${res.status}`);
      assertMarker(marker(res), windowMs, [earliest, latest]);
    }
  });

  it("a second write refreshes the marker: a later time, the same attributes", async () => {
    const id = freshProfile();
    const first = await fetch(`${app5s}/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ name: "First" }) });
    assert.equal(first.status, 200);
    const firstAt = assertMarker(marker(first), 5000, [0, Date.now()]);
    await sleep(50);
    const earliest = Date.now();
    const cookie = `${LAST_WRITE_COOKIE}=${firstAt}`;
    const second = await fetch(`${app5s}/profiles/${id}`, { method: "PATCH", headers: { ...json, cookie }, body: JSON.stringify({ name: "Second" }) });
    const latest = Date.now();
    assert.equal(second.status, 200);
    const secondAt = assertMarker(marker(second), 5000, [earliest, latest]);
    assert.ok(secondAt > firstAt, `expected the second write's marker (${secondAt}) to be later than the first (${firstAt})`);
  });

  it("a PATCH that changes nothing (400 or 404) and every GET leave the marker alone", async () => {
    const id = freshProfile();
    const cases: [string, RequestInit][] = [
      [`/profiles/${id}`, { method: "PATCH", headers: json, body: JSON.stringify({ role: "admin" }) }],
      [`/profiles/${id}`, { method: "PATCH", headers: json, body: "{ not json" }],
      ["/profiles/0123456789abcdef01234567", { method: "PATCH", headers: json, body: JSON.stringify({ name: "Nobody" }) }],
      ["/profiles/not-an-id", { method: "PATCH", headers: json, body: JSON.stringify({ name: "Nobody" }) }],
      [`/profiles/${id}`, {}],
      // A read inside the window must not extend it, or a client that keeps reading stays on the primary.
      [`/profiles/${id}`, { headers: { cookie: `${LAST_WRITE_COOKIE}=${Date.now() - 100}` } }],
      ["/analytics/signups", {}],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${app5s}${path}`, init);
      await res.arrayBuffer();
      const cookies = setCookies(res).filter((c) => c.name === LAST_WRITE_COOKIE);
      assert.equal(
        cookies.length,
        0,
        `expected no marker cookie for ${init.method ?? "GET"} ${path} (answered ${res.status}): only a write that happened marks the client; got ${JSON.stringify(cookies.map((c) => c.raw))}`,
      );
    }
  });
});
