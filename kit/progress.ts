import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { repoRoot, workbookDir } from "./paths.ts";

const labProgressSchema = z.object({
  lastRun: z.string().nullable().describe("ISO time of the last `lab test` run, or null if never run."),
  passed: z.number().int().min(0).describe("Tests passing in the last run."),
  failed: z.number().int().min(0).describe("Tests failing in the last run."),
  total: z.number().int().min(0).describe("Tests in the last run."),
  hintsShown: z.number().int().min(0).describe("How many hints the learner has revealed."),
  firstPassedAt: z.string().nullable().describe("ISO time the lab first passed, or null."),
});

/** `.workbook/progress.json`: the learner's record, git-ignored, written only by the kit. */
export const progressSchema = z.object({
  version: z.literal(1),
  labs: z.record(z.string(), labProgressSchema),
});

export type LabProgress = z.infer<typeof labProgressSchema>;
export type Progress = z.infer<typeof progressSchema>;
export type LabState =
  | { state: "not-started" }
  | { state: "failing"; passed: number; total: number }
  | { state: "passing"; passed: number; total: number };

export const progressFile = (root = repoRoot) => path.join(workbookDir(root), "progress.json");
const emptyProgress = (): Progress => ({ version: 1, labs: {} });

export function blankLabProgress(): LabProgress {
  return { lastRun: null, passed: 0, failed: 0, total: 0, hintsShown: 0, firstPassedAt: null };
}

/**
 * Read the progress file. A missing file is fresh progress. A malformed one is renamed aside
 * (never deleted) and progress starts fresh; `warn` is told where the old file went.
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
  let problem: string;
  try {
    const parsed = progressSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    problem = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("; ");
  } catch (error) {
    problem = `not valid JSON (${(error as Error).message})`;
  }
  const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await rename(file, aside);
  warn(`Your progress file was malformed (${problem}). It was kept as ${path.relative(root, aside)} and progress starts fresh.`);
  return emptyProgress();
}

/** Write progress atomically: a crash mid-write never leaves a half-written file. */
export async function writeProgress(progress: Progress, root = repoRoot): Promise<void> {
  const file = progressFile(root);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(progress, null, 2)}\n`);
  await rename(temp, file);
}

/** Read, change one lab's entry, write back. */
export async function updateLabProgress(
  labId: string,
  change: (entry: LabProgress) => LabProgress,
  root = repoRoot,
  warn?: (message: string) => void,
): Promise<LabProgress> {
  const progress = await readProgress(root, warn);
  const next = change(progress.labs[labId] ?? blankLabProgress());
  progress.labs[labId] = next;
  await writeProgress(progress, root);
  return next;
}

/** Record a finished test run. */
export function recordRun(entry: LabProgress, passed: number, failed: number, now = new Date()): LabProgress {
  const total = passed + failed;
  const allPass = failed === 0 && total > 0;
  return {
    ...entry,
    lastRun: now.toISOString(),
    passed,
    failed,
    total,
    firstPassedAt: entry.firstPassedAt ?? (allPass ? now.toISOString() : null),
  };
}

/** The state a learner sees for one lab: not started, failing N of M, or passing. */
export function labState(entry: LabProgress | undefined): LabState {
  if (!entry || entry.lastRun === null || entry.total === 0) return { state: "not-started" };
  if (entry.failed === 0) return { state: "passing", passed: entry.passed, total: entry.total };
  return { state: "failing", passed: entry.passed, total: entry.total };
}

export function describeState(state: LabState): string {
  switch (state.state) {
    case "not-started":
      return "not started";
    case "failing":
      return `failing (${state.passed} of ${state.total} passing)`;
    case "passing":
      return `passing (${state.total} of ${state.total})`;
  }
}
