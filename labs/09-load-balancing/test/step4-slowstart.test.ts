import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailures, loadUntil, setReady, sleep, startCluster, untilStatus, type Cluster } from "./helpers.ts";

// HAProxy recomputes a slow-starting server's weight every second (the slow-start time is kept in
// seconds), in steps of a sixteenth, and the stats show the share in sixteenths. With a slow start of
// a minute a new step shows within 4 s (measured on HAProxy 2.6: every 3 to 4 s); with 3 minutes the
// first comes after 12 s. So the test waits up to 10 s for a step: the first case always passes, the second
// never does, whatever the load on the machine. A slow start of a second or less (a bare "10" is
// 10 ms, which HAProxy rounds up to a second) is over at its first step: no growth is ever seen.
const growWithinMs = 10_000;

/** Read `server`'s throttle until it grows by 3 points or more, or slow start is over (""); returns the last value. */
async function throttleGrowth(cluster: Cluster, server: string, from: string): Promise<string> {
  const deadline = Date.now() + growWithinMs;
  let now = from;
  while (Date.now() < deadline) {
    await sleep(200);
    now = (await cluster.servers()).get(server)?.throttle ?? "";
    if (now === "" || Number(now) >= Number(from) + 3) break;
  }
  return now;
}

// app3 dies and comes back. A fresh process is cold: for 1.5 s it answers /work with 503 ("warming
// up"), and after that its caches are still empty. Four clients keep sending requests throughout.
// Before that, app1 and app2 are drained and put back (their readiness fails, then passes again):
// every server that comes back ramps up, not only the one the test happens to restart. The ramp is
// watched on app1 while app3 dies and comes back, so its wait overlaps the rest of the scenario.
test("an instance that comes back cold gets no request before it is ready, then a share that starts small and grows", async () => {
  const cluster = await startCluster({ warmupMs: 1500 });
  const [app1, app2, app3] = [cluster.apps[0]!, cluster.apps[1]!, cluster.apps[2]!];
  const throttleOf = async (server: string) => (await cluster.servers()).get(server)?.throttle ?? "";
  const backFromDrain: Record<string, string> = {};
  let throttleAtUp = "";
  let throttleLater = "";
  const scenario = (async () => {
    await sleep(300);
    await Promise.all([setReady(app1, false), setReady(app2, false)]);
    for (const name of ["app1", "app2"]) await untilStatus(cluster, name, /^DOWN/, `HAProxy to mark the drained ${name} DOWN`, 5000);
    await Promise.all([setReady(app1, true), setReady(app2, true)]);
    for (const name of ["app1", "app2"]) {
      await untilStatus(cluster, name, /^UP/, `HAProxy to put ${name} back UP once it is ready again`, 5000);
      backFromDrain[name] = await throttleOf(name);
      // Known now, so said now: no need to kill and restart app3 first.
      assert.match(
        backFromDrain[name],
        /^\d+$/,
        `expected ${name}, drained and then ready again, to come back UP throttled (slow start applies to every server that comes back, not only to app3); its "throttle" column was "${backFromDrain[name]}" (empty means no slowstart on that server)`,
      );
    }
    // app1's ramp is watched while app3 dies and comes back, so its 10 s window costs the test no extra time.
    const app1Growth = throttleGrowth(cluster, "app1", backFromDrain.app1!);
    await app3.kill();
    await untilStatus(cluster, "app3", /^DOWN/, "HAProxy to mark the killed app3 DOWN", 5000);
    await app3.restart();
    await untilStatus(cluster, "app3", /^UP/, "the restarted app3 to be UP in HAProxy again", 60_000);
    throttleAtUp = await throttleOf("app3");
    throttleLater = await app1Growth;
  })();
  const answers = await loadUntil(cluster.lb.url, 4, scenario.catch(() => {}));
  await scenario.catch((error: Error) => {
    if (error instanceof assert.AssertionError) throw error;
    assert.fail(
      `expected HAProxy to mark a drained or killed server DOWN within 5 s (readiness checks), a drained one UP again within 5 s and the restarted app3 within 60 s; ${error.message}`,
    );
  });

  assert.equal(
    answers.filter((a) => a.status !== 200).length,
    0,
    `expected no failed request while app1 and app2 were drained and put back, and app3 died, restarted and warmed up; ${describeFailures(answers)}. A 503 from app3 ("warming up") means HAProxy sent it traffic before it was ready`,
  );
  assert.match(
    throttleAtUp,
    /^\d+$/,
    `expected HAProxy's stats to show app3 throttled (slowstart) when it came back UP; its "throttle" column was "${throttleAtUp}" (empty means no slowstart, or one already over)`,
  );
  assert.ok(Number(throttleAtUp) < 50, `expected app3 to come back at a small share of its weight; its throttle was ${throttleAtUp} %`);
  const fromDrain = backFromDrain.app1!;
  assert.ok(
    /^\d+$/.test(throttleLater) && Number(throttleLater) >= Number(fromDrain) + 3,
    throttleLater === ""
      ? `expected app1's share to grow step by step over a few seconds after it came back; its throttle went from ${fromDrain} % straight to no throttle at all: the slow start was over at its first step (is its time a second or less? A bare number is milliseconds)`
      : `expected app1's share to grow within ${growWithinMs / 1000} s of its return (a slow start of a minute or less shows a new step within 6 s); its throttle went from ${fromDrain} % to ${throttleLater} % in that time`,
  );
});
