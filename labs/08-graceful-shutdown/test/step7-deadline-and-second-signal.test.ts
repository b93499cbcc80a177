import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exitReport, exitWithin, request, startApp, waitForOutput, waitUntilNotReady } from "./helpers.ts";

describe("step 7: a deadline, and a second signal, end a stuck drain", { concurrency: true }, () => {
  test("a handler that never finishes is cut off by SHUTDOWN_TIMEOUT_MS: exit code 1, by itself, not before the deadline", async () => {
    // A drain delay that is a large part of the deadline: a deadline shortened by the delay ends 600 ms early.
    const app = await startApp({ DRAIN_DELAY_MS: "600", SHUTDOWN_TIMEOUT_MS: "1500" });
    const hung = request(`${app.url}/hang`).catch((error: Error) => error);
    await waitForOutput(app, /hang request started/);
    const signalled = Date.now();
    app.signal("SIGTERM");
    const { code, signal } = await exitWithin(app, 20_000, "SHUTDOWN_TIMEOUT_MS is 1500, so the deadline should have ended it");
    // When the app called exit, not when the test saw it gone: the witness's own work at exit takes a while.
    const exitedAt = exitReport(app)?.exitedAt;
    assert.ok(exitedAt !== undefined, `test setup: expected the witness's exit report; the output:\n${app.output()}`);
    const waited = exitedAt - signalled;
    await hung;
    assert.equal(signal, null, `expected the app to exit by itself when the deadline passed; it was killed by ${signal}`);
    assert.equal(code, 1, `expected exit code 1 when the deadline cuts the shutdown short; got ${code}`);
    // Timers never fire early, so a process that honours a 1500 ms deadline cannot be gone sooner.
    assert.ok(waited >= 1450, `expected the app to keep waiting for the hung request until the 1500 ms deadline; it exited after ${Math.round(waited)} ms`);
  });

  test("the deadline counts from the signal, not from the end of the drain delay: a delay longer than SHUTDOWN_TIMEOUT_MS is cut short with code 1", async () => {
    // The platform's SIGKILL comes SHUTDOWN_TIMEOUT_MS-and-a-bit after its SIGTERM, whatever the
    // process was doing. A 1.5 s deadline must end this process long before the 30 s delay is over;
    // 15 s leaves a loaded machine ten times the margin.
    const app = await startApp({ DRAIN_DELAY_MS: "30000", SHUTDOWN_TIMEOUT_MS: "1500" });
    app.signal("SIGTERM");
    const { code, signal } = await exitWithin(
      app,
      15_000,
      "SHUTDOWN_TIMEOUT_MS is 1500 and counts from SIGTERM, so the process should be gone long before its 30 s drain delay ends (is the deadline started after the delay?)",
    );
    assert.equal(signal, null, `expected the app to exit by itself at the deadline; it was ended by ${signal}`);
    assert.equal(code, 1, `expected exit code 1 when the deadline cuts the drain delay short; got ${code}`);
  });

  for (const [first, second, expected] of [
    ["SIGTERM", "SIGTERM", 143],
    ["SIGTERM", "SIGINT", 130],
  ] as const) {
    test(`a second signal while draining (${first}, then ${second}) forces an immediate exit with code ${expected} (128 + the signal's number)`, async () => {
      // A deadline far longer than the test waits: only the second signal can end this process in time.
      const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "120000" });
      const hung = request(`${app.url}/hang`).catch((error: Error) => error);
      await waitForOutput(app, /hang request started/);
      app.signal(first);
      await waitUntilNotReady(app);
      assert.equal(app.child.exitCode, null, `expected the app to still be draining (a /hang request is open) when the second signal is sent; it had already exited with code ${app.child.exitCode}`);
      app.signal(second);
      const { code, signal } = await exitWithin(app, 15_000, "a second signal should force the exit");
      await hung;
      assert.equal(signal, null, `expected the app to exit by itself on the second signal, with a code; it was ended by ${signal} (is the handler still listening for the second one?)`);
      assert.equal(code, expected, `expected exit code ${expected} (128 + ${second}'s number ${expected - 128}); got ${code}`);
    });
  }
});
