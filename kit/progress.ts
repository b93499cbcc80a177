import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { repoRoot, workbookDir } from "./paths.ts";
import { currentStep, stepState, stepsLine, type StepState } from "./step-states.ts";

/** Rungs revealed per step: `[step 1, step 2, ...]`. Bounded, because the site's local API writes it too. */
export const hintCountsSchema = z
  .array(z.number().int().min(0).max(50))
  .max(100)
  .describe("How many rungs of each step's hint ladder the learner has revealed, by step: [step 1, step 2, ...].");

const stepResultSchema = z
  .object({
    passed: z.number().int().min(0).describe("Tests of this step's files passing in the last run."),
    failed: z.number().int().min(0).describe("Tests of this step's files failing in the last run."),
    ran: z
      .boolean()
      // Files written before step-by-step runs have no such field: every step ran then.
      .default(true)
      .describe("Whether the last run ran this step; false for the steps after the first failing one, which count neither as passing nor as failing."),
  })
  .describe("One step's result in the last run.");

const labProgressSchema = z.object({
  lastRun: z.string().nullable().describe("ISO time of the last `lab test` run, or null if never run."),
  passed: z.number().int().min(0).describe("Tests passing in the last run."),
  failed: z.number().int().min(0).describe("Tests failing in the last run."),
  total: z.number().int().min(0).describe("Tests in the last run."),
  hintsShown: z
    // Before hint ladders this was one count over a flat list: that list is step 1 of a legacy lab.
    .union([z.number().int().min(0).max(50).transform((count) => [count]), hintCountsSchema])
    .default([])
    .describe("Rungs revealed per step, read and written by both `lab hint` and the site."),
  steps: z.array(stepResultSchema).default([]).describe("Per-step results of the last run, in step order; empty before the first run."),
  firstPassedAt: z.string().nullable().describe("ISO time the lab first passed, or null."),
  resetAt: z.string().nullable().default(null).describe("ISO time of the last `lab reset`, or null; newer than lastRun means the lab was reset since."),
  setAside: z
    .string()
    .nullable()
    .default(null)
    .describe("When this lab's entry was damaged: the file (relative to the workbook) its old entry was moved to. Cleared by the next run."),
});

/** `.workbook/progress.json`: the learner's record, git-ignored, written by the kit and by `npm start`'s local API. */
export const progressSchema = z.object({
  version: z.literal(1).describe("Format version of the file."),
  labs: z.record(z.string(), labProgressSchema).describe("One entry per lab id that has any progress."),
  setAside: z
    .string()
    .nullable()
    .default(null)
    .describe("When the whole file was unreadable: where it was moved to. Cleared by the next `lab test`."),
});

/** The body of a hint write through the site's local API: one lab's revealed rungs per step. */
export const hintWriteSchema = z
  .object({
    lab: z.string().regex(/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a lab id such as 01-statelessness").describe("The lab's id."),
    hintsShown: hintCountsSchema,
  })
  .strict();

export type LabProgress = z.infer<typeof labProgressSchema>;
export type Progress = z.infer<typeof progressSchema>;
export type StepResult = z.infer<typeof stepResultSchema>;
export type LabState =
  | { state: "not-started" }
  | { state: "reset"; at: string }
  | { state: "failing"; passed: number; total: number }
  | { state: "passing"; passed: number; total: number };

export const progressFile = (root = repoRoot) => path.join(workbookDir(root), "progress.json");
const emptyProgress = (): Progress => ({ version: 1, labs: {}, setAside: null });
const stamp = () => new Date().toISOString().replace(/[:.]/g, "-");

export function blankLabProgress(): LabProgress {
  return { lastRun: null, passed: 0, failed: 0, total: 0, hintsShown: [], steps: [], firstPassedAt: null, resetAt: null, setAside: null };
}

const describeIssues = (error: z.ZodError, prefix = "") =>
  error.issues.map((i) => `${[prefix, ...i.path].filter((p) => p !== "").join(".") || "(top level)"}: ${i.message}`).join("; ");
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Read the progress file. A missing file is fresh progress. Damage costs only what is damaged: each lab's
 * entry is validated on its own, the entries that fail are moved to `progress.json.broken-<time>` (never
 * deleted) and start fresh with a note saying where they went, and every other lab keeps its progress.
 * Only a file that is not a progress file at all is moved aside whole. `warn` is told what happened.
 */
export async function readProgress(root = repoRoot, warn: (message: string) => void = () => {}): Promise<Progress> {
  const file = progressFile(root);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyProgress();
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return setAsideWhole(root, `not valid JSON (${(error as Error).message})`, warn);
  }
  const whole = progressSchema.safeParse(raw);
  if (whole.success) return whole.data;
  if (!isRecord(raw) || raw.version !== 1 || !isRecord(raw.labs)) {
    return setAsideWhole(root, describeIssues(whole.error), warn);
  }
  const progress = emptyProgress();
  const broken: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [id, entry] of Object.entries(raw.labs)) {
    const parsed = labProgressSchema.safeParse(entry);
    if (parsed.success) progress.labs[id] = parsed.data;
    else {
      broken[id] = entry;
      problems.push(describeIssues(parsed.error, `labs.${id}`));
    }
  }
  const notice = progressSchema.shape.setAside.safeParse(raw.setAside);
  if (notice.success) progress.setAside = notice.data;
  const aside = `${file}.broken-${stamp()}`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(aside, `${JSON.stringify({ version: 1, labs: broken, ...(notice.success ? {} : { setAside: raw.setAside }) }, null, 2)}\n`, { flag: "wx" });
  const relative = path.relative(root, aside);
  for (const id of Object.keys(broken)) progress.labs[id] = { ...blankLabProgress(), setAside: relative };
  await writeProgress(progress, root);
  const ids = Object.keys(broken);
  warn(
    `Your progress for ${ids.length === 0 ? "the file's notice" : `lab ${ids.join(", ")}`} was malformed (${problems.join("; ") || "setAside: not a string"}). ` +
      `It was kept as ${relative}; ${ids.length === 0 ? "nothing else changed" : "those labs start fresh and every other lab keeps its progress"}.`,
  );
  return progress;
}

async function setAsideWhole(root: string, problem: string, warn: (message: string) => void): Promise<Progress> {
  const file = progressFile(root);
  const aside = `${file}.broken-${stamp()}`;
  await rename(file, aside);
  const relative = path.relative(root, aside);
  const progress = { ...emptyProgress(), setAside: relative };
  await writeProgress(progress, root);
  warn(`Your progress file was malformed (${problem}). It was kept as ${relative} and progress starts fresh.`);
  return progress;
}

let writes = 0;

/** Write progress atomically: a crash mid-write never leaves a half-written file. */
export async function writeProgress(progress: Progress, root = repoRoot): Promise<void> {
  const file = progressFile(root);
  await mkdir(path.dirname(file), { recursive: true });
  // Unique per write: the site's server may write twice at once in one process.
  const temp = `${file}.${process.pid}.${++writes}.tmp`;
  await writeFile(temp, `${JSON.stringify(progress, null, 2)}\n`);
  await rename(temp, file);
}

// Read-change-write of one process happens one at a time, so two changes never overwrite each other.
let queue: Promise<unknown> = Promise.resolve();

/** Read, change the whole record, write back; changes within one process are applied in order. */
export function updateProgress(change: (progress: Progress) => Progress, root = repoRoot, warn?: (message: string) => void): Promise<Progress> {
  const run = queue.then(async () => {
    const next = change(await readProgress(root, warn));
    await writeProgress(next, root);
    return next;
  });
  queue = run.catch(() => {});
  return run;
}

/** Read, change one lab's entry, write back. */
export async function updateLabProgress(
  labId: string,
  change: (entry: LabProgress) => LabProgress,
  root = repoRoot,
  warn?: (message: string) => void,
): Promise<LabProgress> {
  const progress = await updateProgress((p) => ({ ...p, labs: { ...p.labs, [labId]: change(p.labs[labId] ?? blankLabProgress()) } }), root, warn);
  return progress.labs[labId]!;
}

/** Record a finished test run, with each step's result when the lab's steps are known. */
export function recordRun(entry: LabProgress, passed: number, failed: number, now = new Date(), steps: StepResult[] = []): LabProgress {
  const total = passed + failed;
  const allPass = failed === 0 && total > 0 && steps.every((step) => step.ran);
  return {
    ...entry,
    lastRun: now.toISOString(),
    passed,
    failed,
    total,
    steps,
    firstPassedAt: entry.firstPassedAt ?? (allPass ? now.toISOString() : null),
    setAside: null,
  };
}

/** Record `lab reset`: the starter is back, so the last run's results no longer describe the learner's code. */
export function recordReset(entry: LabProgress, now = new Date()): LabProgress {
  return { ...entry, resetAt: now.toISOString(), steps: [] };
}

/** Merge revealed rungs: a count only grows (a reveal is never taken back), each capped at its step's rungs when known. */
export function mergeHints(current: number[], revealed: readonly number[], rungsPerStep?: readonly number[]): number[] {
  const length = Math.max(current.length, revealed.length);
  return Array.from({ length }, (_, i) => {
    const count = Math.max(current[i] ?? 0, revealed[i] ?? 0);
    const cap = rungsPerStep?.[i];
    return cap === undefined ? count : Math.min(count, cap);
  }).slice(0, rungsPerStep?.length ?? length);
}

/**
 * The state a learner sees for one lab: not started, reset, failing N of M, or passing. N of M count the
 * tests that ran: a run that stopped at a failing step is failing, and a lab passes only when every step ran.
 */
export function labState(entry: LabProgress | undefined): LabState {
  if (!entry) return { state: "not-started" };
  if (entry.resetAt !== null && (entry.lastRun === null || entry.resetAt >= entry.lastRun)) return { state: "reset", at: entry.resetAt };
  if (entry.lastRun === null || entry.total === 0) return { state: "not-started" };
  if (entry.failed === 0 && entry.steps.every((step) => step.ran)) return { state: "passing", passed: entry.passed, total: entry.total };
  return { state: "failing", passed: entry.passed, total: entry.total };
}

/** Each step's state in the last run, in step order; empty before a run with steps, and after a reset. */
export function stepStates(entry: LabProgress | undefined): StepState[] {
  const state = labState(entry).state;
  return state === "failing" || state === "passing" ? entry!.steps.map(stepState) : [];
}

/** Index of the earliest step not yet passing in the last run (0 before any run or after a reset); -1 when every step passes. */
export function earliestOpenStep(entry: LabProgress | undefined, stepCount: number): number {
  if (!entry || entry.steps.length !== stepCount || labState(entry).state === "reset") return 0;
  return currentStep(entry.steps, stepCount);
}

/** The state in a few words; with two or more steps' states, a failing lab also says which steps pass, fail or were not run. */
export function describeState(state: LabState, steps: readonly StepState[] = []): string {
  switch (state.state) {
    case "not-started":
      return "not started";
    case "reset":
      return "reset to the starter, not run since";
    case "failing":
      return `failing (${state.passed} of ${state.total} passing)${steps.length > 1 ? `: ${stepsLine(steps)}` : ""}`;
    case "passing":
      return `passing (${state.total} of ${state.total})`;
  }
}
