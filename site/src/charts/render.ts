// Charts as static SVG, drawn in Node (at build time, or by the local server) with Vega-Lite and Vega:
// no charting code reaches the browser. Every colour is currentColor, so a chart inlined in a page takes the
// theme's text colour in light and dark mode alike; series are told apart by labels and opacity, not by hue.
// Each chart comes as a <figure> with its text alternative: a visible one-line summary and the data as a table.
import * as vega from "vega";
import { logger, None, parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** The look every chart shares. */
export const chartConfig = {
  background: null,
  font: "system-ui, sans-serif",
  view: { stroke: null },
  axis: {
    labelColor: "currentColor",
    titleColor: "currentColor",
    domainColor: "currentColor",
    tickColor: "currentColor",
    gridColor: "currentColor",
    gridOpacity: 0.15,
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: "normal",
  },
  legend: { labelColor: "currentColor", titleColor: "currentColor", labelFontSize: 12, titleFontSize: 12 },
  title: { color: "currentColor", fontSize: 13 },
  text: { color: "currentColor", fontSize: 12 },
  mark: { color: "currentColor" },
  rule: { color: "currentColor" },
} as const;

/**
 * Without a canvas, Vega guesses a text's width as 0.8 em a character, about half as much again as
 * a sans-serif's real width: axis labels were cut short ("all closed at once, r…") and their gutter
 * too wide. This guess goes by character class, erring a little wide so a label is never clipped.
 */
const em = (ch: string) => (/[iljtfr.,:;'|!() ]/.test(ch) ? 0.36 : /[mwMW%@]/.test(ch) ? 0.95 : /[A-Z]/.test(ch) ? 0.72 : 0.64);
// (vega exports textMetrics from vega-scenegraph at run time; its typings leave it out.)
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: { text?: unknown; fontSize?: number }, text?: unknown) => number } };
textMetrics.width = (item: { text?: unknown; fontSize?: number }, text?: unknown) => {
  const value = String(text ?? item.text ?? "");
  let width = 0;
  for (const ch of value) width += em(ch);
  return Math.ceil(width * (item.fontSize ?? 11));
};

/** A Vega-Lite spec as SVG markup. The spec's own config wins over chartConfig where both set a value. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...chartConfig, ...(spec.config ?? {}) } } as TopLevelSpec;
  const vegaSpec = compile(withConfig, { logger: silentLogger }).spec;
  const view = new View(parse(vegaSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Vega-Lite warns through console; a chart's warnings are not the reader's business. */
const silentLogger = logger(None);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface ChartFigure {
  /** Unique on the page: the ids of the summary and the table derive from it. */
  id: string;
  svg: string;
  /** The chart's name, read out for the picture, e.g. "Sessions lost: starter against yours". */
  label: string;
  /** One visible sentence with what the chart shows, e.g. "The starter lost 97, yours 0." */
  summary: string;
  table: { caption: string; head: string[]; rows: (string | number)[][] };
}

/**
 * The chart as HTML: the SVG named by its label and described by the summary, the summary as a caption,
 * and the same data as a table inside a <details>, for anyone who would rather read the numbers.
 */
export function chartFigureHtml(figure: ChartFigure): string {
  const id = figure.id.replace(/[^\w-]/g, "-");
  const svg = figure.svg.replace(/^<svg\b/, `<svg role="img" aria-label="${escapeHtml(figure.label)}" aria-describedby="${id}-summary"`);
  const head = figure.table.head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const rows = figure.table.rows
    .map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${escapeHtml(String(cell))}</th>` : `<td>${escapeHtml(String(cell))}</td>`)).join("")}</tr>`)
    .join("");
  return (
    `<figure class="wb-chart" id="${id}">${svg}` +
    `<figcaption id="${id}-summary">${escapeHtml(figure.summary)}</figcaption>` +
    `<details class="wb-chart__data"><summary>The numbers</summary><table><caption>${escapeHtml(figure.table.caption)}</caption>` +
    `<thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></details></figure>`
  );
}
