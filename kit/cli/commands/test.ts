import path from "node:path";
import type { Lab } from "../../labs.ts";
import type { LabStep } from "../../manifest/schema.ts";
import { blankLabProgress, recordRun, updateProgress, type LabProgress, type StepResult } from "../../progress.ts";
import { runLabTests, type RunSummary, type TestResult } from "../../runner/run-tests.ts";
import { filesInStepOrder, firstFailure, listTestFiles, stepResults, stepsOfLab } from "../../runner/steps.ts";
import { resolveServices } from "../../services/index.ts";
import { bold, dim, green, red, say, warn, yellow } from "../../terminal/output.ts";
import { startLiveStatus } from "../../terminal/output.ts";
import { followTestRun } from "../../runner/activity.ts";

export interface TestOptions {
  verbose?: boolean;
}

/** Run the learner's tests for one lab, print a short summary led by the failure to fix next, and record progress. */
export async function testLab(lab: Lab, options: TestOptions = {}): Promise<RunSummary> {
  say(bold(`Lab ${lab.id.slice(0, 2)} · ${lab.manifest.title}`));
  const steps = stepsOfLab(lab);
  const files = filesInStepOrder(steps, await listTestFiles(lab.dir));
  const services = await resolveServices(lab.manifest.services);
  for (const backend of services.backends) say(dim(`Using ${backend}`));
  say();
  let summary: RunSummary;
  const live = startLiveStatus();
  try {
    summary = await runLabTests({ labDir: lab.dir, files, env: services.env, onResult: printResult, onEvent: followTestRun(live, steps, lab.dir) });
  } finally {
    live.stop();
    await services.stop();
  }
  if (options.verbose) {
    if (summary.output.trim()) say(dim(summary.output.trimEnd()));
    for (const failure of summary.results.filter((r) => r.status === "fail")) {
      say(`\n${red("✗")} ${bold(failure.name)}`);
      say(failure.error ?? "");
    }
  }
  const perStep = stepResults(steps, summary.results, lab.dir);
  const progress = await updateProgress(
    (p) => ({ ...p, setAside: null, labs: { ...p.labs, [lab.id]: recordRun(p.labs[lab.id] ?? blankLabProgress(), summary.passed, summary.failed, new Date(), perStep) } }),
    undefined,
    warn,
  );
  printSummary(lab, steps, perStep, summary, progress.labs[lab.id]!);
  return summary;
}

function printResult(result: TestResult): void {
  if (result.status === "pass") say(`  ${green("✓")} ${result.name}`);
  else if (result.status === "fail") say(`  ${red("✗")} ${result.name}`);
  else say(`  ${yellow("-")} ${result.name} ${dim("(skipped)")}`);
}

function printSummary(lab: Lab, steps: LabStep[], perStep: StepResult[], summary: RunSummary, entry: LabProgress): void {
  const total = summary.passed + summary.failed;
  const n = Number(lab.id.slice(0, 2));
  say();
  if (summary.failed === 0 && total > 0) {
    say(green(bold(`${total} of ${total} passing. Lab ${lab.id.slice(0, 2)} is done.`)));
    say(`Measure the difference: ${bold(`npm run lab -- bench ${n}`)}   Compare with ours: ${bold(`npm run lab -- solution ${n}`)}`);
    return;
  }
  say(bold(`${summary.passed} of ${total} passing.`));
  if (steps.length > 1) {
    perStep.forEach((result, i) => {
      const done = result.failed === 0 && result.passed > 0;
      say(`  ${done ? green("✓") : red("✗")} Step ${i + 1}: ${steps[i]!.title} ${dim(`(${result.passed} of ${result.passed + result.failed})`)}`);
    });
  }
  const next = firstFailure(steps, summary.results, lab.dir);
  if (next) {
    say();
    const where = next.step < steps.length && steps.length > 1 ? ` (step ${next.step + 1})` : "";
    say(`${red(`First failure${where}:`)} ${next.result.name}`);
    // The whole message: a test's own words often end in the values that failed (lab 05's fuzz inputs).
    for (const line of (next.result.error ?? "").trimEnd().split("\n")) say(`  ${line}`);
    if (next.result.file) say(dim(`  (${path.relative(process.cwd(), next.result.file.replace(/^file:\/\//, ""))})`));
  }
  say();
  const open = Math.max(0, Math.min(next?.step ?? 0, steps.length - 1));
  const rungs = steps[open]!.hints.length;
  const seen = Math.min(entry.hintsShown[open] ?? 0, rungs);
  say(
    seen < rungs
      ? `Stuck? ${bold(`npm run lab -- hint ${n}`)} reveals the next hint for step ${open + 1} (${seen} of ${rungs} shown).`
      : `All ${rungs} hints for step ${open + 1} are shown: ${bold(`npm run lab -- hint ${n} --all`)} lists every step's hints.`,
  );
  say(dim(`Full output: npm run lab -- test ${n} --verbose`));
}
