import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Lab } from "../labs.ts";
import { copyLab, makeScratch, materializeStarter, NoStarterError } from "../scratch.ts";
import { ServicePool } from "../services/pool.ts";
import { median } from "../testing/stats.ts";
import { bold, dim, say, table, warn } from "../cli/output.ts";
import type { BenchContext, BenchFigure, BenchScenario } from "./types.ts";

type Variant = BenchContext["variant"];

export interface BenchOptions {
  runs: number;
  /** Also measure the solution (maintainers, and the closing figures of an issue). */
  withSolution: boolean;
}

/**
 * Run a lab's bench scenario against the starter (from git), the learner's code and optionally the
 * solution, several times each, and print each figure's median side by side.
 */
export async function benchLab(lab: Lab, options: BenchOptions): Promise<Map<Variant, Map<string, BenchFigure[]>>> {
  const module = (await import(pathToFileURL(path.join(lab.dir, "bench.ts")).href)) as { default?: BenchScenario };
  if (typeof module.default !== "function") throw new Error(`labs/${lab.id}/bench.ts must default-export the scenario function.`);
  const scenario = module.default;
  const pool = new ServicePool();
  const scratch = await makeScratch("bench");
  const results = new Map<Variant, Map<string, BenchFigure[]>>();
  try {
    const variants: [Variant, string][] = [];
    try {
      variants.push(["starter", await materializeStarter(lab, path.join(scratch.dir, "starter"))]);
    } catch (error) {
      if (!(error instanceof NoStarterError)) throw error;
      warn(`${error.message} Measuring your code only.`);
    }
    variants.push(["yours", lab.dir]);
    if (options.withSolution) variants.push(["solution", await copyLab(lab, path.join(scratch.dir, "solution"), true)]);
    say(bold(`Bench · lab ${lab.id} · ${options.runs} run(s) per variant`));
    for (const [variant, appDir] of variants) {
      const figures = new Map<string, BenchFigure[]>();
      for (let run = 1; run <= options.runs; run++) {
        const env = await pool.envFor(lab.manifest.services);
        const log = (message: string) => say(dim(`  [${variant} ${run}/${options.runs}] ${message}`));
        for (const figure of await scenario({ appDir, variant, env, log })) {
          figures.set(figure.name, [...(figures.get(figure.name) ?? []), figure]);
        }
      }
      results.set(variant, figures);
    }
    for (const b of pool.backends()) say(dim(`Used ${b}`));
  } finally {
    await pool.stop();
    await scratch.remove();
  }
  printTable(results);
  return results;
}

function printTable(results: Map<Variant, Map<string, BenchFigure[]>>): void {
  const variants = [...results.keys()];
  const names = [...new Set([...results.values()].flatMap((m) => [...m.keys()]))];
  const fmt = (n: number) => (Number.isNaN(n) ? "n/a" : Math.abs(n) >= 100 || Number.isInteger(n) ? n.toFixed(0) : n.toPrecision(3));
  const rows = names.map((name) => {
    const medians = variants.map((v) => {
      const samples = results.get(v)?.get(name) ?? [];
      return { value: median(samples.map((f) => f.value)), unit: samples[0]?.unit ?? "", better: samples[0]?.better };
    });
    const base = medians[0]?.value ?? Number.NaN;
    const last = medians.at(-1)?.value ?? Number.NaN;
    const ratio = variants.length > 1 && base !== 0 && last !== 0 ? `${fmt(base / last)}×` : variants.length > 1 ? `${fmt(base)} → ${fmt(last)}` : "";
    return [name, ...medians.map((m) => `${fmt(m.value)} ${m.unit}`), ratio];
  });
  say();
  for (const line of table([["figure (median)", ...variants, variants.length > 1 ? `${variants[0]} / ${variants.at(-1)}` : ""], ...rows])) say(line);
}
