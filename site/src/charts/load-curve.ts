// The load curve as a chart: p99 latency against offered load (multiples of the base rate), the starter
// against the learner's code, each variant's knee marked, the SLO bound as a horizontal rule. Both axes are
// logarithmic: the multiples run 1 to 10 and latency past the knee grows by orders of magnitude. The two
// lines are told apart by dash and point shape and named at their ends, never by colour.
import type { TopLevelSpec } from "vega-lite";
import type { LoadCurvePoint } from "../../../kit/bench/load-curve.ts";
import { formatNumber, formatValue } from "../../../kit/bench/report.ts";
import type { BenchChart } from "./bench.ts";

export interface LoadCurveSeries {
  /** As the chart names it: "starter", "yours". */
  name: string;
  points: LoadCurvePoint[];
  /** The lowest multiple at which the SLO broke, or null. */
  knee: number | null;
}

export interface LoadCurveChartInput {
  id: string;
  /** Two variants, the starter first: the first is dashed with circles, the second solid with squares. */
  series: [LoadCurveSeries, LoadCurveSeries];
  /** The SLO's p99 bound, ms. */
  sloMs: number;
  /** What the p99 is of, e.g. "catalog" or "all route classes". */
  of: string;
  /** Requests per second at 1x, named on the axis when given. */
  baseRate?: number;
}

const ms = (value: number | null) => (value === null ? "no answer" : formatValue(value, "ms"));
const times = (multiple: number) => formatValue(multiple, "x");
const percent = (share: number) => `${formatNumber(share * 100)}%`;

const dash = [[6, 4], [1, 0]];
const shape = ["circle", "square"];

/** Ticks at 1, 2 and 5 times each power of ten from below the lowest value to above the highest: a log axis that reads. */
function ticks125(values: number[]): number[] {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  const ticks: number[] = [];
  for (let e = low; e <= high; e++) for (const m of [1, 2, 5]) ticks.push(m * 10 ** e);
  return ticks.map((t) => Number(t.toPrecision(1)));
}

function kneeWords(s: LoadCurveSeries, last: number): string {
  return s.knee === null ? `${s.name} holds up to ${times(last)}` : `${s.name} breaks it at ${times(s.knee)}`;
}

export function loadCurveChart(input: LoadCurveChartInput): BenchChart {
  const { series, sloMs, of } = input;
  const names = series.map((s) => s.name);
  const multiples = [...new Set(series.flatMap((s) => s.points.map((p) => p.multiple)))].sort((a, b) => a - b);
  const first = multiples[0] ?? 1;
  const last = multiples.at(-1) ?? 1;
  const values = series.flatMap((s) => s.points.filter((p) => p.p99Ms !== null).map((p) => ({ variant: s.name, multiple: p.multiple, p99: p.p99Ms })));
  // Failed requests are part of the curve: a point whose p99 looks fine may stand on many timeouts.
  const failing = series.flatMap((s) =>
    s.points.filter((p) => p.p99Ms !== null && p.errorShare >= 0.01).map((p) => ({ multiple: p.multiple, p99: p.p99Ms, label: `${percent(p.errorShare)} failed` })),
  );
  const ends = series.flatMap((s) => values.filter((v) => v.variant === s.name).slice(-1));
  // One label per knee multiple ("knee 5x: starter, yours"), stacked from the top so two never overlap.
  const kneeAt = [...new Set(series.flatMap((s) => (s.knee === null ? [] : [s.knee])))].sort((a, b) => a - b);
  const knees = kneeAt.map((multiple, i) => ({
    multiple,
    y: 4 + 15 * i,
    label: `knee ${times(multiple)}: ${series.filter((s) => s.knee === multiple).map((s) => s.name).join(", ")}`,
  }));
  const x = {
    field: "multiple",
    type: "quantitative",
    // Room on the right for the lines' names.
    scale: { type: "log", domain: [first / 1.25, last * 2.2] },
    axis: { values: multiples, labelExpr: "datum.value + 'x'", grid: false },
    title: `offered load (multiple of ${input.baseRate ? formatValue(input.baseRate, "req/s") : "the base rate"})`,
  };
  const y = { field: "p99", type: "quantitative", scale: { type: "log" }, axis: { values: ticks125([...values.map((v) => v.p99!), sloMs]) }, title: `p99 latency, ${of} (ms)` };
  const byVariant = { field: "variant", type: "nominal", legend: null };
  const spec = {
    width: 380,
    height: 220,
    encoding: { x },
    layer: [
      { data: { values: [{ slo: sloMs }] }, mark: { type: "rule", strokeDash: [2, 3], strokeWidth: 1.5 }, encoding: { y: { field: "slo", type: "quantitative" }, x: { value: 0 }, x2: { value: "width" } } },
      {
        data: { values: [{ slo: sloMs, label: `SLO: p99 ${ms(sloMs)}` }] },
        mark: { type: "text", align: "left", baseline: "bottom", dx: 4, dy: -3, fontSize: 11 },
        encoding: { y: { field: "slo", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } },
      },
      ...(knees.length === 0
        ? []
        : [
            { data: { values: knees }, mark: { type: "rule", strokeDash: [1, 3], strokeWidth: 1.5 } },
            {
              data: { values: knees },
              mark: { type: "text", align: "left", baseline: "top", dx: 4, fontSize: 11, fontWeight: "bold" },
              encoding: { y: { field: "y", type: "quantitative", scale: null }, text: { field: "label" } },
            },
          ]),
      {
        data: { values },
        layer: [
          { mark: { type: "line", strokeWidth: 2 }, encoding: { strokeDash: { ...byVariant, scale: { domain: names, range: dash } } } },
          {
            mark: { type: "point", filled: true, size: 60, opacity: 1 },
            encoding: { shape: { ...byVariant, scale: { domain: names, range: shape } } },
          },
        ],
        encoding: { y, detail: byVariant },
      },
      { data: { values: failing }, mark: { type: "text", align: "left", baseline: "top", dx: 9, dy: 6, fontSize: 11 }, encoding: { y, text: { field: "label" } } },
      { data: { values: ends }, mark: { type: "text", align: "left", baseline: "middle", dx: 9, fontSize: 12 }, encoding: { y, text: { field: "variant" } } },
    ],
  } as TopLevelSpec;

  const byMultiple = (s: LoadCurveSeries, m: number) => s.points.find((p) => p.multiple === m);
  const path = (s: LoadCurveSeries) => {
    const answered = s.points.filter((p) => p.p99Ms !== null);
    const a = answered[0];
    const b = answered.at(-1);
    return a && b ? `${s.name} ${ms(a.p99Ms)} at ${times(a.multiple)}, ${ms(b.p99Ms)} at ${times(b.multiple)}` : `${s.name} no answers`;
  };
  return {
    id: input.id,
    spec,
    label: `p99 latency of ${of} against offered load: ${names.join(" against ")}, with the SLO and each knee marked`,
    summary:
      `With an SLO of p99 ${ms(sloMs)} for ${of}, ${series.map((s) => kneeWords(s, last)).join(" and ")}. ` +
      `p99: ${series.map(path).join("; ")}.`,
    table: {
      caption: `p99 latency of ${of} and share of failed requests, by offered load; knee: ${series.map((s) => `${s.name} ${s.knee === null ? "none" : times(s.knee)}`).join(", ")}`,
      head: ["offered load", ...series.flatMap((s) => [`${s.name} p99`, `${s.name} errors`])],
      rows: multiples.map((m) => [
        times(m),
        ...series.flatMap((s) => {
          const p = byMultiple(s, m);
          return p ? [`${ms(p.p99Ms)}${s.knee === m ? " (knee)" : ""}`, percent(p.errorShare)] : ["not run", "not run"];
        }),
      ]),
    },
  };
}
