import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailures, loadUntil, sleep, startCluster, untilStatus } from "./helpers.ts";

// app3 dies and comes back. A fresh process is cold: for 1.5 s it answers /work with 503 ("warming
// up"), and after that its caches are still empty. Four clients keep sending requests throughout.
test("an instance that comes back cold gets no request before it is ready, then a share that starts small and grows", async () => {
  const cluster = await startCluster({ warmupMs: 1500 });
  const app3 = cluster.apps[2]!;
  const app3Row = async () => (await cluster.servers()).get("app3") ?? {};
  let throttleAtUp = "";
  let throttleLater = "";
  const scenario = (async () => {
    await sleep(300);
    await app3.kill();
    await untilStatus(cluster, "app3", /^DOWN/, "HAProxy to mark the killed app3 DOWN", 5000);
    await app3.restart();
    await untilStatus(cluster, "app3", /^UP/, "the restarted app3 to be UP in HAProxy again", 60_000);
    throttleAtUp = (await app3Row()).throttle ?? "";
    await sleep(2500);
    throttleLater = (await app3Row()).throttle ?? "";
  })();
  const answers = await loadUntil(cluster.lb.url, 4, scenario.catch(() => {}));
  await scenario.catch((error: Error) =>
    assert.fail(`expected HAProxy to mark the killed app3 DOWN within 5 s (health checks) and UP again within 60 s of its restart; ${error.message}`),
  );

  assert.equal(
    answers.filter((a) => a.status !== 200).length,
    0,
    `expected no failed request while app3 died, restarted and warmed up; ${describeFailures(answers)}. A 503 from app3 ("warming up") means HAProxy sent it traffic before it was ready`,
  );
  assert.match(
    throttleAtUp,
    /^\d+$/,
    `expected HAProxy's stats to show app3 throttled (slowstart) when it came back UP; its "throttle" column was "${throttleAtUp}" (empty means no slowstart, or one already over)`,
  );
  assert.ok(Number(throttleAtUp) < 50, `expected app3 to come back at a small share of its weight; its throttle was ${throttleAtUp} %`);
  assert.ok(
    throttleLater === "" || Number(throttleLater) >= Number(throttleAtUp) + 3,
    `expected app3's share to grow over the seconds after it came back (a slow start of a minute or less grows by 4 points or more in 2.5 s); its throttle went from ${throttleAtUp} % to ${throttleLater} % in 2.5 s`,
  );
});
