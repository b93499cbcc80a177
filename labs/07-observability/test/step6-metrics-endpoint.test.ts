import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeLabels, get, hit, parseMetrics, scrape, series, startApp, total } from "./helpers.ts";

const HISTOGRAM = "http_request_duration_ms";

describe("step 6: GET /metrics", () => {
  test("answers 200 in the Prometheus text format, with the histogram, the error counter and the process metrics", async () => {
    const app = await startApp();
    await hit(app.url, ["/users/1", "/flaky"]);
    const answer = await get(`${app.url}/metrics`);
    assert.equal(answer.status, 200, `expected GET /metrics to answer 200; got ${answer.status} ${answer.body.slice(0, 120)}`);
    assert.match(String(answer.headers["content-type"]), /^text\/plain; version=0\.0\.4/, `expected the Prometheus text content type (text/plain; version=0.0.4); got ${answer.headers["content-type"]}`);
    assert.match(answer.body, new RegExp(`^# TYPE ${HISTOGRAM} histogram$`, "m"), `expected a histogram named ${HISTOGRAM}`);
    assert.match(answer.body, /^# TYPE http_errors_total counter$/m, "expected a counter named http_errors_total");
    const names = new Set(parseMetrics(answer.body).map((s) => s.name));
    assert.ok(names.has("process_resident_memory_bytes"), "expected the process metrics on /metrics too");
  });

  test("scrapes are not counted as traffic, with or without a query string", async () => {
    const app = await startApp();
    await hit(app.url, ["/users/1", "/users/2"]);
    const before = total(series(await app.registry(), `${HISTOGRAM}_count`));
    for (const path of ["/metrics", "/metrics", "/metrics?name[]=up"]) {
      const answer = await get(`${app.url}${path}`);
      assert.equal(answer.status, 200, `test setup: GET ${path} should answer 200`);
    }
    const samples = await scrape(app.url);
    const after = total(series(samples, `${HISTOGRAM}_count`));
    const self = series(samples, `${HISTOGRAM}_count`).filter((s) => s.labels.route !== "/users/:id");
    assert.equal(after, before, `expected ${before} requests counted after four scrapes, the same as before them; got ${after} (${self.map((s) => describeLabels(s.labels)).join(" ")})`);
  });

  test("each app has its own registry: two apps in one process count separately", async () => {
    const first = await startApp();
    const second = await startApp();
    await hit(first.url, ["/users/1", "/users/2"]);
    const counted = total(series(await scrape(second.url), `${HISTOGRAM}_count`, { route: "/users/:id" }));
    assert.equal(counted, 0, `expected the second app to have counted none of the first app's requests; it counted ${counted}`);
    assert.equal(total(series(await scrape(first.url), `${HISTOGRAM}_count`, { route: "/users/:id" })), 2, "expected the first app to have counted its own two requests");
  });
});
