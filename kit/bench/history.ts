// `.workbook/bench/NN-slug.json`: every `lab bench` run of one lab, oldest first, so that the learner's
// figures build up a history as their code improves. The shape is defined once, here, with zod; the site
// reads the same file through `readBenchHistory`.
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import type { Lab } from "../labs.ts";
import { median } from "../stats.ts";
import { repoRoot, workbookDir } from "../paths.ts";
import { isReference, type BenchResults, type Variant } from "./report.ts";

/** The history keeps this many runs per lab; older ones are dropped, oldest first. */
export const keptRuns = 50;

const variantSchema = z.enum(["starter", "yours", "solution"]);

/** One figure of one variant in one run: its median and the samples it is the median of. */
export const benchFigureRecordSchema = z
  .object({
    name: z.string().min(1).describe('What was measured, as the bench names it, e.g. "sessions lost per 200 requests".'),
    unit: z.string().describe('The unit, e.g. "ms", "requests", "%"; empty for a plain count.'),
    better: z.enum(["lower", "higher"]).describe("Which direction is an improvement."),
    headline: z.boolean().default(false).describe("The figure the lab is about."),
    reference: z.boolean().default(false).describe("Measured without the learner's code, to show what good looks like."),
    median: z.number().nullable().describe("The median of the samples; null when it is not a number."),
    samples: z.array(z.number().nullable()).min(1).describe("One value per bench run of this variant, in run order; null for a value that was not a number."),
  })
  .strict();

export const benchRunRecordSchema = z
  .object({
    at: z.string().datetime({ offset: true }).describe("ISO time the bench finished."),
    runs: z.number().int().min(1).max(20).describe("How many times each variant was measured."),
    code: z
      .object({
        hash: z.string().regex(/^sha256:[0-9a-f]{64}$/).describe("SHA-256 over the lab's learner files (lab.json files), path and content: the same code gives the same hash."),
        commit: z.string().regex(/^[0-9a-f]{40}$/).nullable().describe("The workbook's git commit when the bench ran, or null outside git."),
      })
      .strict()
      .describe("Which of the learner's code was measured."),
    variants: z
      .array(z.object({ variant: variantSchema, figures: z.array(benchFigureRecordSchema) }).strict())
      .min(1)
      .describe("The variants measured, in the order they ran (starter, yours, then the solution if asked)."),
  })
  .strict();

export const benchHistorySchema = z
  .object({
    version: z.literal(1).describe("Format version of the file."),
    lab: z.string().regex(/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/).describe("The lab's id, e.g. 01-statelessness."),
    runs: z.array(benchRunRecordSchema).max(keptRuns).describe(`The bench runs, oldest first; at most ${keptRuns}.`),
  })
  .strict();

export type BenchFigureRecord = z.infer<typeof benchFigureRecordSchema>;
export type BenchRunRecord = z.infer<typeof benchRunRecordSchema>;
export type BenchHistory = z.infer<typeof benchHistorySchema>;

export const benchHistoryFile = (labId: string, root = repoRoot) => path.join(workbookDir(root), "bench", `${labId}.json`);

const finite = (n: number) => (Number.isFinite(n) ? n : null);

/** A run's record, from what the bench measured. */
export function benchRunRecord(results: BenchResults, runs: number, code: BenchRunRecord["code"], at = new Date()): BenchRunRecord {
  const variants = [...results.entries()].map(([variant, figures]) => ({
    variant,
    figures: [...figures.entries()].map(([name, samples]) => {
      const first = samples[0]!;
      return {
        name,
        unit: first.unit,
        better: first.better,
        headline: samples.some((s) => s.headline === true),
        reference: isReference({ name, reference: samples.some((s) => s.reference === true) }),
        median: finite(median(samples.map((s) => s.value))),
        samples: samples.map((s) => finite(s.value)),
      };
    }),
  }));
  return benchRunRecordSchema.parse({ at: at.toISOString(), runs, code, variants });
}

/** What identifies the learner's code: a hash of the files they edit, and the commit if there is one. */
export async function codeIdentity(lab: Lab, root = repoRoot): Promise<BenchRunRecord["code"]> {
  const hash = createHash("sha256");
  for (const file of [...lab.manifest.files].sort()) {
    const content = await readFile(path.join(lab.dir, file)).catch(() => null);
    hash.update(`${file}\0${content === null ? "(missing)" : content.length}\0`);
    if (content) hash.update(content);
  }
  const commit = await promisify(execFile)("git", ["rev-parse", "HEAD"], { cwd: root }).then(
    (r) => r.stdout.trim(),
    () => null,
  );
  return { hash: `sha256:${hash.digest("hex")}`, commit: commit && /^[0-9a-f]{40}$/.test(commit) ? commit : null };
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, "-");

/**
 * Read a lab's history. A missing file is an empty history. A file that is not a valid history is never
 * overwritten: it is moved to `<file>.broken-<time>`, `warn` says where, and the history starts again.
 */
export async function readBenchHistory(labId: string, root = repoRoot, warn: (message: string) => void = () => {}): Promise<BenchHistory> {
  const file = benchHistoryFile(labId, root);
  const empty: BenchHistory = { version: 1, lab: labId, runs: [] };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return empty;
    throw error;
  }
  let problem: string;
  try {
    const parsed = benchHistorySchema.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.lab === labId) return parsed.data;
    problem = parsed.success
      ? `it is the history of lab ${parsed.data.lab}`
      : parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`)
          .join("; ");
  } catch (error) {
    problem = `not valid JSON (${(error as Error).message})`;
  }
  const aside = `${file}.broken-${stamp()}`;
  await rename(file, aside);
  warn(`The bench history of lab ${labId} was malformed (${problem}). It was kept as ${path.relative(root, aside)} and a new history starts.`);
  return empty;
}

/** Add a run to the lab's history (keeping the newest `keptRuns`), written atomically. Returns the history. */
export async function appendBenchRun(labId: string, run: BenchRunRecord, root = repoRoot, warn?: (message: string) => void): Promise<BenchHistory> {
  const history = await readBenchHistory(labId, root, warn);
  const next: BenchHistory = { ...history, runs: [...history.runs, benchRunRecordSchema.parse(run)].slice(-keptRuns) };
  const file = benchHistoryFile(labId, root);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(next, null, 2)}\n`);
  await rename(temp, file);
  return next;
}

/**
 * The learner's headline figure in the latest run (the one marked headline, else the first measured one), and
 * its median in every saved run that measured it, oldest first (null where it was not a number).
 */
export function headlineSeries(history: BenchHistory): { figure: BenchFigureRecord; points: { run: number; at: string; median: number | null }[] } | undefined {
  const yoursIn = (run: BenchRunRecord) => run.variants.find((v) => v.variant === "yours")?.figures;
  const latest = history.runs.at(-1);
  const measured = (latest ? yoursIn(latest) : undefined)?.filter((f) => !isReference(f)) ?? [];
  const figure = measured.find((f) => f.headline) ?? measured[0];
  if (!figure) return undefined;
  const points = history.runs.flatMap((run, i) => {
    const found = yoursIn(run)?.find((f) => f.name === figure.name);
    return found ? [{ run: i + 1, at: run.at, median: found.median }] : [];
  });
  return { figure, points };
}
