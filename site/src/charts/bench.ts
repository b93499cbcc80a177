// A lab's bench figures as charts: which figures become which chart, with its label, summary and table.
// The same mapping draws the learner's saved runs (GET /api/bench/<lab> on the local server) and the course's
// reference figures (the page /labs/NN-slug/bench/, built from labs/NN-slug/bench-reference.json).
// Percentiles of one measurement share a chart, grouped as the terminal's bars group them (kit/bench/bars.ts).
import type { TopLevelSpec } from "vega-lite";
import { blocks, type Figure } from "../../../kit/bench/bars.ts";
import { headlineSeries, type BenchHistory, type BenchRunRecord } from "../../../kit/bench/history.ts";
import { formatValue, isReference, type Variant } from "../../../kit/bench/report.ts";
import { chartFigureHtml, renderSvg, type ChartFigure } from "./render.ts";

/** A chart before it is drawn: its Vega-Lite spec and its text alternative. */
export type BenchChart = Omit<ChartFigure, "svg"> & { spec: TopLevelSpec };

/** How each variant is named on a chart; the reference page says "our solution". */
export type VariantNames = Record<Variant, string>;
export const learnerNames: VariantNames = { starter: "starter", yours: "yours", solution: "solution" };

/** Told apart by their names on the axis, and by fill as the terminal's ░ █ ▓ are: never by hue. */
const variantOpacity: Record<Variant, number> = { starter: 0.35, yours: 1, solution: 0.65 };
const variantOrder: Variant[] = ["starter", "yours", "solution"];

const shown = (value: number, unit: string) => (Number.isFinite(value) ? formatValue(value, unit) : "n/a");
/** A summary or caption is a sentence: "Latency, 200 concurrent: ...", whatever the figure's own case. */
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);

/** The measured figures of one run (reference figures left out), each with its median per variant. */
export function runFigures(run: BenchRunRecord): Figure[] {
  const byName = new Map<string, Figure>();
  for (const { variant, figures } of run.variants) {
    for (const f of figures) {
      if (isReference(f)) continue;
      const figure = byName.get(f.name) ?? { name: f.name, unit: f.unit, better: f.better, medians: new Map() };
      figure.medians.set(variant, f.median ?? Number.NaN);
      byName.set(f.name, figure);
    }
  }
  return [...byName.values()];
}

/**
 * One chart per figure, or per measurement whose percentiles (p50, p95, median, mean...) were all measured:
 * a bar per variant, named on the axis; percentiles as small multiples, one row each, on a shared scale.
 */
export function figureCharts(figures: Figure[], { idPrefix, names = learnerNames }: { idPrefix: string; names?: VariantNames }): BenchChart[] {
  const variants = variantOrder.filter((v) => figures.some((f) => f.medians.has(v)));
  const used = new Set<string>();
  return blocks(figures).map((block) => {
    const unit = block.rows[0]!.figure.unit;
    const better = block.rows[0]!.figure.better;
    const values = block.rows.flatMap((row) =>
      variants.map((variant) => {
        const value = row.figure.medians.get(variant) ?? Number.NaN;
        return { stat: row.label, variant: names[variant], value: Number.isFinite(value) ? value : null, shown: shown(value, unit), opacity: variantOpacity[variant] };
      }),
    );
    const domain = variants.map((v) => names[v]);
    const layer = [
      {
        mark: { type: "bar", color: "currentColor", stroke: "currentColor", strokeWidth: 1 },
        encoding: { fillOpacity: { field: "opacity", type: "quantitative", scale: null, legend: null } },
      },
      { mark: { type: "text", align: "left", baseline: "middle", dx: 4 }, encoding: { text: { field: "shown" } } },
    ];
    const encoding = {
      y: { field: "variant", type: "nominal", sort: domain, title: null },
      x: { field: "value", type: "quantitative", title: unit || "count", axis: { tickCount: 4 } },
    };
    const grouped = block.rows.length > 1;
    const spec = (
      grouped
        ? {
            data: { values },
            facet: { row: { field: "stat", type: "nominal", sort: block.rows.map((r) => r.label), title: null, header: { labelAngle: 0, labelAlign: "left", labelColor: "currentColor", labelFontSize: 12 } } },
            spacing: 6,
            spec: { width: 380, height: { step: 18 }, encoding, layer },
          }
        : { data: { values }, width: 380, height: { step: 20 }, encoding, layer }
    ) as TopLevelSpec;
    // "latency, pool of 20: p50, p95 (lower is better)" names the measurement "latency, pool of 20".
    const name = grouped ? block.title.replace(/: [^:]*\((?:lower|higher) is better\)$/, "") : block.rows[0]!.figure.name;
    let id = `${idPrefix}-${slug(name)}`;
    for (let n = 2; used.has(id); n++) id = `${idPrefix}-${slug(name)}-${n}`;
    used.add(id);
    const perRow = block.rows.map((row) => `${row.label ? `${row.label}: ` : ""}${variants.map((v) => `${names[v]} ${shown(row.figure.medians.get(v) ?? Number.NaN, unit)}`).join(", ")}`);
    return {
      id,
      spec,
      label: `${name}: ${domain.join(" against ")}`,
      summary: sentence(`${name}: ${perRow.join("; ")} (${better} is better).`),
      table: {
        caption: sentence(`${name}${unit ? ` (${unit})` : ""}, ${better} is better`),
        head: ["code", ...(grouped ? block.rows.map((r) => r.label) : [name])],
        rows: variants.map((v) => [names[v], ...block.rows.map((row) => shown(row.figure.medians.get(v) ?? Number.NaN, unit))]),
      },
    };
  });
}

const when = (iso: string) => iso.slice(0, 16).replace("T", " ") + " UTC";

/**
 * How the learner's headline figure (the one marked headline, else the first measured one) moved over the
 * saved runs: a line with a dot per run. Null with fewer than two runs that measured it.
 */
export function historyChart(history: BenchHistory, idPrefix: string): BenchChart | null {
  const series = headlineSeries(history);
  if (!series) return null;
  const headline = series.figure;
  const points = series.points.flatMap((p) => (p.median === null ? [] : [{ run: p.run, at: p.at, value: p.median, shown: shown(p.median, headline.unit) }]));
  if (points.length < 2) return null;
  const first = points[0]!;
  const last = points.at(-1)!;
  const best = points.reduce((a, b) => ((headline.better === "lower" ? b.value < a.value : b.value > a.value) ? b : a));
  const spec = {
    data: { values: points },
    width: 380,
    height: 140,
    encoding: {
      x: { field: "run", type: "quantitative", title: "run", axis: { tickMinStep: 1, format: "d" }, scale: { domain: [1, Math.max(2, last.run)] } },
      y: { field: "value", type: "quantitative", title: headline.unit || "count", scale: { zero: true } },
    },
    layer: [{ mark: { type: "line", color: "currentColor" } }, { mark: { type: "point", filled: true, color: "currentColor", size: 40 } }],
  } as TopLevelSpec;
  return {
    id: `${idPrefix}-history`,
    spec,
    label: `${headline.name}, yours, over ${points.length} runs`,
    summary: sentence(`${headline.name}, yours: ${first.shown} at run ${first.run}, ${last.shown} at run ${last.run}; best ${best.shown} at run ${best.run} (${headline.better} is better).`),
    table: {
      caption: sentence(`${headline.name}, yours, run by run`),
      head: ["run", "time", headline.name],
      rows: points.map((p) => [p.run, when(p.at), p.shown]),
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const drawChart = async (chart: BenchChart) => chartFigureHtml({ ...chart, svg: await renderSvg(chart.spec) });

/** The fragment the lab page shows under "Your bench": the latest run's charts, then the history. */
export async function benchHistoryHtml(history: BenchHistory, note?: string): Promise<string> {
  const latest = history.runs.at(-1);
  const parts: string[] = ['<h3 id="your-bench">Your bench</h3>'];
  if (note) parts.push(`<p class="wb-bench__note">${escapeHtml(note)}</p>`);
  if (!latest) return parts.join("");
  const idPrefix = `bench-${history.lab.slice(0, 2)}`;
  const count = history.runs.length;
  parts.push(
    `<p>Your latest <code>lab bench</code> run, ${escapeHtml(when(latest.at))}: medians of ${latest.runs} run${latest.runs === 1 ? "" : "s"} of each variant, from <code>.workbook/bench/${escapeHtml(history.lab)}.json</code> (${count} run${count === 1 ? "" : "s"} saved).</p>`,
  );
  for (const chart of figureCharts(runFigures(latest), { idPrefix })) parts.push(await drawChart(chart));
  const moved = historyChart(history, idPrefix);
  parts.push(moved ? `<p>How your headline figure moved over your saved runs:</p>${await drawChart(moved)}` : "<p>Run the bench again after a change to see your figures move.</p>");
  return parts.join("");
}
