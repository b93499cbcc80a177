import path from "node:path";
import type { Lab } from "../../labs.ts";
import type { LabStep } from "../../manifest/schema.ts";
import { blankLabProgress, recordRun, updateProgress, type LabProgress, type StepResult } from "../../progress.ts";
import { runLabTests, type RunSummary, type TestResult } from "../../runner/run-tests.ts";
import { runStepsInOrder, stepState, stepsLine } from "../../step-states.ts";
import { filesInStepOrder, firstFailure, listTestFiles, stepResults, stepsOfLab } from "../../runner/steps.ts";
import { resolveServices } from "../../services/index.ts";
import { bold, dim, green, red, say, warn, yellow } from "../../terminal/output.ts";
import { startLiveStatus } from "../../terminal/output.ts";
import { followTestRun } from "../../runner/activity.ts";

export interface TestOptions {
  verbose?: boolean;
  /** Every step's files in one run, whatever fails; by default steps run one after another and stop at the first that fails. */
  all?: boolean;
  /** Step by step from this step (0-based) on, for `lab watch`: the steps before it keep their results in `previous`. */
  from?: number;
  previous?: readonly StepResult[];
}

export interface LabRun {
  /** The tests this run ran, all steps together. */
  summary: RunSummary;
  /** Each step's result as recorded in the progress file, in step order. */
  steps: StepResult[];
  /** Every step ran (in this run, or before `from`) and passed. */
  done: boolean;
}

const emptySummary = (): RunSummary => ({ passed: 0, failed: 0, skipped: 0, results: [], output: "", exitCode: 0 });

/** A failure the kit adds for a step that reported no test: such a step never passes. */
function noTestFailure(index: number, files: readonly string[], missing: boolean): TestResult {
  const error = missing
    ? `None of step ${index + 1}'s test files (${files.join(", ")}) is in the lab's test/ folder.`
    : `Step ${index + 1}'s test files (${files.join(", ")}) reported no test that passed or failed.`;
  return { name: `step ${index + 1}'s tests`, status: "fail", error };
}

function addFailure(summary: RunSummary, failure: TestResult): void {
  summary.results.push(failure);
  summary.failed++;
  printResult(failure);
}

/**
 * Run the learner's tests for one lab, print a short summary led by the failure to fix next, and record progress.
 * By default the steps run in order, step 1's files first, and the run stops at the first step that does not
 * pass; the lab's services are started once for the whole run. With `all`, every file runs in one go.
 */
export async function testLab(lab: Lab, options: TestOptions = {}): Promise<LabRun> {
  say(bold(`Lab ${lab.id.slice(0, 2)} · ${lab.manifest.title}`));
  const steps = stepsOfLab(lab);
  const onDisk = await listTestFiles(lab.dir);
  const services = await resolveServices(lab.manifest.services);
  for (const backend of services.backends) say(dim(`Using ${backend}`));
  say();
  const summary = emptySummary();
  const live = startLiveStatus();
  const follow = followTestRun(live, steps, lab.dir);
  let perStep: StepResult[];
  /** In a step-by-step run, each step's own results; a crash without a file belongs to the step that ran. */
  const byStep: TestResult[][] = steps.map(() => []);
  try {
    if (options.all) {
      Object.assign(summary, await runLabTests({ labDir: lab.dir, files: filesInStepOrder(steps, onDisk), env: services.env, onResult: printResult, onEvent: follow }));
      perStep = stepResults(steps, summary.results, lab.dir);
      perStep.forEach((result, i) => {
        if (result.passed + result.failed > 0) return;
        addFailure(summary, noTestFailure(i, steps[i]!.tests, steps[i]!.tests.every((file) => !onDisk.includes(file))));
        result.failed++;
      });
    } else {
      perStep = await runStepsInOrder(
        steps.length,
        async (i) => {
          if (steps.length > 1) say(bold(`Step ${i + 1} of ${steps.length}: ${steps[i]!.title}`));
          const files = steps[i]!.tests.filter((file) => onDisk.includes(file));
          const run = files.length > 0 ? await runLabTests({ labDir: lab.dir, files, env: services.env, onResult: printResult, onEvent: follow }) : emptySummary();
          if (run.passed + run.failed === 0) addFailure(run, noTestFailure(i, steps[i]!.tests, files.length === 0));
          byStep[i] = run.results;
          summary.passed += run.passed;
          summary.failed += run.failed;
          summary.skipped += run.skipped;
          summary.results.push(...run.results);
          summary.output += run.output;
          if (run.exitCode !== 0 && summary.exitCode === 0) summary.exitCode = run.exitCode;
          return { passed: run.passed, failed: run.failed, ran: true };
        },
        options.from ?? 0,
        options.previous,
      );
    }
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
  const passed = options.all ? summary.passed : perStep.reduce((n, step) => n + step.passed, 0);
  const failed = options.all ? summary.failed : perStep.reduce((n, step) => n + step.failed, 0);
  const progress = await updateProgress(
    (p) => ({ ...p, setAside: null, labs: { ...p.labs, [lab.id]: recordRun(p.labs[lab.id] ?? blankLabProgress(), passed, failed, new Date(), perStep) } }),
    undefined,
    warn,
  );
  const done = failed === 0 && passed > 0 && perStep.every((step) => stepState(step) === "pass");
  // The failure to fix next: in a step-by-step run, the first failure of the step it stopped at.
  const stoppedAt = perStep.findIndex((step) => stepState(step) === "fail");
  const stopped = stoppedAt === -1 ? undefined : byStep[stoppedAt]!.find((r) => r.status === "fail");
  const next = options.all ? firstFailure(steps, summary.results, lab.dir) : stopped && { step: stoppedAt, result: stopped };
  printSummary(lab, steps, perStep, { passed, failed, done, all: options.all ?? false, from: options.from ?? 0, next }, progress.labs[lab.id]!);
  return { summary, steps: perStep, done };
}

function printResult(result: TestResult): void {
  if (result.status === "pass") say(`  ${green("✓")} ${result.name}`);
  else if (result.status === "fail") say(`  ${red("✗")} ${result.name}`);
  else say(`  ${yellow("-")} ${result.name} ${dim("(skipped)")}`);
}

interface Outcome {
  passed: number;
  failed: number;
  done: boolean;
  all: boolean;
  from: number;
  next: { step: number; result: TestResult } | undefined;
}

function printSummary(lab: Lab, steps: LabStep[], perStep: StepResult[], outcome: Outcome, entry: LabProgress): void {
  const { passed, failed, next } = outcome;
  const total = passed + failed;
  const n = Number(lab.id.slice(0, 2));
  const line = stepsLine(perStep.map(stepState));
  say();
  if (outcome.from > 0) say(dim(`${outcome.from === 1 ? "Step 1 passed in an earlier run and was" : `Steps 1–${outcome.from} passed in an earlier run and were`} not run again.`));
  if (outcome.done) {
    if (steps.length > 1) say(line);
    say(green(bold(`${total} of ${total} passing. Lab ${lab.id.slice(0, 2)} is done.`)));
    say(`Measure the difference: ${bold(`npm run lab -- bench ${n}`)}   Compare with ours: ${bold(`npm run lab -- solution ${n}`)}`);
    return;
  }
  say(bold(`${passed} of ${total} passing.`));
  if (outcome.all && steps.length > 1) {
    perStep.forEach((result, i) => {
      const mark = stepState(result) === "pass" ? green("✓") : red("✗");
      say(`  ${mark} Step ${i + 1}: ${steps[i]!.title} ${dim(`(${result.passed} of ${result.passed + result.failed})`)}`);
    });
  } else if (!outcome.all) say(line);
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
  say(dim(`Full output: npm run lab -- test ${n} --verbose${outcome.all || steps.length === 1 ? "" : `   Every step, whatever fails: npm run lab -- test ${n} --all`}`));
}
