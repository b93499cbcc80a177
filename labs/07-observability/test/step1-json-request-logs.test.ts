import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { completionLine, durationOf, get, startApp, statusOf } from "./helpers.ts";

describe("step 1: one JSON line per completed request", () => {
  test("every line the app logs is a JSON object, written to the stream the app was given", async () => {
    const app = await startApp();
    await get(`${app.url}/users/1`);
    await get(`${app.url}/no-such-page`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(app.lines.length > 0, "expected the app to write log lines to the log stream it was given (createApp({ logStream })); it wrote none");
    for (const line of app.lines) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        assert.fail(`expected every log line to be JSON; got: ${line}`);
      }
      assert.ok(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), `expected a JSON object per line; got: ${line}`);
    }
  });

  test("the completion line carries the request id, the status and the duration in milliseconds", async () => {
    const app = await startApp();
    // /reports/:name waits 30 ms before answering; the client's own timing bounds the duration from above.
    const answer = await get(`${app.url}/reports/daily`, { "x-request-id": "duration-check-1" });
    const line = await completionLine(app, "duration-check-1");
    assert.equal(statusOf(line), 200, `expected the status 200 in the log line; got ${JSON.stringify(statusOf(line))}`);
    const duration = durationOf(line);
    assert.equal(typeof duration, "number", `expected a duration (responseTime) in the log line; got ${JSON.stringify(duration)}`);
    assert.ok(
      (duration as number) >= 20 && (duration as number) <= answer.ms + 5,
      `expected the logged duration of a request that takes at least 30 ms to be in milliseconds: between about 30 and the ${answer.ms.toFixed(1)} ms the client waited; got ${String(duration)}`,
    );
  });

  test("a 5xx is logged at error level, whether thrown or answered on purpose; 2xx and 4xx at info", async () => {
    const app = await startApp();
    const cases = [
      ["/flaky", "thrown-500", 50],
      ["/admin/maintenance", "answered-503", 50],
      ["/users/1", "ok-200", 30],
      ["/users/999", "missing-404", 30],
      ["/users/abc", "bad-400", 30],
    ] as const;
    for (const [path, id] of cases) await get(`${app.url}${path}`, { "x-request-id": id });
    for (const [path, id, level] of cases) {
      const line = await completionLine(app, id);
      assert.equal(
        line.level,
        level,
        `expected GET ${path} (status ${String(statusOf(line))}) to be logged at ${level === 50 ? "error (pino level 50)" : "info (pino level 30)"}; got level ${String(line.level)}`,
      );
    }
  });

  test("credentials a client sends (Cookie, Authorization) never reach the log", async () => {
    const app = await startApp();
    await get(`${app.url}/users/1`, { cookie: "session=cookie-secret-4f1c", authorization: "Bearer token-secret-9a2e", "x-request-id": "secret-check-1" });
    await completionLine(app, "secret-check-1");
    const leaking = app.lines.filter((line) => /cookie-secret-4f1c|token-secret-9a2e/.test(line));
    assert.deepEqual(leaking, [], `expected no log line to contain the request's cookie or bearer token (logs are read by many people and kept for long); found: ${leaking[0]?.slice(0, 300)}`);
  });
});
