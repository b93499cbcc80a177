import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { describeLabels, get, hit, series, startApp, total } from "./helpers.ts";

const HISTOGRAM = "http_request_duration_ms";
const list = (samples: ReturnType<typeof series>) => samples.map((s) => describeLabels(s.labels)).join(" ") || "none";

// These tests read the app's registry directly, so they pass before GET /metrics exists (step 6).
describe("step 3: a duration histogram by method, route pattern and status", () => {
  test("it is named http_request_duration_ms and labelled exactly method, route and status", async () => {
    const app = await startApp();
    await hit(app.url, ["/users/1", "/users/2", "/users/3", "/users/777"]);
    const samples = await app.registry();
    const ok = series(samples, `${HISTOGRAM}_bucket`, { method: "GET", route: "/users/:id", status: "200", le: "+Inf" });
    assert.equal(ok.length, 1, `expected one series ${HISTOGRAM}_bucket{method="GET",route="/users/:id",status="200",le="+Inf"}; found: ${list(series(samples, `${HISTOGRAM}_count`))}`);
    assert.equal(ok[0]!.value, 3, "expected the three 200s on /users/:id to be counted in one series");
    const notFound = series(samples, `${HISTOGRAM}_count`, { method: "GET", route: "/users/:id", status: "404" });
    assert.equal(notFound[0]?.value, 1, 'expected the 404 on /users/777 under route="/users/:id", status="404"');
    const labelNames = Object.keys(ok[0]!.labels).sort();
    assert.deepEqual(labelNames, ["le", "method", "route", "status"], `expected exactly the labels method, route, status (and le); got ${labelNames.join(", ")}`);
  });

  test("each observation is the request's duration in milliseconds (checked against the client's own clock)", async () => {
    const app = await startApp();
    let clientMs = 0;
    for (const name of ["daily", "weekly", "monthly"]) clientMs += (await get(`${app.url}/reports/${name}`)).ms; // each takes at least 30 ms
    const samples = await app.registry();
    const match = { method: "GET", route: "/reports/:name", status: "200" };
    const count = series(samples, `${HISTOGRAM}_count`, match)[0]?.value;
    const sum = series(samples, `${HISTOGRAM}_sum`, match)[0]?.value ?? Number.NaN;
    assert.equal(count, 3, `expected 3 observations for route="/reports/:name"; got ${count}`);
    assert.ok(
      // 20 ms, not 30: a timer can look early to a process the OS paused; seconds would give 0.09, microseconds 90,000.
      sum >= 3 * 20 && sum <= clientMs + 3,
      `three requests of about 30 ms each, which the client saw take ${clientMs.toFixed(1)} ms in all, should add up to between 60 and ${clientMs.toFixed(1)} in ${HISTOGRAM}_sum; got ${sum} (seconds, or microseconds, instead of milliseconds?)`,
    );
    const early = series(samples, `${HISTOGRAM}_bucket`, match).filter((s) => s.labels.le !== "+Inf" && Number(s.labels.le) < 20 && s.value > 0);
    assert.deepEqual(list(early), "none", "no 30 ms request may fall in a bucket whose upper bound is below 20 ms");
  });

  test("the buckets are milliseconds from 10 ms or less up to at least a second, at least 8 of them", async () => {
    const app = await startApp();
    await get(`${app.url}/users/1`);
    const bounds = [...new Set(series(await app.registry(), `${HISTOGRAM}_bucket`).map((s) => s.labels.le))].filter((le) => le !== "+Inf").map(Number);
    assert.ok(bounds.length >= 8, `expected at least 8 bucket bounds; got ${bounds.length}: ${bounds.join(", ")}`);
    assert.ok(Math.min(...bounds) <= 10, `expected the smallest bucket bound to be 10 ms or less, so fast requests are told apart; got ${bounds.join(", ")}`);
    assert.ok(Math.max(...bounds) >= 1000, `expected the largest bucket bound to be 1000 ms or more (prom-client's defaults are seconds: 10 would mean 10 ms here); got ${bounds.join(", ")}`);
  });

  test("routes of a mounted router are labelled by their full pattern; 1,000 ids make one series per status", async () => {
    const app = await startApp();
    await hit(app.url, [...Array.from({ length: 1000 }, (_, i) => `/users/${i + 1}`), ...Array.from({ length: 40 }, (_, i) => `/admin/audit/entries/${i}`), "/admin/stats"]);
    const samples = await app.registry();
    const counts = series(samples, `${HISTOGRAM}_count`);
    const raw = counts.filter((s) => /\d/.test(s.labels.route ?? ""));
    assert.equal(raw.length, 0, `route labels must be patterns, not URLs: found ${list(raw.slice(0, 3))}...`);
    assert.equal(total(series(samples, `${HISTOGRAM}_count`, { route: "/users/:id" })), 1000, 'expected all 1,000 requests counted under route="/users/:id"');
    assert.equal(total(series(samples, `${HISTOGRAM}_count`, { route: "/admin/audit/entries/:entryId" })), 40, `expected 40 requests under route="/admin/audit/entries/:entryId"; found ${list(counts)}`);
    assert.equal(total(series(samples, `${HISTOGRAM}_count`, { route: "/admin/stats" })), 1, `expected 1 request under route="/admin/stats"; found ${list(counts)}`);
    assert.ok(counts.length <= 5, `expected a handful of series (one per route and status); got ${counts.length}`);
  });

  test("random URLs nobody routes do not grow the registry: they share one series (property, 300 URLs)", async () => {
    const app = await startApp();
    const urls = fc.sample(
      fc.array(fc.string({ unit: fc.constantFrom(..."abcdefxyz0123456789-_."), minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 4 }).map((parts) => `/zz-${parts.join("/")}`),
      { numRuns: 300, seed: 7 },
    );
    await hit(app.url, urls);
    const counts = series(await app.registry(), `${HISTOGRAM}_count`);
    assert.equal(counts.length, 1, `expected the 300 unmatched requests in a single series; got ${counts.length}, e.g. ${list(counts.slice(0, 3))}`);
    assert.equal(counts[0]!.labels.route, "unmatched", `expected route="unmatched"; got ${list(counts)}`);
    assert.equal(counts[0]!.value, 300);
  });
});
