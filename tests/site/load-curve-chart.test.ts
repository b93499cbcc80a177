import assert from "node:assert/strict";
import { test } from "node:test";
import { curvePoints, type LoadCurve } from "../../kit/bench/load-curve.ts";
import type { ClassResult } from "../../kit/bench/open-loop.ts";
import { drawChart } from "../../site/src/charts/bench.ts";
import { loadCurveChart } from "../../site/src/charts/load-curve.ts";
import { renderSvg } from "../../site/src/charts/render.ts";
import { loadCurveFixture } from "./fixtures/load-curve.ts";

test("the load curve is SVG whose every colour is currentColor; the lines are told apart by dash, shape and name", async () => {
  const svg = await renderSvg(loadCurveChart(loadCurveFixture).spec);
  const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(colours.includes("currentColor"));
  assert.deepEqual([...new Set(colours.filter((c) => c !== "currentColor" && c !== "none" && c !== "transparent"))], [], "no fixed colour that would vanish in one of the themes");
  assert.match(svg, /stroke-dasharray="6,4"/, "the starter's line is dashed");
  for (const text of ["starter", "yours", "knee 5x: starter", "SLO: p99 200 ms", "31% failed", "10x", "offered load (multiple of 50 req/s)", "p99 latency, catalog (ms)"]) {
    assert.ok(svg.includes(`>${text}</text>`), `the picture says "${text}"`);
  }
  // Circles for the starter, squares for yours: each point's path names its variant and draws its shape.
  const shapeOf = (variant: string) => new Set([...svg.matchAll(new RegExp(`variant: ${variant}" role="graphics-symbol" aria-roledescription="point"[^>]* d="([^"]+)"`, "g"))].map((m) => m[1]));
  const [circle, square] = [shapeOf("starter"), shapeOf("yours")];
  assert.equal(circle.size, 1, "one shape for every starter point");
  assert.equal(square.size, 1, "one shape for every point of yours");
  assert.match([...circle][0]!, /A/, "the starter's points are circles (arcs)");
  assert.doesNotMatch([...square][0]!, /A/, "yours are squares (straight edges)");
});

test("the figure names the chart, describes it in a sentence and carries the curve as a table", async () => {
  const chart = loadCurveChart(loadCurveFixture);
  assert.equal(chart.label, "p99 latency of catalog against offered load: starter against yours, with the SLO and each knee marked");
  assert.equal(chart.summary, "With an SLO of p99 200 ms for catalog, starter breaks it at 5x and yours holds up to 10x. p99: starter 38 ms at 1x, 2,950 ms at 10x; yours 12 ms at 1x, 95 ms at 10x.");
  assert.deepEqual(chart.table.head, ["offered load", "starter p99", "starter errors", "yours p99", "yours errors"]);
  assert.deepEqual(chart.table.rows, [
    ["1x", "38 ms", "0%", "12 ms", "0%"],
    ["2x", "71 ms", "0%", "14 ms", "0%"],
    ["5x", "812 ms (knee)", "0.4%", "23 ms", "0%"],
    ["10x", "2,950 ms", "31%", "95 ms", "0%"],
  ]);
  const html = await drawChart(chart);
  assert.match(html, /^<figure class="wb-chart" id="capstone-load-curve"><svg role="img" aria-label="p99 latency of catalog against offered load/);
  assert.match(html, /aria-describedby="capstone-load-curve-summary"/);
  assert.match(html, /<figcaption id="capstone-load-curve-summary">With an SLO of p99 200 ms/);
  assert.match(html, /<table><caption>p99 latency of catalog and share of failed requests, by offered load; knee: starter 5x, yours none<\/caption>/);
});

test("two knees at one multiple share a label; a multiple without answers is left off the line and says so in the table", async () => {
  const [starter, yours] = loadCurveFixture.series;
  const chart = loadCurveChart({
    ...loadCurveFixture,
    series: [starter, { ...yours, knee: 5, points: yours.points.map((p) => (p.multiple === 10 ? { ...p, p99Ms: null, errorShare: 1 } : p)) }],
  });
  const svg = await renderSvg(chart.spec);
  assert.ok(svg.includes(">knee 5x: starter, yours</text>"));
  assert.deepEqual(chart.table.rows.at(-1), ["10x", "2,950 ms", "31%", "no answer", "100%"]);
  assert.match(chart.summary, /starter breaks it at 5x and yours breaks it at 5x\. p99: starter 38 ms at 1x, 2,950 ms at 10x; yours 12 ms at 1x, 23 ms at 5x\.$/);
});

test("a measured curve becomes the chart's points: p99 and error share per multiple, of one class or of all", () => {
  const c = (p99: number, errorShare: number, answered = 10): ClassResult => ({
    requests: 10, answered, p50: p99, p95: p99, p99, max: p99, errorShare, achievedRate: 10,
    errors: { "5xx": 0, "429": 0, "4xx": 0, timeout: 0, connection: 0, dropped: 0 },
  });
  const step = (multiple: number, catalog: ClassResult, overall: ClassResult) => ({
    multiple,
    breaches: [],
    result: { rate: 10 * multiple, durationMs: 1000, elapsedMs: 1000, overall, classes: { catalog }, maxSendLagMs: 0 },
  });
  const curve: LoadCurve = { baseRate: 10, knee: null, steps: [step(1, c(12, 0), c(15, 0)), step(10, c(Number.NaN, 1, 0), c(900, 0.6))] };
  assert.deepEqual(curvePoints(curve, "catalog"), [{ multiple: 1, p99Ms: 12, errorShare: 0 }, { multiple: 10, p99Ms: null, errorShare: 1 }]);
  assert.deepEqual(curvePoints(curve), [{ multiple: 1, p99Ms: 15, errorShare: 0 }, { multiple: 10, p99Ms: 900, errorShare: 0.6 }]);
});
