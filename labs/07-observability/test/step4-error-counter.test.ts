import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { completionLine, describeLabels, get, hit, series, startApp, total } from "./helpers.ts";

const HISTOGRAM = "http_request_duration_ms";
const list = (samples: ReturnType<typeof series>) => samples.map((s) => describeLabels(s.labels)).join(" ") || "none";

describe("step 4: a counter of failed (5xx) requests", () => {
  test("http_errors_total counts every 5xx, thrown or answered on purpose, labelled exactly route and status_class=\"5xx\"; 4xx are not counted", async () => {
    const app = await startApp();
    await hit(app.url, ["/flaky", "/flaky", "/flaky", "/admin/maintenance", "/admin/maintenance", "/users/999", "/users/abc", "/nope", "/users/1"]);
    const errors = series(await app.registry(), "http_errors_total");
    assert.equal(total(errors), 5, `expected http_errors_total to count the five 5xx answers (three 500s, two 503s) and no 4xx; got ${total(errors)} (${list(errors)})`);
    const flaky = series(errors, "http_errors_total", { route: "/flaky", status_class: "5xx" });
    const maintenance = series(errors, "http_errors_total", { route: "/admin/maintenance", status_class: "5xx" });
    assert.equal(flaky[0]?.value, 3, `expected http_errors_total{route="/flaky",status_class="5xx"} 3; found ${list(errors)}`);
    assert.equal(maintenance[0]?.value, 2, `expected http_errors_total{route="/admin/maintenance",status_class="5xx"} 2 (a 503 the app chose to send is a failure too); found ${list(errors)}`);
    for (const s of errors) assert.deepEqual(Object.keys(s.labels).sort(), ["route", "status_class"], `expected exactly the labels route and status_class; got ${describeLabels(s.labels)}`);
  });

  test("a failure on a parameterised route inside a mounted router keeps its full pattern: in the counter, the histogram and the log line", async () => {
    const app = await startApp();
    // Entries from 9000 on live in an archive that is down: the handler's promise rejects.
    await get(`${app.url}/admin/audit/entries/9001`, { "x-request-id": "archive-9001" });
    await get(`${app.url}/admin/audit/entries/9002`);
    await get(`${app.url}/admin/audit/entries/5`);
    const samples = await app.registry();
    const pattern = "/admin/audit/entries/:entryId";
    const errors = series(samples, "http_errors_total");
    assert.equal(
      series(errors, "http_errors_total", { route: pattern })[0]?.value,
      2,
      `expected both 500s counted as http_errors_total{route="${pattern}"}; found ${list(errors)}. By the time the error handler answers, where is the mount prefix?`,
    );
    const failed = series(samples, `${HISTOGRAM}_count`, { status: "500" });
    assert.deepEqual(failed.map((s) => s.labels.route), [pattern], `expected the 500s in the histogram under route="${pattern}" only; found ${list(failed)}`);
    assert.equal(series(samples, `${HISTOGRAM}_count`, { route: pattern, status: "200" })[0]?.value, 1, "expected the 200 on the same route in the histogram too");
    const line = await completionLine(app, "archive-9001");
    assert.equal(line.route, pattern, `expected the log line of the failed request to carry "route": "${pattern}"; got ${JSON.stringify(line.route)}`);
    assert.equal(line.level, 50, "expected the failed request to be logged at error level");
  });
});
