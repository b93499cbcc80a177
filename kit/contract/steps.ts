import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Lab } from "../labs.ts";
import { stepProblems, type LabStep } from "../manifest/schema.ts";
import type { RunSummary } from "../runner/run-tests.ts";
import { listTestFiles, stepResults } from "../runner/steps.ts";
import type { Finding } from "./static.ts";

/** Files under src/ of a lab folder plus the files the learner edits, relative to the lab folder. */
async function starterSources(lab: Lab): Promise<string[]> {
  const entries = await readdir(path.join(lab.dir, "src"), { recursive: true, withFileTypes: true }).catch(() => []);
  const under = entries.filter((e) => e.isFile()).map((e) => path.relative(lab.dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
  return [...new Set([...lab.manifest.files, ...under])].sort();
}

/** The TODO(n) numbers in the starter, each with the first file it appears in. */
export async function todoNumbers(lab: Lab): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const file of await starterSources(lab)) {
    const text = await readFile(path.join(lab.dir, file), "utf8").catch(() => "");
    for (const match of text.matchAll(/TODO\((\d+)\)/g)) {
      const n = Number(match[1]);
      if (!found.has(n)) found.set(n, file);
    }
  }
  return found;
}

/**
 * Steps against tests and TODO markers, statically: every test file belongs to
 * exactly one step and every listed file exists; there are as many steps as the highest TODO(n) in the starter,
 * and every n from 1 to that number has a marker. A capstone's steps are promises: only the first rule holds.
 */
export async function checkStepsStatic(lab: Lab): Promise<Finding> {
  const steps = lab.manifest.steps;
  const problems = stepProblems(lab.manifest, await listTestFiles(lab.dir)).map((p) => p.replace(/^field "[^"]*": /, ""));
  // A capstone's steps are promises, checked by their test files alone; its markers are checkTodos' business.
  if (lab.manifest.capstone === true) {
    return problems.length > 0 ? { ok: false, detail: problems.join("; ") } : { ok: true, detail: `${steps.length} steps (a capstone: promises, no TODO markers), every test file in one step` };
  }
  const todos = await todoNumbers(lab);
  const highest = Math.max(0, ...todos.keys());
  if (highest !== steps.length) problems.push(`${steps.length} step(s) in lab.json, but the highest TODO(n) in the starter is TODO(${highest})`);
  const missing = steps.map((_, i) => i + 1).filter((n) => !todos.has(n));
  if (missing.length > 0) problems.push(`no TODO(${missing.join("), TODO(")}) marker in the starter`);
  return problems.length > 0 ? { ok: false, detail: problems.join("; ") } : { ok: true, detail: `${steps.length} steps, TODO(1) to TODO(${steps.length}), every test file in one step` };
}

/** Each step has at least one failing test in its files on the starter run: every step leaves the learner work. */
export function checkStepsFailOnStarter(steps: readonly LabStep[], starter: RunSummary, starterDir: string): Finding {
  const tally = stepResults(steps, starter.results, starterDir);
  const passing = steps.flatMap((step, i) => (tally[i]!.failed === 0 ? [`step ${i + 1} (${step.title}): ${tally[i]!.passed === 0 ? "no test ran in its files" : `all ${tally[i]!.passed} tests in its files pass`}`] : []));
  if (passing.length > 0) return { ok: false, detail: `on the starter, ${passing.join("; ")}` };
  return { ok: true, detail: tally.map((t, i) => `step ${i + 1}: ${t.failed} failing`).join(", ") };
}
