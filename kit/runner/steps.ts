import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "../labs.ts";
import type { LabStep } from "../manifest/schema.ts";
import type { StepResult } from "../progress.ts";
import type { TestResult } from "./run-tests.ts";

/** Every test file of a lab folder (`test/**\/*.test.ts`), relative to it with forward slashes, sorted. */
export async function listTestFiles(labDir: string): Promise<string[]> {
  const entries = await readdir(path.join(labDir, "test"), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => path.relative(labDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** The steps of a lab, in order: steps[i] is step i+1. */
export function stepsOfLab(lab: Pick<Lab, "manifest">): LabStep[] {
  return lab.manifest.steps;
}

/** A test file's path relative to the lab folder, whatever folder the run used (the learner's or a scratch copy). */
function relativeTestFile(labDir: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  const absolute = file.startsWith("file://") ? fileURLToPath(file) : file;
  return path.relative(labDir, absolute).split(path.sep).join("/");
}

/**
 * Each step's passed and failed tests, in step order, from one run of every step's files. A failure without a
 * file (a run that crashed before reporting) counts against step 1; a file no step claims counts for no step.
 */
export function stepResults(steps: readonly LabStep[], results: readonly TestResult[], labDir: string): StepResult[] {
  const tally = steps.map(() => ({ passed: 0, failed: 0, ran: true }));
  for (const result of results) {
    if (result.status === "skip") continue;
    const file = relativeTestFile(labDir, result.file);
    const index = file === undefined ? 0 : steps.findIndex((step) => step.tests.includes(file));
    const step = tally[index];
    if (!step) continue;
    if (result.status === "pass") step.passed++;
    else step.failed++;
  }
  return tally;
}

/** The failure to fix next: the first failing test of the earliest step that has one, in the order the run reported it. */
export function firstFailure(steps: readonly LabStep[], results: readonly TestResult[], labDir: string): { step: number; result: TestResult } | undefined {
  const failures = results.filter((r) => r.status === "fail");
  const stepOf = (result: TestResult) => {
    const file = relativeTestFile(labDir, result.file);
    const index = steps.findIndex((step) => file !== undefined && step.tests.includes(file));
    return index === -1 ? (file === undefined ? 0 : steps.length) : index;
  };
  let best: { step: number; result: TestResult } | undefined;
  for (const result of failures) {
    const step = stepOf(result);
    if (!best || step < best.step) best = { step, result };
  }
  return best;
}

/** The lab's test files in step order (then any file no step claims), so a run is given them in that order. */
export function filesInStepOrder(steps: readonly LabStep[], onDisk: readonly string[]): string[] {
  const present = new Set(onDisk);
  const ordered = [...new Set(steps.flatMap((step) => step.tests))].filter((file) => present.has(file));
  return [...ordered, ...onDisk.filter((file) => !ordered.includes(file))];
}
