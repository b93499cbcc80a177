import assert from "node:assert/strict";
import { test } from "node:test";
import { call, login, openFeed, tryFeed, until, type Feed } from "./helpers.ts";
import { startStack } from "./stack.ts";

const DRAIN_WINDOW_MS = 2_000;

test("on SIGTERM an instance stops taking sockets, fails /ready, and closes its sockets with 1012 spread over the drain window", async () => {
  const stack = await startStack({ drainWindowMs: DRAIN_WINDOW_MS });
  const app1 = stack.apps[0]!;
  const direct = { url: app1.url, wsUrl: `ws://127.0.0.1:${app1.port}/feed` };
  const cookie = await login(app1.url);
  const feeds: Feed[] = [];
  for (let i = 0; i < 10; i++) feeds.push(await openFeed(direct, { cookie }));
  // One more client has stopped reading: it will never answer the close handshake, and must not keep the
  // instance from exiting (ws would wait 30 s for its answer).
  const stuck = await openFeed(direct, { cookie });
  (stuck.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
  const closes: { code: number; at: number }[] = [];
  for (const feed of feeds) void feed.closed.then((code) => closes.push({ code, at: Date.now() }));
  let stopped = false;
  const stopping = app1.stop({ timeoutMs: DRAIN_WINDOW_MS + 8_000 }).finally(() => (stopped = true));
  // While it drains (before it exits): /ready fails, new upgrades are refused, HAProxy takes it out.
  let ready = 0;
  await until("/ready on the stopping instance to answer 503", async () => (ready = (await call(app1.url, "GET", "/ready").catch(() => ({ status: -1 }))).status) === 503 || stopped, 5_000).catch(() => {});
  assert.equal(ready, 503, `expected /ready to answer 503 as soon as the instance got SIGTERM; got ${ready === -1 ? "no answer" : ready}${stopped ? " (it had already exited)" : ""}`);
  const late = await tryFeed(direct.wsUrl, { cookie });
  if (late.ok) late.feed.ws.terminate();
  assert.ok(!late.ok && late.status === 503, `expected a new upgrade on the draining instance to get 503; got ${late.ok ? "101: it opened" : `${late.status} ${late.body.slice(0, 100)}`}`);
  // Taken out by the readiness check, that is while app1 still answers (503): not only once it stopped listening.
  let lbSays = "";
  let answering = false;
  await until("HAProxy to mark app1 not UP while it drains", async () => {
    lbSays = (await stack.status()).app1 ?? "";
    if (/^UP/.test(lbSays) && !stopped) return false;
    answering = (await call(app1.url, "GET", "/ready").catch(() => ({ status: -1 }))).status === 503;
    return true;
  }, 10_000).catch(() => {});
  assert.ok(!/^UP/.test(lbSays) && answering, `expected HAProxy's health check to take app1 out while it drains and still answers; ${/^UP/.test(lbSays) ? `HAProxy still said ${lbSays} when app1 exited` : `HAProxy said ${lbSays} only once app1 had stopped answering`}`);
  await stopping.catch((error: Error) => {
    throw new Error(`expected the instance to exit within the drain window plus 8 s, even with a client that never answers the close handshake; ${error.message}`);
  });
  assert.equal(closes.length, 10, `expected all 10 sockets closed by the time the instance exited; ${closes.length} were`);
  const codes = [...new Set(closes.map((c) => c.code))];
  assert.ok(codes.every((c) => c === 1012 || c === 1001), `expected close code 1012 (Service Restart) or 1001 (Going Away) on every socket; got ${codes.join(", ")}`);
  const spread = Math.max(...closes.map((c) => c.at)) - Math.min(...closes.map((c) => c.at));
  assert.ok(spread >= DRAIN_WINDOW_MS / 2, `expected the 10 closes spread over the drain window (${DRAIN_WINDOW_MS} ms; at least half of it between the first and the last); they all came within ${spread} ms`);
});
