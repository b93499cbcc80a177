import assert from "node:assert/strict";
import { test } from "node:test";
import { getFreePort } from "#kit/testing/index.ts";
import { call, login, ORIGIN, startApp, tryFeed, type Opened } from "./helpers.ts";

const outcome = (opened: Opened) => (opened.ok ? "101: the socket opened" : `${opened.status} ${opened.body.slice(0, 120)}`);

async function openCount(url: string): Promise<number> {
  const stats = await call(url, "GET", "/stats");
  return Number(stats.json.open) + Number(stats.json.closing);
}

test("an upgrade without a valid session is refused with 401, before any socket opens", async () => {
  const app = await startApp();
  const cases: [string, string | undefined][] = [
    ["no cookie at all", undefined],
    ["a sid of the right shape that no session has", `sid=${"A".repeat(43)}`],
    ["a malformed sid", "sid=../../etc"],
    ["another cookie only", "theme=dark"],
  ];
  for (const [what, cookie] of cases) {
    const opened = await tryFeed(app.wsUrl, { cookie });
    if (opened.ok) opened.feed.ws.terminate();
    assert.ok(!opened.ok && opened.status === 401, `expected ${what} to get 401 on the upgrade request (no 101); got ${outcome(opened)}`);
    assert.match(opened.ok ? "" : opened.body, /"error"/, `expected a JSON {"error"} body with the 401`);
  }
  assert.equal(await openCount(app.url), 0, "expected no socket on the server after refused upgrades");
  const fine = await tryFeed(app.wsUrl, { cookie: await login(app.url, "ada") });
  assert.ok(fine.ok, `expected a logged-in client from ${ORIGIN} to open the feed; got ${outcome(fine)}`);
  assert.equal(fine.feed.messages[0]?.user, "ada", `expected the hello to name the session's user, ada; got ${JSON.stringify(fine.feed.messages[0])}`);
});

test("an upgrade from an origin not on the allow-list is refused with 403, even with a valid session", async () => {
  const app = await startApp();
  const cookie = await login(app.url);
  const cases: [string, string | null][] = [
    ["no Origin header", null],
    ["a look-alike that starts with an allowed origin", `${ORIGIN}.evil.net`],
    ["a look-alike with the allowed origin as its subdomain", "https://shop.example-evil.net"],
    ["an origin that contains the allowed one", `https://evil.net/${ORIGIN}`],
    ["the allowed host over plain http", "http://shop.example"],
    ["the allowed host on another port", `${ORIGIN}:8443`],
    ["an allowed origin's prefix", "https://shop.exampl"],
    ["the opaque origin", "null"],
    ["an empty Origin", ""],
  ];
  for (const [what, origin] of cases) {
    const opened = await tryFeed(app.wsUrl, { cookie, origin });
    if (opened.ok) opened.feed.ws.terminate();
    assert.ok(!opened.ok && opened.status === 403, `expected ${what} (${JSON.stringify(origin)}) to get 403 on the upgrade (no 101); got ${outcome(opened)}`);
  }
  for (const origin of [ORIGIN, "http://localhost:3000"]) {
    const opened = await tryFeed(app.wsUrl, { cookie, origin });
    assert.ok(opened.ok, `expected ${origin}, on ALLOWED_ORIGINS, to open the feed; got ${outcome(opened)}`);
    opened.feed.ws.terminate();
  }
});

test("when the session store is down, an upgrade gets 503 and the instance keeps running", async () => {
  const dead = await getFreePort();
  const app = await startApp({ REDIS_URL: `redis://127.0.0.1:${dead}` });
  const opened = await tryFeed(app.wsUrl, { cookie: `sid=${"B".repeat(43)}` });
  if (opened.ok) opened.feed.ws.terminate();
  assert.ok(!opened.ok && opened.status === 503, `expected 503 while Redis is unreachable (the session cannot be checked); got ${outcome(opened)}`);
  const health = await call(app.url, "GET", "/health");
  assert.equal(health.status, 200, "expected the instance to keep answering after a failed session lookup");
});
