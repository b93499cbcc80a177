// The bench's figures as bars in the terminal: for each figure, one bar per variant on a common scale,
// each variant drawn with its own fill and named, so the pair reads without colour. Latency percentiles
// of one measurement (p50, p95, p99, median, mean of the same thing) share a block and a scale.
import { median } from "../stats.ts";
import { formatValue, isReference, type BenchResults, type Variant } from "./report.ts";

/** Each variant's fill: told apart by shape, not only by colour. */
export const variantFill: Record<Variant, string> = { starter: "░", yours: "█", solution: "▓" };
const variantName: Record<Variant, string> = { starter: "starter", yours: "yours", solution: "solution" };

const percentileToken = /\b(p\d{2}(?:\.\d+)?|median|mean)\b/i;

export interface Figure {
  name: string;
  unit: string;
  better: "lower" | "higher";
  medians: Map<Variant, number>;
}

/** Cells of a bar `width` wide for `value` on a scale whose end is `max`: at least one for any value above 0. */
export function barCells(value: number, max: number, width: number): number {
  if (!Number.isFinite(value) || value <= 0 || !Number.isFinite(max) || max <= 0) return 0;
  return Math.min(width, Math.max(1, Math.round((value / max) * width)));
}

function figuresOf(results: BenchResults): Figure[] {
  const byName = new Map<string, Figure>();
  for (const [variant, figures] of results) {
    for (const [name, samples] of figures) {
      const first = samples[0];
      if (!first || isReference({ name, reference: samples.some((s) => s.reference === true) })) continue;
      const figure = byName.get(name) ?? { name, unit: first.unit, better: first.better, medians: new Map() };
      figure.medians.set(variant, median(samples.map((s) => s.value)));
      byName.set(name, figure);
    }
  }
  return [...byName.values()];
}

/** p50 and the median first, then the higher percentiles, the mean last. */
const order = (label: string) => (label === "median" ? 50 : label === "mean" ? 1000 : Number(label.slice(1)));

/** Figures that are percentiles of one measurement, in the same unit, grouped; any other figure alone. The site's charts group them the same way. */
export function blocks(figures: Figure[]): { title: string; rows: { label: string; figure: Figure }[] }[] {
  const groups = new Map<string, Figure[]>();
  for (const figure of figures) {
    const match = percentileToken.exec(figure.name);
    const key = match ? `${figure.unit}\0${figure.name.replace(percentileToken, "·").replace(/\s+/g, " ").trim()}` : `\0${figure.name}`;
    groups.set(key, [...(groups.get(key) ?? []), figure]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return { title: `${group[0]!.name} (${group[0]!.better} is better)`, rows: [{ label: "", figure: group[0]! }] };
    const rows = group
      .map((figure) => ({ label: percentileToken.exec(figure.name)![1]!.toLowerCase(), figure }))
      .sort((a, b) => order(a.label) - order(b.label));
    const base = group[0]!.name.replace(percentileToken, "").replace(/\s+/g, " ").replace(/^[\s,:]+|[\s,:]+$/g, "");
    return { title: `${base}: ${rows.map((r) => r.label).join(", ")} (${group[0]!.better} is better)`, rows };
  });
}

/** The lines that draw every measured figure as bars, starter against yours (and the solution, if measured). */
export function benchBars(results: BenchResults, width = 28): string[] {
  const variants = [...results.keys()];
  const lines: string[] = [];
  const labelWidth = Math.max(...variants.map((v) => variantName[v].length));
  for (const block of blocks(figuresOf(results))) {
    const values = block.rows.flatMap((r) => variants.map((v) => r.figure.medians.get(v) ?? Number.NaN));
    const max = Math.max(0, ...values.filter(Number.isFinite));
    const rowLabelWidth = Math.max(0, ...block.rows.map((r) => r.label.length));
    lines.push(block.title);
    for (const row of block.rows) {
      for (const variant of variants) {
        const value = row.figure.medians.get(variant) ?? Number.NaN;
        const cells = barCells(value, max, width);
        const shown = Number.isFinite(value) ? formatValue(value, row.figure.unit) : "n/a";
        const prefix = row.label ? `${row.label.padEnd(rowLabelWidth)} ` : "";
        lines.push(`  ${prefix}${variantName[variant].padEnd(labelWidth)} ${variantFill[variant].repeat(cells)}${" ".repeat(width - cells)} ${shown}`.trimEnd());
      }
    }
    lines.push("");
  }
  while (lines.at(-1) === "") lines.pop();
  return lines;
}
