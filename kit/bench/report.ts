// The bench's printout, for a person: the figure that matters first, in a sentence; then a table
// with a plain-words comparison per row; then the reference rows, apart and marked as such.
import { table } from "../terminal/output.ts";
import { median } from "../stats.ts";
import type { BenchContext, BenchFigure } from "../testing/bench-types.ts";

export type Variant = BenchContext["variant"];
export type BenchResults = Map<Variant, Map<string, BenchFigure[]>>;

const variantLabel: Record<Variant, string> = { starter: "the starter", yours: "your code", solution: "the solution" };

/** Units that already compare two things: a starter/yours ratio of them means nothing. */
const relativeUnits = new Set(["×", "x", "%", "ratio"]);
/** Units that are not plural nouns ("1 ms", not "1 m"). */
const invariantUnits = new Set(["ms", "s", "µs", "ns", "jobs/s", "req/s", "B", "kB", "MB"]);

export const isReference = (figure: Pick<BenchFigure, "name" | "reference">) => figure.reference === true || /^reference\b/i.test(figure.name);

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "n/a";
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(3)).toString();
}

/** "1 count", "2 counts", "1 query", "35.2×", "12 ms", "40%". */
export function formatValue(value: number, unit: string): string {
  const number = formatNumber(value);
  if (unit === "") return number;
  if (unit === "×" || unit === "x" || unit === "%") return `${number}${unit}`;
  if (unit === "ratio") return `${number}×`;
  if (value === 1 && !invariantUnits.has(unit) && /^[a-z]+s$/i.test(unit)) {
    return `${number} ${/ies$/.test(unit) ? unit.slice(0, -3) + "y" : unit.slice(0, -1)}`;
  }
  return `${number} ${unit}`;
}

/** How `after` compares with `before`, in words: "37× fewer, better", "better", "unchanged". */
export function compare(before: number, after: number, figure: Pick<BenchFigure, "unit" | "better">): string {
  if (Number.isNaN(before) || Number.isNaN(after)) return "";
  if (before === after) return "unchanged";
  const improved = figure.better === "lower" ? after < before : after > before;
  const verdict = improved ? "better" : "worse";
  if (relativeUnits.has(figure.unit) || before === 0 || after === 0 || Math.sign(before) !== Math.sign(after)) return verdict;
  const factor = Math.max(before, after) / Math.min(before, after);
  if (factor < 1.05) return `about the same (${verdict} by under 5%)`;
  return `${formatNumber(factor)}× ${after < before ? "lower" : "higher"}, ${verdict}`;
}

interface Row {
  name: string;
  unit: string;
  better: BenchFigure["better"];
  headline: boolean;
  reference: boolean;
  medians: number[];
}

function rowsOf(results: BenchResults, variants: Variant[]): Row[] {
  const names = [...new Set([...results.values()].flatMap((figures) => [...figures.keys()]))];
  return names.map((name) => {
    const samples = variants.map((v) => results.get(v)?.get(name) ?? []);
    const first = samples.flat()[0]!;
    return {
      name,
      unit: first.unit,
      better: first.better,
      headline: samples.flat().some((f) => f.headline === true),
      reference: isReference(first),
      medians: samples.map((s) => median(s.map((f) => f.value))),
    };
  });
}

/** The lines the bench prints after its runs. */
export function benchReport(results: BenchResults): string[] {
  const variants = [...results.keys()];
  const rows = rowsOf(results, variants);
  const measured = rows.filter((r) => !r.reference);
  const reference = rows.filter((r) => r.reference);
  const lines: string[] = [];
  const compared = variants.length > 1;

  const headline = measured.find((r) => r.headline) ?? measured[0];
  if (headline) {
    const values = variants.map((v, i) => `${variantLabel[v]} ${formatValue(headline.medians[i]!, headline.unit)}`);
    // "median" once: some figure names already say it.
    lines.push(`${headline.name} (${/\bmedian\b/.test(headline.name) ? "" : "median, "}${headline.better} is better):`);
    // With three variants, name the two compared: "better" after "your code" would read as about yours.
    const verdict = compare(headline.medians[0]!, headline.medians.at(-1)!, headline);
    const which = variants.length > 2 ? `${variantLabel[variants.at(-1)!].replace(/^the /, "")} against ${variantLabel[variants[0]!].replace(/^the /, "")}, ` : "";
    lines.push(`  ${values.join(" → ")}${compared ? `: ${which}${verdict}` : ""}`);
    lines.push("");
  }

  const others = measured.filter((r) => r !== headline);
  if (others.length > 0) {
    const header = ["other figures (median)", ...variants, ...(compared ? [`${variants.at(-1)} against ${variants[0]}`] : [])];
    const body = others.map((r) => [
      r.name,
      ...r.medians.map((m) => formatValue(m, r.unit)),
      ...(compared ? [compare(r.medians[0]!, r.medians.at(-1)!, r)] : []),
    ]);
    lines.push(...table([header, ...body]));
    lines.push("");
  }

  if (reference.length > 0) {
    // A reference does not depend on the code being measured: one median over every run.
    lines.push("reference (measured without your code, to show what good looks like; median of every run):");
    const body = reference.map((r) => {
      const all = variants.flatMap((v) => results.get(v)?.get(r.name) ?? []).map((f) => f.value);
      return [`  ${r.name.replace(/^reference\s*[,:]?\s*/i, "")}`, formatValue(median(all), r.unit)];
    });
    lines.push(...table(body));
  }
  while (lines.at(-1) === "") lines.pop();
  return lines;
}
