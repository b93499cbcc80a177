import path from "node:path";
import { scanLabs, type Lab } from "../labs.ts";
import type { LabStep } from "../manifest/schema.ts";
import { repoRoot, solutionsDir } from "../paths.ts";
import type { RunSummary } from "../runner/run-tests.ts";
import { runTestFiles } from "./run-files.ts";
import { copyLab, makeScratch } from "../scratch.ts";
import { ServicePool } from "../services/pool.ts";
import { bold, dim, green, red, say, startLiveStatus, table } from "../terminal/output.ts";
import type { LiveStatus } from "../terminal/live.ts";
import { checkBench, checkReadme, checkSolutionFiles, checkTodos, strayLabFolders, type Finding } from "./static.ts";
import { checkWrongSolutions } from "./wrong.ts";
import { checkLeaks, checkLessonLeaks, copyableShare } from "./leaks.ts";
import { filesInStepOrder, listTestFiles } from "../runner/steps.ts";
import { checkStepsFailOnStarter, checkStepsStatic } from "./steps.ts";

/**
 * How many stored wrong solutions run side by side (each in its own scratch copy). Three on two cores: a
 * wrong solution's run mostly waits (for a service to start, a request, a timer), and on an idle 2-core
 * machine lab 16's went from 118 s at two to 86 s at three.
 */
const wrongJobs = Math.max(1, Number(process.env.WORKBOOK_CHECK_JOBS) || 3);
/** A lab's own `checkJobs` (lab.json), unless WORKBOOK_CHECK_JOBS says otherwise. */
export function wrongJobsFor(manifest: { checkJobs?: number | undefined }, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.WORKBOOK_CHECK_JOBS);
  if (fromEnv >= 1) return Math.floor(fromEnv);
  return manifest.checkJobs ?? 3;
}
/** How many stored wrong solutions each lab should keep (issue 9); fewer is noted, not a breach. */
const wrongAim = 15;

/**
 * The maintainer contract (modelled on rustlings' check): every manifest valid, every README
 * complete, TODO markers in the starter, solutions holding exactly the edited files, the starter
 * failing at least one test and the solved lab passing all of them. It works on scratch copies and
 * never touches the learner's files. Returns the number of labs that breach the contract.
 */
export async function checkContract(only: Lab[] | undefined, root = repoRoot): Promise<number> {
  const scanned = await scanLabs(root);
  const labs = only ?? scanned.labs;
  // A lab with a broken manifest counts as a failed lab; a stray solutions/ folder is a breach of its own.
  let failedLabs = 0;
  let otherBreaches = 0;
  if (!only) {
    for (const problem of scanned.problems) {
      failedLabs++;
      say(red(bold("✗ manifest")));
      say(`  ${problem.message}`);
    }
    const stray = await strayLabFolders(scanned.labs, solutionsDir(root));
    if (stray.length > 0) {
      otherBreaches++;
      say(red(`✗ solutions/ has folders with no lab: ${stray.join(", ")}`));
    }
    if (labs.length === 0) {
      say(red("✗ no labs found under labs/"));
      return failedLabs + otherBreaches + 1;
    }
  }
  const pool = new ServicePool();
  const scratch = await makeScratch("check", root);
  const started = performance.now();
  const live = startLiveStatus();
  try {
    for (const lab of labs) {
      const labStarted = performance.now();
      const { findings, notes } = await checkLab(lab, pool, scratch.dir, live);
      const failed = findings.some(([, f]) => !f.ok);
      if (failed) failedLabs++;
      say(`${failed ? red("✗") : green("✓")} ${bold(lab.id)}`);
      for (const line of table(findings.map(([what, f]) => [`  ${what}`, f.ok ? green(f.label ?? "ok") : red("BREACH"), dim(f.detail)]))) say(line);
      for (const note of notes) say(`  ${note}`);
      say(dim(`  checked in ${((performance.now() - labStarted) / 1000).toFixed(1)} s`));
      say();
    }
  } finally {
    live.stop();
    await scratch.remove();
    const backends = pool.backends();
    await pool.stop();
    for (const b of backends) say(dim(`Used ${b}`));
  }
  say(dim(`Checked ${labs.length} lab(s) in ${((performance.now() - started) / 1000).toFixed(1)} s`));
  const checked = labs.length + (only ? 0 : scanned.problems.length);
  say(`check: ${checked - failedLabs} passed, ${failedLabs} failed`);
  return failedLabs + otherBreaches;
}

interface LabCheck {
  findings: [string, Finding & { label?: string }][];
  notes: string[];
}

async function checkLab(lab: Lab, pool: ServicePool, scratchDir: string, live: LiveStatus): Promise<LabCheck> {
  const manifest = lab.manifest;
  live.begin(`check ${lab.id} · manifest, README, solution files, leaks`);
  const findings: LabCheck["findings"] = [
    ["manifest", { ok: true, detail: `${manifest.steps.length} steps, services: ${manifest.services.join(", ") || "none"}` }],
    ["README sections", await checkReadme(lab)],
    ["TODO markers", await checkTodos(lab)],
    ["solution files", await checkSolutionFiles(lab)],
    ["bench scenario", await checkBench(lab)],
  ];
  const notes: string[] = [];
  const steps = manifest.steps;
  const leaks = await checkLeaks(lab, steps);
  findings.push(["README/hint leaks", leaks]);
  findings.push(["lesson leaks", await checkLessonLeaks(lab)]);
  const share = await copyableShare(lab);
  notes.push(dim(`copyable share: ${share.copyable} of ${share.total} solution line(s) (${Math.round(share.share * 100)} %) can be copied from the README and the lesson (goal: at most 20 %)`));
  findings.push(["steps, tests, TODOs", await checkStepsStatic(lab)]);
  const shown = 20;
  for (const line of leaks.quoted.slice(0, shown)) notes.push(dim(`leak: ${line}`));
  if (leaks.quoted.length > shown) notes.push(dim(`leak: … and ${leaks.quoted.length - shown} more`));
  const labScratch = path.join(scratchDir, lab.id);
  // The starter and the solved lab run side by side (both cores), unless WORKBOOK_CHECK_JOBS=1.
  const solutionComplete = findings[3]![1].ok;
  const suites = performance.now();
  live.update(`check ${lab.id} · the starter's and the solved lab's tests`);
  const solvedRun = () => (solutionComplete ? runCopy(lab, steps, pool, path.join(labScratch, "solved"), true) : Promise.resolve(undefined));
  const [starter, solved] =
    wrongJobs > 1
      ? await Promise.all([runCopy(lab, steps, pool, path.join(labScratch, "starter"), false), solvedRun()])
      : [await runCopy(lab, steps, pool, path.join(labScratch, "starter"), false), await solvedRun()];
  notes.push(dim(`starter and solved suites: ${((performance.now() - suites) / 1000).toFixed(1)} s`));
  findings.push(["starter fails", describeStarter(starter.run)]);
  findings.push(["each step fails on starter", checkStepsFailOnStarter(steps, starter.run, starter.dir)]);
  let solvedPasses = false;
  if (solved) {
    const described = describeSolved(solved.run);
    solvedPasses = described.ok;
    findings.push(["solution passes", described]);
  } else {
    findings.push(["solution passes", { ok: false, detail: "not run: the solution files are incomplete" }]);
  }
  if (solvedPasses) {
    const report = await checkWrongSolutions(
      lab,
      pool,
      labScratch,
      wrongJobsFor(lab.manifest),
      (p) => live.update(`check ${lab.id} · wrong solutions, ${p.done} of ${p.total} done${p.running.length > 0 ? ` · ${p.running.join(", ")}` : ""}`),
      { dir: solved!.dir, results: solved!.run.results },
    );
    for (const a of report.alone) {
      findings.push([`${a.file}, named tests alone`, { ok: a.ok, label: "pass", detail: `${a.detail} (${(a.ms / 1000).toFixed(1)} s)` }]);
    }
    for (const o of report.outcomes) {
      findings.push([`${o.name}`, { ok: o.rejected, label: "rejected", detail: `${o.detail} (${(o.ms / 1000).toFixed(1)} s)` }]);
    }
    const line = `wrong solutions: ${report.rejected} rejected of ${report.total}`;
    const few = report.total < wrongAim ? `fewer than the ${wrongAim} a lab should keep; ` : "";
    notes.push(`${report.rejected === report.total ? line : red(line)} ${dim(`(${few}${(report.ms / 1000).toFixed(1)} s, ${wrongJobsFor(lab.manifest)} at a time)`)}`);
  } else {
    notes.push(dim("wrong solutions: not run, the solution does not pass"));
  }
  return { findings, notes };
}

/** How long a whole starter or solved run may take before check gives up on it (a hung test file must not hang CI). */
const suiteTimeoutMs = 15 * 60_000;

async function runCopy(lab: Lab, steps: LabStep[], pool: ServicePool, dest: string, withSolution: boolean): Promise<{ dir: string; run: RunSummary }> {
  const dir = await copyLab(lab, dest, withSolution);
  const files = filesInStepOrder(steps, await listTestFiles(dir));
  return { dir, run: await runTestFiles({ labDir: dir, files, env: await pool.envFor(lab.manifest.services), runTimeoutMs: suiteTimeoutMs }) };
}

function describeStarter(run: RunSummary): Finding {
  const total = run.passed + run.failed;
  if (total === 0) return { ok: false, detail: "no tests ran" };
  if (run.failed === 0) return { ok: false, detail: `all ${total} tests pass on the starter: nothing is left for the learner to do` };
  return { ok: true, detail: `${run.passed} of ${total} passing` };
}

function describeSolved(run: RunSummary): Finding {
  const total = run.passed + run.failed;
  if (total === 0) return { ok: false, detail: "no tests ran" };
  if (run.failed > 0) {
    const first = run.results.find((r) => r.status === "fail");
    return { ok: false, detail: `${run.failed} of ${total} failing; first: ${first?.name}: ${(first?.error ?? "").split("\n")[0]}` };
  }
  if (run.skipped > 0) return { ok: false, detail: `${run.skipped} test(s) skipped: a solved lab must run every test` };
  return { ok: true, detail: `${total} of ${total} passing` };
}
