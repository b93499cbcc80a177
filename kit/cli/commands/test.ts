import path from "node:path";
import type { Lab } from "../../labs.ts";
import { recordRun, updateLabProgress } from "../../progress.ts";
import { runLabTests, type RunSummary, type TestResult } from "../../runner/run-tests.ts";
import { stepsOfLab } from "../../runner/steps.ts";
import { resolveServices } from "../../services/index.ts";
import { bold, dim, green, red, say, warn, yellow } from "../output.ts";

export interface TestOptions {
  verbose?: boolean;
}

/** Run the learner's tests for one lab, print a short summary, and record progress. */
export async function testLab(lab: Lab, options: TestOptions = {}): Promise<RunSummary> {
  say(bold(`Lab ${lab.id.slice(0, 2)} · ${lab.manifest.title}`));
  const services = await resolveServices(lab.manifest.services);
  for (const backend of services.backends) say(dim(`Using ${backend}`));
  say();
  let summary: RunSummary;
  try {
    summary = await runLabTests({ labDir: lab.dir, env: services.env, onResult: printResult });
  } finally {
    await services.stop();
  }
  if (options.verbose) {
    if (summary.output.trim()) say(dim(summary.output.trimEnd()));
    for (const failure of summary.results.filter((r) => r.status === "fail")) {
      say(`\n${red("✗")} ${bold(failure.name)}`);
      say(failure.error ?? "");
    }
  }
  const entry = await updateLabProgress(lab.id, (e) => recordRun(e, summary.passed, summary.failed), undefined, warn);
  printSummary(lab, summary, entry.hintsShown, (await stepsOfLab(lab)).flatMap((step) => step.hints).length);
  return summary;
}

function printResult(result: TestResult): void {
  if (result.status === "pass") say(`  ${green("✓")} ${result.name}`);
  else if (result.status === "fail") say(`  ${red("✗")} ${result.name}`);
  else say(`  ${yellow("-")} ${result.name} ${dim("(skipped)")}`);
}

function printSummary(lab: Lab, summary: RunSummary, hintsShown: number, hintCount: number): void {
  const total = summary.passed + summary.failed;
  const n = Number(lab.id.slice(0, 2));
  say();
  if (summary.failed === 0 && total > 0) {
    say(green(bold(`${total} of ${total} passing. Lab ${lab.id.slice(0, 2)} is done.`)));
    say(`Measure the difference: ${bold(`npm run lab -- bench ${n}`)}   Compare with ours: ${bold(`npm run lab -- solution ${n}`)}`);
    return;
  }
  say(bold(`${summary.passed} of ${total} passing.`));
  const first = summary.results.find((r) => r.status === "fail");
  if (first) {
    say();
    say(`${red("First failure:")} ${first.name}`);
    // The first paragraph is the test's own words; the rest (diffs, stacks) is in --verbose.
    const words = (first.error ?? "").split(/\n\s*\n/)[0] ?? "";
    for (const line of words.split("\n").slice(0, 12)) say(`  ${line}`);
    if (first.file) say(dim(`  (${path.relative(process.cwd(), first.file)})`));
  }
  say();
  const left = hintCount - hintsShown;
  say(
    left > 0
      ? `Stuck? ${bold(`npm run lab -- hint ${n}`)} reveals the next hint (${hintsShown} of ${hintCount} shown).`
      : `All ${hintCount} hints are shown: ${bold(`npm run lab -- hint ${n} --all`)} lists them again.`,
  );
  say(dim(`Full output: npm run lab -- test ${n} --verbose`));
}
