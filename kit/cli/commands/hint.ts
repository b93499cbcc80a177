import type { Lab } from "../../labs.ts";
import type { LabStep } from "../../manifest/schema.ts";
import { earliestOpenStep, mergeHints, readProgress, updateLabProgress } from "../../progress.ts";
import { stepsOfLab } from "../../runner/steps.ts";
import { bold, dim, say, warn } from "../../terminal/output.ts";

const heading = (lab: Lab, steps: LabStep[], step: number, rung: number) =>
  `${bold(`Step ${step + 1} of ${steps.length}: ${steps[step]!.title}`)} · hint ${rung + 1} of ${steps[step]!.hints.length} ${dim(`(lab ${lab.id})`)}`;

function sayRung(lab: Lab, steps: LabStep[], step: number, rung: number): void {
  say(heading(lab, steps, step, rung));
  say(`  ${steps[step]!.hints[rung]}`);
  say();
}

/**
 * Reveal the next rung of the earliest step not yet passing in the last recorded run (step 1 before any run),
 * or every rung of every step with --all. Revealed rungs are kept per step in the progress file, which the
 * site reads and writes too.
 */
export async function showHint(lab: Lab, all: boolean): Promise<void> {
  const steps = stepsOfLab(lab);
  const rungs = steps.map((step) => step.hints.length);
  const entry = (await readProgress(undefined, warn)).labs[lab.id];
  const n = lab.manifest.order;
  if (all) {
    steps.forEach((step, s) => step.hints.forEach((_, r) => sayRung(lab, steps, s, r)));
    await updateLabProgress(lab.id, (e) => ({ ...e, hintsShown: mergeHints(e.hintsShown, rungs, rungs) }), undefined, warn);
    return;
  }
  const open = earliestOpenStep(entry, steps.length);
  if (open === -1) {
    say(`Every step of lab ${lab.id} passed in your last run: there is nothing left to hint at.`);
    say(dim(`Every rung of every step: npm run lab -- hint ${n} --all`));
    return;
  }
  const seen = Math.min(entry?.hintsShown[open] ?? 0, rungs[open]!);
  if (seen >= rungs[open]!) {
    sayRung(lab, steps, open, rungs[open]! - 1);
    say(dim(`That was the last hint for step ${open + 1}. The README's step ${open + 1} and the lesson have the rest; npm run lab -- hint ${n} --all lists every rung.`));
    return;
  }
  sayRung(lab, steps, open, seen);
  if (entry === undefined || entry.lastRun === null) say(dim(`No test run is recorded yet, so this is step 1's ladder. After npm run lab -- test ${n}, hints follow the earliest step that fails.`));
  const revealed = rungs.map((_, i) => (i === open ? seen + 1 : 0));
  await updateLabProgress(lab.id, (e) => ({ ...e, hintsShown: mergeHints(e.hintsShown, revealed, rungs) }), undefined, warn);
}
