import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Lab } from "../labs.ts";
import { copyLab, makeScratch, materializeStarter, NoStarterError } from "../scratch.ts";
import { ServicePool } from "../services/pool.ts";
import { bold, dim, say, startLiveStatus, warn } from "../terminal/output.ts";
import { benchReport, formatValue } from "./report.ts";
import { benchBars } from "./bars.ts";
import { appendBenchRun, benchRunRecord, benchHistoryFile, codeIdentity, headlineSeries, type BenchHistory } from "./history.ts";
import { repoRoot } from "../paths.ts";
import type { BenchContext, BenchFigure, BenchScenario } from "../testing/bench-types.ts";

type Variant = BenchContext["variant"];

export interface BenchOptions {
  runs: number;
  /** Also measure the solution (maintainers, and the closing figures of an issue). */
  withSolution: boolean;
  /** `--load 3x`: the multiples a load-curve scenario runs instead of its own (BenchContext.multiples). */
  multiples?: number[];
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
  const live = startLiveStatus();
  try {
    live.begin(`bench ${lab.id} · preparing the starter`);
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
        live.begin(`bench ${lab.id} · ${variant} · run ${run} of ${options.runs}`);
        const env = await pool.envFor(lab.manifest.services);
        const log = (message: string) => say(dim(`  [${variant} ${run}/${options.runs}] ${message}`));
        for (const figure of await scenario({ appDir, variant, env, log, ...(options.multiples ? { multiples: options.multiples } : {}) })) {
          figures.set(figure.name, [...(figures.get(figure.name) ?? []), figure]);
        }
      }
      results.set(variant, figures);
    }
    for (const b of pool.backends()) say(dim(`Used ${b}`));
  } finally {
    live.stop();
    await pool.stop();
    await scratch.remove();
  }
  printTable(results);
  say();
  for (const line of benchBars(results)) say(line);
  await saveRun(lab, results, options.runs);
  return results;
}

/** Add the run to `.workbook/bench/NN-slug.json` and say how the learner's headline figure has moved. */
async function saveRun(lab: Lab, results: Map<Variant, Map<string, BenchFigure[]>>, runs: number): Promise<void> {
  let history: BenchHistory;
  try {
    history = await appendBenchRun(lab.id, benchRunRecord(results, runs, await codeIdentity(lab, repoRoot)), repoRoot, warn);
  } catch (error) {
    warn(`This run was not saved to the bench history: ${(error as Error).message}`);
    return;
  }
  say();
  say(dim(`Saved as run ${history.runs.length} of ${path.relative(repoRoot, benchHistoryFile(lab.id, repoRoot))}.`));
  const moves = headlineHistory(history);
  if (moves && moves.values.length > 1) say(dim(`${moves.name}, your code over the last ${moves.values.length} runs: ${moves.values.join(" → ")}`));
}

/** The learner's headline figure over the saved runs, as printed, newest last (at most 6). */
export function headlineHistory(history: BenchHistory): { name: string; values: string[] } | undefined {
  const series = headlineSeries(history);
  if (!series) return undefined;
  const values = series.points.map((p) => (p.median === null ? "n/a" : formatValue(p.median, series.figure.unit)));
  return { name: series.figure.name, values: values.slice(-6) };
}

function printTable(results: Map<Variant, Map<string, BenchFigure[]>>): void {
  say();
  for (const line of benchReport(results)) say(line);
}
