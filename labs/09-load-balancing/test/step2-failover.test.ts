import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailures, inFlight, loadUntil, sleep, startCluster, until } from "./helpers.ts";

// Six clients keep sending requests. Once app2 is in the middle of answering some of them, it is
// killed (SIGKILL: no goodbye, its connections reset), and the clients go on for four more seconds.
// Requests app2 was answering, requests sent to it before HAProxy notices, and every request
// after: none may fail.
test("an instance killed under load costs clients no failed request", async () => {
  const cluster = await startCluster({ workMs: [20, 20, 20] });
  const [, app2] = cluster.apps;
  let killedWithInFlight = -1;
  const killed = (async () => {
    await sleep(500);
    await until("app2 to have requests in flight", () => inFlight(app2!) > 0, 10_000);
    killedWithInFlight = inFlight(app2!);
    await app2!.kill();
    await sleep(4000);
  })();
  const answers = await loadUntil(cluster.lb.url, 6, killed);
  assert.ok(killedWithInFlight > 0, "app2 should have been killed while answering requests");
  const failed = answers.filter((a) => a.status !== 200);
  assert.equal(
    failed.length,
    0,
    `expected no failed request when app2 died with ${killedWithInFlight} request(s) in flight; ${describeFailures(answers)}. ` +
      "A 503 from HAProxy means it gave up on a dead server; a 502, or no answer, means a request the dead server was answering was not retried",
  );
});

// Retries hide a dead server from clients, but every request sent its way first pays a failed
// attempt. Active health checks take it out of rotation so that new requests are not sent there.
test("HAProxy's health checks mark a killed instance DOWN within 5 seconds", async () => {
  const cluster = await startCluster();
  const [, app2] = cluster.apps;
  await app2!.kill();
  const killedAt = Date.now();
  let status = "";
  await until(
    "app2 to be marked DOWN",
    async () => {
      status = (await cluster.servers()).get("app2")?.status ?? "(no row)";
      return status.startsWith("DOWN");
    },
    5000,
  ).catch(() => {
    assert.fail(`expected HAProxy's stats to show app2 DOWN within 5 s of its death (active health checks, every second or faster); after ${Date.now() - killedAt} ms its status is "${status}"`);
  });
});
