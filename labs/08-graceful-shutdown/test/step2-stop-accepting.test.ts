import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exitWithin, pollUntilRefused, request, show, startApp, waitForOutput } from "./helpers.ts";

describe("step 2: after the drain delay, new connections are refused", { concurrency: true }, () => {
  test("new connections are refused once the drain delay is over, while an old request is still running", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "200", SHUTDOWN_TIMEOUT_MS: "20000" });
    const events: string[] = [];
    const slow = request(`${app.url}/slow?ms=4000`).then(
      (answer) => (events.push(`slow request answered ${answer.status}`), answer),
      (error: Error) => (events.push(`slow request failed (${error.message})`), error),
    );
    await waitForOutput(app, /slow request started/);
    app.signal("SIGTERM");
    const runs = await pollUntilRefused(`${app.url}/live`, app);
    events.push(runs.at(-1)?.[0] === "ECONNREFUSED" ? "new connection refused" : `polling ended with ${show(runs)}`);
    await slow;
    assert.deepEqual(
      events,
      ["new connection refused", "slow request answered 200"],
      "expected new connections to be refused while the old slow request was still running, and that request to finish with 200",
    );
    await exitWithin(app, 15_000, "draining should end once the slow request is done");
  });
});
