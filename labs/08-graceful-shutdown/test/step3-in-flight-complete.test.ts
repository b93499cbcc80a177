import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { exitWithin, request, startApp, waitForOutput } from "./helpers.ts";

describe("step 3: requests in flight finish before the process exits", { concurrency: true }, () => {
  test("a slow request in flight when SIGTERM arrives still completes with 200, then the process exits 0", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "20000" });
    const events: string[] = [];
    const slow = request(`${app.url}/slow?ms=2000`).then(
      (answer) => (events.push("response ended"), answer),
      (error: Error) => (events.push("response failed"), error),
    );
    await waitForOutput(app, /slow request started/);
    events.push("SIGTERM sent");
    app.signal("SIGTERM");
    const answer = await slow;
    assert.ok(
      !(answer instanceof Error),
      `expected the request that was in flight at SIGTERM to complete; it failed with "${answer instanceof Error ? answer.message : ""}". Keep the process alive until in-flight requests are done.`,
    );
    assert.equal(answer.status, 200, `expected 200 for the in-flight request; got ${answer.status} ${answer.body} (were Redis or MongoDB closed before it finished?)`);
    const { code } = await exitWithin(app, 15_000, "it should exit once the slow request is done");
    events.push("process exited");
    assert.deepEqual(events, ["SIGTERM sent", "response ended", "process exited"], "the response must end after the signal and before the process exits");
    assert.equal(code, 0, `expected exit code 0 after a clean drain; got ${code}. Output:\n${app.output()}`);
  });

  test("durations a client sends are bounded: anything but a whole number of ms from 0 to 30000 is a 400 with a JSON error (property, 60 values)", async () => {
    const app = await startApp({});
    const value = fc.oneof(
      fc.integer({ min: 30_001, max: 10 ** 12 }).map(String),
      fc.integer({ min: -(10 ** 6), max: -1 }).map(String),
      fc.constantFrom("1e3", "0x10", " 5", "5 ", "+5", "1.5", "", "abc", "NaN", "Infinity", "%00", "10%20"),
      fc.string({ unit: fc.constantFrom(..."0123456789e.-+x "), minLength: 1, maxLength: 8 }).filter((s) => !/^\d+$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(value, async (raw) => {
        const answer = await request(`${app.url}/slow?ms=${encodeURIComponent(raw)}`);
        assert.equal(answer.status, 400, `GET /slow?ms=${JSON.stringify(raw)} should answer 400; got ${answer.status}`);
        assert.equal(typeof (JSON.parse(answer.body) as { error?: unknown }).error, "string", `expected a JSON "error" message; got ${answer.body}`);
      }),
      { numRuns: 60, seed: 831, endOnFailure: true },
    );
    for (const body of [{ ms: "soon" }, [], { ms: 10 ** 9 }, { ms: 1.5 }]) {
      const answer = await request(`${app.url}/reports`, { method: "POST", body });
      assert.equal(answer.status, 400, `POST /reports ${JSON.stringify(body)} should answer 400; got ${answer.status}`);
    }
  });
});
