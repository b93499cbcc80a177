import assert from "node:assert/strict";
import { test } from "node:test";
import type { BenchHistory, BenchRunRecord } from "../../kit/bench/history.ts";
import { benchHistoryHtml, figureCharts, historyChart, runFigures } from "../../site/src/charts/bench.ts";
import { referenceFigures } from "../../site/src/labs/bench-reference.ts";

const figure = (name: string, unit: string, median: number, extra: { headline?: boolean; reference?: boolean; better?: "lower" | "higher" } = {}) => ({
  name,
  unit,
  better: extra.better ?? ("lower" as const),
  headline: extra.headline ?? false,
  reference: extra.reference ?? false,
  median,
  samples: [median],
});

const run = (at: string, starter: number[], yours: number[], solution?: number[]): BenchRunRecord => {
  const figures = (v: number[]) => [
    figure("p50 latency, 200 concurrent", "ms", v[0]!),
    figure("p95 latency, 200 concurrent", "ms", v[1]!),
    figure("connections opened", "connections", v[2]!, { headline: true }),
    figure("reference: cursor keys examined", "keys", 22, { reference: true }),
  ];
  return {
    at,
    runs: 3,
    code: { hash: `sha256:${"a".repeat(64)}`, commit: null },
    variants: [
      { variant: "starter", figures: figures(starter) },
      { variant: "yours", figures: figures(yours) },
      ...(solution ? [{ variant: "solution" as const, figures: figures(solution) }] : []),
    ],
  };
};

test("the percentiles of one measurement share a chart, every other measured figure has its own, reference figures none", () => {
  const charts = figureCharts(runFigures(run("2026-01-01T10:00:00.000Z", [991, 1586, 400], [239, 385, 18])), { idPrefix: "bench-06" });
  assert.deepEqual(charts.map((c) => c.id), ["bench-06-latency-200-concurrent", "bench-06-connections-opened"]);
  const [latency, connections] = charts;
  assert.equal(latency!.label, "latency, 200 concurrent: starter against yours");
  assert.equal(latency!.summary, "Latency, 200 concurrent: p50: starter 991 ms, yours 239 ms; p95: starter 1,586 ms, yours 385 ms (lower is better).");
  assert.deepEqual(latency!.table, {
    caption: "Latency, 200 concurrent (ms), lower is better",
    head: ["code", "p50", "p95"],
    rows: [["starter", "991 ms", "1,586 ms"], ["yours", "239 ms", "385 ms"]],
  });
  assert.ok("facet" in latency!.spec, "percentiles as small multiples, one row each");
  assert.equal(connections!.summary, "Connections opened: starter 400 connections, yours 18 connections (lower is better).");
  assert.deepEqual(connections!.table.rows, [["starter", "400 connections"], ["yours", "18 connections"]]);
});

test("the solution, when measured, is a third bar; a figure that is not a number reads n/a", () => {
  const record = run("2026-01-01T10:00:00.000Z", [991, 1586, 400], [239, 385, 18], [240, 380, 18]);
  record.variants[1]!.figures[2]!.median = null;
  const [, connections] = figureCharts(runFigures(record), { idPrefix: "x" });
  assert.equal(connections!.label, "connections opened: starter against yours against solution");
  assert.deepEqual(connections!.table.rows, [["starter", "400 connections"], ["yours", "n/a"], ["solution", "18 connections"]]);
});

test("our reference figures are starter against our solution", () => {
  const figures = referenceFigures({
    lab: "02-cache-aside",
    source: "README, Measure it: medians of 3 runs",
    figures: [{ name: "MongoDB queries per 1,000 reads", unit: "queries", better: "lower", starter: 1000, solution: 20, readme: { table: "figure-rows", label: "x", part: 0 } }],
  });
  const [chart] = figureCharts(figures, { idPrefix: "ours-02", names: { starter: "starter", yours: "yours", solution: "our solution" } });
  assert.equal(chart!.summary, "MongoDB queries per 1,000 reads: starter 1,000 queries, our solution 20 queries (lower is better).");
  assert.deepEqual(chart!.table.rows, [["starter", "1,000 queries"], ["our solution", "20 queries"]]);
});

test("the history follows the headline figure of yours over the runs, from two runs on", async () => {
  const history: BenchHistory = { version: 1, lab: "06-connection-pooling", runs: [run("2026-01-01T10:00:00.000Z", [991, 1586, 400], [991, 1586, 400])] };
  assert.equal(historyChart(history, "h"), null, "one run has no history to draw");
  history.runs.push(run("2026-01-02T11:30:00.000Z", [991, 1586, 400], [300, 500, 40]), run("2026-01-03T09:15:00.000Z", [991, 1586, 400], [239, 385, 18]));
  const chart = historyChart(history, "h")!;
  assert.equal(chart.label, "connections opened, yours, over 3 runs");
  assert.equal(chart.summary, "Connections opened, yours: 400 connections at run 1, 18 connections at run 3; best 18 connections at run 3 (lower is better).");
  assert.deepEqual(chart.table.rows, [[1, "2026-01-01 10:00 UTC", "400 connections"], [2, "2026-01-02 11:30 UTC", "40 connections"], [3, "2026-01-03 09:15 UTC", "18 connections"]]);
  const html = await benchHistoryHtml(history);
  assert.match(html, /^<h3 id="your-bench">Your bench<\/h3>/);
  assert.equal((html.match(/<figure class="wb-chart"/g) ?? []).length, 3, "two charts of the latest run and the history");
  assert.match(html, /<figcaption id="bench-06-history-summary">Connections opened, yours: 400 connections at run 1/);
  assert.match(html, /<svg role="img" aria-label="latency, 200 concurrent: starter against yours"/);
  assert.match(html, />p95<\/text>/, "each percentile's row is named in the picture");
  assert.doesNotMatch(html, /cursor keys examined/, "reference figures are not the learner's");
});
