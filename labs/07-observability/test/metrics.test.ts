import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeLabels, hit, scrape, startApp, type Sample } from "./helpers.ts";

const HISTOGRAM = "http_request_duration_ms";
const series = (samples: Sample[], name: string, match: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
const total = (samples: Sample[]) => samples.reduce((sum, s) => sum + s.value, 0);

describe("Prometheus metrics", () => {
  test("GET /metrics answers in the Prometheus text format with a duration histogram", async () => {
    const app = await startApp();
    const res = await fetch(`${app.url}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200, `expected GET /metrics to answer 200; got ${res.status}`);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/, "expected the Prometheus text content type (registry.contentType)");
    assert.match(text, new RegExp(`^# TYPE ${HISTOGRAM} histogram$`, "m"), `expected a histogram named ${HISTOGRAM}`);
  });

  test("the histogram is labelled with method, route pattern and status", async () => {
    const app = await startApp();
    await hit(app.url, ["/users/1", "/users/2", "/users/3", "/users/777"]);
    const samples = await scrape(app.url);
    const ok = series(samples, `${HISTOGRAM}_bucket`, { method: "GET", route: "/users/:id", status: "200", le: "+Inf" });
    assert.equal(
      ok.length,
      1,
      `expected one series ${HISTOGRAM}_bucket{method="GET",route="/users/:id",status="200",le="+Inf"}; found: ${series(samples, `${HISTOGRAM}_count`).map((s) => describeLabels(s.labels)).join(" ") || "none"}`,
    );
    assert.equal(ok[0]!.value, 3, "expected the three 200s on /users/:id to be counted in one series");
    const notFound = series(samples, `${HISTOGRAM}_count`, { method: "GET", route: "/users/:id", status: "404" });
    assert.equal(notFound[0]?.value, 1, "expected the 404 on /users/777 under route=\"/users/:id\", status=\"404\"");
    const labelNames = Object.keys(ok[0]!.labels).sort();
    assert.deepEqual(labelNames, ["le", "method", "route", "status"], `expected exactly the labels method, route, status (and le); got ${labelNames.join(", ")}`);
  });

  test("durations are in milliseconds, with buckets from a few ms to seconds", async () => {
    const app = await startApp();
    await hit(app.url, ["/reports/daily", "/reports/weekly"]); // each takes at least 30 ms
    const samples = await scrape(app.url);
    const sum = series(samples, `${HISTOGRAM}_sum`, { route: "/reports/:name" })[0]?.value ?? 0;
    assert.ok(sum >= 60, `two requests of at least 30 ms each should add up to at least 60 in ${HISTOGRAM}_sum; got ${sum} (seconds instead of ms?)`);
    const bounds = [...new Set(series(samples, `${HISTOGRAM}_bucket`).map((s) => s.labels.le))].filter((le) => le !== "+Inf").map(Number);
    assert.ok(bounds.some((b) => b <= 10) && bounds.some((b) => b >= 1000), `expected buckets from 10 ms or less up to 1000 ms or more; got ${bounds.join(", ")}`);
  });

  test("1,000 different user ids create a handful of series, not 1,000", async () => {
    const app = await startApp();
    await hit(app.url, Array.from({ length: 1000 }, (_, i) => `/users/${i + 1}`));
    const samples = await scrape(app.url);
    const counts = series(samples, `${HISTOGRAM}_count`);
    const raw = counts.filter((s) => /\d/.test(s.labels.route ?? ""));
    assert.equal(raw.length, 0, `route labels must be patterns, not URLs: found ${raw.slice(0, 3).map((s) => describeLabels(s.labels)).join(" ")}...`);
    assert.equal(total(series(samples, `${HISTOGRAM}_count`, { route: "/users/:id" })), 1000, "expected all 1,000 requests counted under route=\"/users/:id\"");
    assert.ok(counts.length <= 5, `expected at most a few series (one per status); got ${counts.length}`);
  });

  test("requests that match no route share one fixed label instead of their URL", async () => {
    const app = await startApp();
    await hit(app.url, ["/nope/1", "/wp-admin.php", "/a/b/c?x=1"]);
    const samples = await scrape(app.url);
    const notFound = series(samples, `${HISTOGRAM}_count`, { status: "404" });
    const routes = notFound.map((s) => s.labels.route ?? "");
    assert.ok(!routes.some((r) => /nope|wp-admin|a\/b/.test(r)), `unmatched URLs must not become label values; got routes ${routes.join(", ")}`);
    assert.equal(notFound.length, 1, `expected the three unmatched requests in a single series; got ${notFound.map((s) => describeLabels(s.labels)).join(" ")}`);
    assert.equal(notFound[0]!.value, 3);
  });

  test("5xx responses are counted in http_errors_total; 4xx are not", async () => {
    const app = await startApp();
    await hit(app.url, ["/flaky", "/flaky", "/flaky", "/users/999", "/users/abc", "/users/1"]);
    const samples = await scrape(app.url);
    const errors = series(samples, "http_errors_total");
    assert.ok(errors.length > 0, "expected a counter http_errors_total with at least one series after three 500s");
    assert.equal(total(errors), 3, `expected http_errors_total to count the three 500s and nothing else; got ${total(errors)} (${errors.map((s) => describeLabels(s.labels)).join(" ")})`);
    assert.ok(errors.every((s) => s.labels.route === "/flaky"), `expected the errors labelled route="/flaky"; got ${errors.map((s) => describeLabels(s.labels)).join(" ")}`);
    const fiveHundreds = series(samples, `${HISTOGRAM}_count`, { route: "/flaky", status: "500" });
    assert.equal(fiveHundreds[0]?.value, 3, "expected the 500s in the histogram too, under route=\"/flaky\", status=\"500\"");
  });

  test("scrapes of /metrics are not counted as traffic (the documented choice)", async () => {
    const app = await startApp();
    await scrape(app.url);
    await scrape(app.url);
    const samples = await scrape(app.url);
    const self = samples.filter((s) => s.name.startsWith(HISTOGRAM) && s.labels.route === "/metrics");
    assert.equal(self.length, 0, `expected no ${HISTOGRAM} series for route="/metrics": scrapes are not user traffic; found ${self.length}`);
  });

  test("default process metrics are exported (CPU, memory, event-loop lag)", async () => {
    const app = await startApp();
    const names = new Set((await scrape(app.url)).map((s) => s.name));
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds"]) {
      assert.ok(names.has(name), `expected the default metric ${name} (collectDefaultMetrics with the app's registry)`);
    }
  });

  test("each app has its own registry: two apps in one process count separately", async () => {
    const first = await startApp();
    const second = await startApp();
    await hit(first.url, ["/users/1", "/users/2"]);
    const counted = total(series(await scrape(second.url), `${HISTOGRAM}_count`, { route: "/users/:id" }));
    assert.equal(counted, 0, `expected the second app to have counted none of the first app's requests; it counted ${counted}. Register the metrics in a new Registry per app, not the global one.`);
  });
});
