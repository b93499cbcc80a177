import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { attempt, exitWithin, pollUntilRefused, request, show, startApp, waitForOutput, waitUntilNotReady } from "./helpers.ts";

// Each test starts its own app process and signals it, so they can run side by side.
describe("step 1: readiness turns 503 first, and the listener stays open for the drain delay", { concurrency: true }, () => {
  test("GET /ready answers 503 for the whole drain delay, and never 200 again, before connections are refused", async () => {
    // A long drain delay so the 503 window is easy to observe on a busy machine.
    const app = await startApp({ DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "20000" });
    assert.equal((await request(`${app.url}/ready`)).status, 200, "readiness should answer 200 before any signal");
    const slow = request(`${app.url}/slow?ms=3000`).catch((error: Error) => error);
    await waitForOutput(app, /slow request started/);
    app.signal("SIGTERM");
    // Readiness, polled as a load balancer would (each check a new connection).
    const runs = await pollUntilRefused(`${app.url}/ready`, app);
    const afterSignal = runs[0]?.[0] === "200" ? runs.slice(1) : runs; // the first checks may beat the signal
    const first = afterSignal[0];
    // Polls are sequential, so at most one could be caught by a listener closing at the same
    // moment; a real drain window answers 503 many times over DRAIN_DELAY_MS (1.5 s).
    assert.ok(
      first?.[0] === "503" && first[1] >= 3,
      `expected GET /ready to answer 503 for the whole drain delay (several checks) before connections are refused; saw ${show(runs)}`,
    );
    assert.ok(!afterSignal.some(([label]) => label === "200"), `readiness must not go back to 200 once draining has started; saw ${show(runs)}`);
    assert.equal(runs.at(-1)?.[0], "ECONNREFUSED", `expected new connections to be refused once the drain delay is over (while the slow request still runs); saw ${show(runs)}`);
    await slow;
    await exitWithin(app, 15_000, "draining should end once the slow request is done");
  });

  test("GET /live stays 200 while readiness is 503", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "20000" });
    const slow = request(`${app.url}/slow?ms=3000`).catch((error: Error) => error);
    await waitForOutput(app, /slow request started/);
    app.signal("SIGTERM");
    const ready = await waitUntilNotReady(app);
    assert.deepEqual(ready, { status: 503 }, `expected readiness to turn 503 after SIGTERM; got ${JSON.stringify(ready)}`);
    const live = await attempt(`${app.url}/live`);
    assert.deepEqual(live, { status: 200 }, `expected GET /live to stay 200 while draining (a failing liveness probe gets the process killed mid-drain); got ${JSON.stringify(live)}`);
    await slow;
    await exitWithin(app, 15_000, "draining should end once the slow request is done");
  });

  test("a request that arrives during the drain delay, from a balancer that has not noticed yet, is served in full", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "20000" });
    app.signal("SIGTERM");
    const ready = await waitUntilNotReady(app);
    assert.deepEqual(ready, { status: 503 }, `expected readiness to turn 503 after SIGTERM; got ${JSON.stringify(ready)}`);
    const late = await request(`${app.url}/slow?ms=200`).catch((error: Error) => error);
    assert.ok(!(late instanceof Error), `expected a request sent while readiness is 503 (inside the drain delay) to be served; it failed with "${late instanceof Error ? late.message : ""}"`);
    assert.equal(late.status, 200, `expected 200 for the late request; got ${late.status} ${late.body}`);
    const { code } = await exitWithin(app, 15_000, "nothing is left in flight");
    assert.equal(code, 0, `expected exit code 0 after a clean drain; got ${code}`);
  });
});
