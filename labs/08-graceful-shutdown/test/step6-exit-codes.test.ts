import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exitReport, exitWithin, request, startApp } from "./helpers.ts";

describe("step 6: the exit code says how the drain went", { concurrency: true }, () => {
  test("a drain with nothing in flight ends by itself with exit code 0", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "20000" });
    app.signal("SIGTERM");
    const { code, signal } = await exitWithin(app, 15_000, "nothing is in flight");
    assert.equal(signal, null, `expected the app to exit by itself; it was ended by ${signal}`);
    assert.equal(code, 0, `expected exit code 0 after a clean drain; got ${code}. Output:\n${app.output()}`);
    assert.match(app.output(), /\[exit-report\]/, "expected the process to exit on its own terms");
  });

  test("an error while draining (a client that fails to close) exits 1 at once, after closing every other client", async () => {
    // The test's witness makes queue.close() reject. The deadline is far away: only the drain's own
    // error handling can end this process in time.
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "60000", WITNESS_FAIL_QUEUE_CLOSE: "1" });
    assert.equal((await request(`${app.url}/slow?ms=0`)).status, 200, "test setup: GET /slow?ms=0 should answer 200");
    app.signal("SIGTERM");
    const { code, signal } = await exitWithin(app, 20_000, "a failed close should end the drain with an error, not leave it waiting for the 60 s deadline");
    assert.equal(signal, null, `expected the app to exit by itself; it was ended by ${signal}`);
    assert.equal(code, 1, `expected exit code 1 when a step of the drain failed (0 would tell the orchestrator all went well); got ${code}. Output:\n${app.output()}`);
    const report = exitReport(app);
    assert.ok(report, `expected the exit report. Output:\n${app.output()}`);
    const appClient = Array.isArray(report.redisClients) ? report.redisClients.filter((name) => name.endsWith(":app")) : report.redisClients;
    assert.deepEqual(appClient, [], `expected the app's own Redis client to be closed even though closing the queue failed; still open: ${JSON.stringify(report.redisClients)}`);
    assert.equal(report.mongoClientsOpen, 0, "expected MongoDB to be closed even though closing the queue failed");
  });
});
