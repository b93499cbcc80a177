// Bench results shaped as benchLab collects them, for the bench tests.
import type { BenchResults, Variant } from "../bench/report.ts";
import type { BenchFigure } from "../testing/bench-types.ts";

/** Per variant, one list of figures per run: grouped by figure name, as benchLab does. */
export function results(runs: Partial<Record<Variant, BenchFigure[][]>>): BenchResults {
  const out: BenchResults = new Map();
  for (const [variant, perRun] of Object.entries(runs) as [Variant, BenchFigure[][]][]) {
    const byName = new Map<string, BenchFigure[]>();
    for (const figures of perRun) for (const f of figures) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
    out.set(variant, byName);
  }
  return out;
}

/** A figure where lower is better, unless `extra` says otherwise. */
export const fig = (name: string, value: number, unit: string, extra: Partial<BenchFigure> = {}): BenchFigure => ({ name, value, unit, better: "lower", ...extra });
