/**
 * An experiment's numbers as data. An experiment whose output is numeric ends with one line
 *
 *   chart: {"kind":"bar","label":"…","summary":"…","x":{"title":"…"},"y":{"title":"…","unit":"ms"},"rows":[{"x":"…","y":1}]}
 *
 * (each experiment prints its own: experiments may not import local files). The build strips the line
 * from the recorded text, checks it against chartSchema, draws the chart once as SVG (cached by the
 * line's content) and publishes it beside the experiment: /experiments/<name>/chart.svg, with the
 * numbers as a table on /experiments/<name>/data/.
 *
 * kind "bar": one horizontal bar per row, x naming the bar (a category) and y its length; rows that
 * share an x but differ in series are grouped. kind "line": x is a number, one line per series.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { z } from "zod";
import { repoRoot } from "../../../kit/paths.ts";
import { renderSvg } from "../charts/render.ts";

const axisSchema = z.strictObject({
  title: z.string().min(1, "an axis needs a title"),
  /** Shown after the title, "(ms)", and in the table's head. */
  unit: z.string().min(1).optional(),
  /** A logarithmic scale: every value must be above 0. */
  log: z.boolean().optional(),
});

const rowSchema = z.strictObject({
  x: z.union([z.string().min(1), z.number()]),
  y: z.number().refine(Number.isFinite, "must be a finite number"),
  series: z.string().min(1).optional(),
});

export const chartSchema = z
  .strictObject({
    kind: z.enum(["bar", "line"]),
    /** The chart's name, e.g. "Hit ratio against cache size". */
    label: z.string().min(1).max(100),
    /** One sentence with what the chart shows: the image's alt text and the data page's caption. */
    summary: z.string().min(1).max(160),
    x: axisSchema,
    y: axisSchema,
    rows: z.array(rowSchema).min(2, "a chart needs at least 2 rows").max(200, "at most 200 rows"),
  })
  .superRefine((chart, ctx) => {
    const withSeries = chart.rows.filter((r) => r.series !== undefined).length;
    if (withSeries !== 0 && withSeries !== chart.rows.length) ctx.addIssue({ code: "custom", path: ["rows"], message: "either every row has a series or none has" });
    const series = new Set(chart.rows.map((r) => r.series)).size;
    if (series > (chart.kind === "bar" ? 2 : 4)) ctx.addIssue({ code: "custom", path: ["rows"], message: `a "${chart.kind}" chart tells at most ${chart.kind === "bar" ? 2 : 4} series apart, this has ${series}` });
    if (chart.kind === "line" && chart.rows.some((r) => typeof r.x !== "number")) ctx.addIssue({ code: "custom", path: ["rows"], message: 'a "line" chart needs a number for every x' });
    for (const axis of ["x", "y"] as const) {
      if (chart[axis].log && chart.rows.some((r) => !(typeof r[axis] === "number" && r[axis] > 0))) {
        ctx.addIssue({ code: "custom", path: [axis, "log"], message: `a log scale needs every ${axis} above 0` });
      }
    }
  });

export type ChartData = z.infer<typeof chartSchema>;

const chartLine = /^chart: (.*)$/;

/**
 * Split an experiment's output into the text a reader sees and its chart data. Throws, naming the
 * experiment and what is wrong, when the chart line is not JSON or does not fit chartSchema, or when
 * there is more than one.
 */
export function splitChartLine(name: string, output: string): { text: string; chart?: ChartData } {
  const lines = output.split("\n");
  const found = lines.flatMap((line, i) => (chartLine.test(line) ? [i] : []));
  if (found.length === 0) return { text: output };
  const where = `experiments/${name}.mjs printed a chart line that`;
  if (found.length > 1) throw new Error(`${where} is not alone: it printed ${found.length} (lines ${found.map((i) => i + 1).join(", ")}); print exactly one`);
  const json = chartLine.exec(lines[found[0]!]!)![1]!;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${where} is not JSON (${error instanceof Error ? error.message : String(error)}): ${json.slice(0, 120)}`);
  }
  const parsed = chartSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(the line)"}: ${issue.message}`);
    throw new Error(`${where} does not fit the chart schema (site/src/experiments/chart.ts):\n  ${problems.join("\n  ")}`);
  }
  lines.splice(found[0]!, 1);
  return { text: lines.join("\n"), chart: parsed.data };
}

const axisTitle = (axis: ChartData["x"]) => (axis.unit ? `${axis.title} (${axis.unit})` : axis.title);

/**
 * The Vega-Lite spec for a chart: monochrome (renderSvg's currentColor), series told apart by opacity
 * or dash, with a legend. Bar opacities 0.9 and 0.55 keep at least 3:1 against both themes'
 * backgrounds (0.55: 3.9:1 on white, 5.1:1 on the dark theme's hsl(224 10% 10%)).
 */
export function chartSpec(chart: ChartData): TopLevelSpec {
  const series = [...new Set(chart.rows.map((r) => r.series).filter((s): s is string => s !== undefined))];
  const values = chart.rows.map((r) => ({ ...r, series: r.series ?? "" }));
  const legend = { title: null, orient: "top", direction: "horizontal" } as const;
  /** A log axis ticks and grids at powers of ten only (Vega would add 2, 3, … 9 of each). */
  const decades = (axis: "x" | "y") => {
    const values = chart.rows.map((r) => Number(r[axis]));
    const [lo, hi] = [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))];
    return { values: Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)) };
  };
  if (chart.kind === "line") {
    const points = chart.rows.length / Math.max(1, series.length) <= 20;
    return {
      width: 320,
      height: 200,
      data: { values },
      // Points mark the measurements while there are few; a long series is a curve.
      mark: { type: "line", ...(points ? { point: { filled: true, size: 40 } } : {}), strokeWidth: series.length > 1 ? 1.5 : 2 },
      encoding: {
        x: { field: "x", type: "quantitative", title: axisTitle(chart.x), scale: chart.x.log ? { type: "log" } : { zero: false }, axis: chart.x.log ? decades("x") : { tickCount: 6 } },
        y: { field: "y", type: "quantitative", title: axisTitle(chart.y), scale: chart.y.log ? { type: "log" } : {}, axis: chart.y.log ? decades("y") : { tickCount: 5 } },
        ...(series.length > 1
          ? {
              strokeDash: { field: "series", type: "nominal", sort: series, legend },
              ...(points ? { shape: { field: "series", type: "nominal", sort: series, legend } } : {}),
            }
          : {}),
      },
    } as TopLevelSpec;
  }
  const categories = [...new Set(chart.rows.map((r) => String(r.x)))];
  const grouped = series.length > 1;
  const y = { field: "x", type: "nominal", sort: categories, title: null, axis: { labelLimit: 320 } } as const;
  const x = { field: "y", type: "quantitative", title: axisTitle(chart.y), scale: chart.y.log ? { type: "log" } : {}, axis: { tickCount: 5 } } as const;
  const offset = grouped ? { yOffset: { field: "series", type: "nominal", sort: series } } : {};
  return {
    width: 320,
    height: grouped ? { step: 16, for: "offset" } : { step: 22 },
    data: { values: values.map((v) => ({ ...v, x: String(v.x) })) },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y,
          x,
          ...offset,
          ...(grouped ? { opacity: { field: "series", type: "nominal", sort: series, scale: { range: [0.9, 0.55] }, legend } } : {}),
        },
      },
      {
        mark: { type: "text", align: "left", dx: 3, fontSize: 11 },
        encoding: { y, x, ...offset, text: { field: "y", type: "quantitative", format: "~r" } },
      },
    ],
  } as TopLevelSpec;
}

/** The same numbers as a table: one row per x, one column per series. */
export function chartTable(chart: ChartData): { caption: string; head: string[]; rows: (string | number)[][] } {
  const series = [...new Set(chart.rows.map((r) => r.series ?? ""))];
  const xs = [...new Set(chart.rows.map((r) => r.x))];
  const y = axisTitle(chart.y);
  const head = [axisTitle(chart.x), ...series.map((s) => (s ? `${s}: ${y}` : y))];
  const rows = xs.map((x) => [x, ...series.map((s) => chart.rows.find((r) => r.x === x && (r.series ?? "") === s)?.y ?? "")]);
  return { caption: chart.label, head, rows };
}

/**
 * What the drawing depends on besides the data: this module and the renderer's source, and the
 * versions of Vega and Vega-Lite. Part of the cache key, so a change to any of them draws again.
 */
let drawingCode: Promise<string> | undefined;
const drawingIdentity = () =>
  (drawingCode ??= Promise.all([
    readFile(new URL(import.meta.url), "utf8"),
    readFile(new URL("../charts/render.ts", import.meta.url), "utf8"),
    ...["vega", "vega-lite"].map(async (pkg) => (JSON.parse(await readFile(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version),
  ]).then((parts) => createHash("sha256").update(parts.join("\0")).digest("hex")));

/** The chart as SVG, drawn once per distinct chart line and drawing code, then read from the cache. */
export async function drawChart(chart: ChartData, cacheDir: string | null): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify([await drawingIdentity(), chart])).digest("hex").slice(0, 16);
  const file = cacheDir ? path.join(cacheDir, `${key}.svg`) : null;
  const cached = file ? await readFile(file, "utf8").catch(() => undefined) : undefined;
  if (cached) return cached;
  const svg = await renderSvg(chartSpec(chart));
  if (file) {
    await mkdir(cacheDir!, { recursive: true });
    await writeFile(file, svg);
  }
  return svg;
}

/**
 * The SVG as a file of its own, shown by an <img>: an image cannot inherit the page's colour, so
 * currentColor becomes the light theme's text colour, and the lesson's CSS inverts the image under
 * [data-theme="dark"] (see workbook.css). Named, and sized so the page does not shift as it loads.
 */
export function standaloneSvg(svg: string, label: string): { svg: string; width: number; height: number } {
  const width = Math.round(Number(/^<svg\b[^>]*\bwidth="([\d.]+)"/.exec(svg)?.[1] ?? 0));
  const height = Math.round(Number(/^<svg\b[^>]*\bheight="([\d.]+)"/.exec(svg)?.[1] ?? 0));
  const escaped = label.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = svg.replace(/^<svg\b/, `<svg role="img" aria-label="${escaped}"`).replace(/currentColor/g, chartInk);
  return { svg: body, width, height };
}

/** Light theme's text colour (Starlight's --sl-color-white there, hsl(224 10% 10%)). */
export const chartInk = "#17181c";
