/**
 * Steps as the learner sees them: which passed, which failed, which were not run, and the order to run them in.
 * Nothing here touches the disk or a process, so the site's browser script can use it too.
 */
/** One step's result in a run; the progress file stores the same shape (kit/progress.ts checks it with zod). */
export interface StepResult {
  passed: number;
  failed: number;
  ran: boolean;
}

export type StepState = "pass" | "fail" | "not-run";

/** A step passes when it ran, at least one of its tests passed and none failed. */
export function stepState(result: StepResult | undefined): StepState {
  if (!result || !result.ran) return "not-run";
  return result.failed === 0 && result.passed > 0 ? "pass" : "fail";
}

/** The record of a step a run stopped before. */
export const notRunStep = (): StepResult => ({ passed: 0, failed: 0, ran: false });

/** Index of the first step that does not pass (not run counts as not passing); -1 when every step passes. */
export function currentStep(results: readonly StepResult[], stepCount: number): number {
  for (let i = 0; i < stepCount; i++) if (stepState(results[i]) !== "pass") return i;
  return -1;
}

/**
 * Where `lab watch` starts its next run: the current step, or step 1 again once every step passes (so a
 * save after the lab is done checks the whole lab). Results of another step count are not trusted.
 */
export function watchFrom(previous: readonly StepResult[] | undefined, stepCount: number): number {
  if (!previous || previous.length !== stepCount) return 0;
  return Math.max(0, currentStep(previous, stepCount));
}

/**
 * Run steps in order, starting at `from`, and stop after the first one that does not pass: the steps after it
 * are recorded as not run. Steps before `from` keep their results in `previous` (not run when it has none).
 */
export async function runStepsInOrder(
  stepCount: number,
  runStep: (index: number) => Promise<StepResult>,
  from = 0,
  previous: readonly StepResult[] = [],
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (let i = 0; i < Math.min(from, stepCount); i++) results.push(previous[i] ?? notRunStep());
  let stopped = false;
  for (let i = from; i < stepCount; i++) {
    if (stopped) {
      results.push(notRunStep());
      continue;
    }
    const result = await runStep(i);
    results.push(result);
    if (stepState(result) !== "pass") stopped = true;
  }
  return results;
}

const phrases: Record<StepState, [one: string, many: string]> = {
  pass: ["passes", "pass"],
  fail: ["fails", "fail"],
  "not-run": ["not run", "not run"],
};

/** One line for the steps in order, neighbours in the same state joined: "steps 1–2 pass · step 3 fails · steps 4–5 not run". */
export function stepsLine(states: readonly StepState[]): string {
  const parts: string[] = [];
  for (let start = 0; start < states.length; ) {
    let end = start;
    while (end + 1 < states.length && states[end + 1] === states[start]) end++;
    const [one, many] = phrases[states[start]!];
    parts.push(end === start ? `step ${start + 1} ${one}` : `steps ${start + 1}–${end + 1} ${many}`);
    start = end + 1;
  }
  return parts.join(" · ");
}
