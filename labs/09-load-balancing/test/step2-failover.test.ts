import assert from "node:assert/strict";
import { before, test } from "node:test";
import { describeFailures, inFlight, loadUntil, sleep, startCluster, untilStatus, until, type Cluster } from "./helpers.ts";

// One cluster for the file: the first test kills app2 under load, the second checks that HAProxy's
// health checks marked that death DOWN in time.
let cluster: Cluster;
let killedAt = 0;
before(async () => {
  cluster = await startCluster({ workMs: [20, 20, 20] });
});

// Six clients keep sending requests. Once app2 is in the middle of answering some of them, it is
// killed (SIGKILL: no goodbye, its connections reset), and the clients go on for four more seconds.
// Requests app2 was answering, requests sent to it before HAProxy notices, and every request
// after: none may fail.
test("an instance killed under load costs clients no failed request", async () => {
  const [, app2] = cluster.apps;
  let killedWithInFlight = -1;
  const killed = (async () => {
    await sleep(500);
    await until("app2 to have requests in flight", () => inFlight(app2!) > 0, 10_000);
    killedWithInFlight = inFlight(app2!);
    await app2!.kill();
    killedAt = Date.now();
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
  const [, app2] = cluster.apps;
  if (killedAt === 0) {
    // The test before did not get as far as the kill: kill app2 here.
    await app2!.kill();
    killedAt = Date.now();
  }
  const left = Math.max(0, killedAt + 5000 - Date.now());
  await untilStatus(cluster, "app2", /^DOWN/, "app2 to be marked DOWN", left).catch((error: Error) => {
    assert.fail(`expected HAProxy's stats to show app2 DOWN within 5 s of its death (active health checks, every second or faster); ${Date.now() - killedAt} ms after it: ${error.message}`);
  });
});
