// labs/NN-slug/bench-reference.json: the figures the course measured with the lab's bench on its own
// solution (and the starter), copied from the table under the README's "Measure it". A lab page shows them
// (on /labs/NN-slug/bench/) until the learner has run the bench; tests/site/bench-reference.test.ts holds
// every number to the README's table, so the two cannot drift apart.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Figure } from "../../../kit/bench/bars.ts";
import { labsDir, repoRoot } from "../../../kit/paths.ts";

export const benchReferenceFigureSchema = z
  .object({
    name: z.string().min(1).describe('What was measured, e.g. "MongoDB queries per 1,000 reads of 20 hot users". Percentiles of one measurement ("p50 latency, ...", "p95 latency, ...") share a chart.'),
    unit: z.string().describe('The unit, e.g. "ms", "%", "queries"; empty for a plain count.'),
    better: z.enum(["lower", "higher"]).describe("Which direction is an improvement."),
    starter: z.number().nullable().describe("The starter's median in the README's table, or null if it has none."),
    solution: z.number().describe("Our solution's median in the README's table."),
    readme: z
      .object({
        table: z.enum(["figure-rows", "code-rows"]).describe('"figure-rows": one row per figure, with starter and solution columns; "code-rows": one row per code (starter..., solution...), one column per figure.'),
        label: z.string().min(1).describe("The figure's row label (figure-rows) or column header (code-rows), exactly as the README writes it."),
        part: z.number().int().min(0).default(0).describe('Which number of the cell, for a cell holding two ("1,161 / 2,073 ms" has part 0 and part 1).'),
      })
      .strict()
      .describe("Where in the README's first table under \"## Measure it\" the numbers are."),
  })
  .strict();

export const benchReferenceSchema = z
  .object({
    lab: z.string().regex(/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/).describe("The lab's id."),
    source: z.string().min(1).describe('Where the numbers came from, in words, e.g. "README, Measure it: medians of 3 runs on a shared 2-core machine".'),
    figures: z.array(benchReferenceFigureSchema).min(1),
  })
  .strict();

export type BenchReference = z.infer<typeof benchReferenceSchema>;

export const benchReferenceFile = (labId: string, root = repoRoot) => path.join(labsDir(root), labId, "bench-reference.json");

/** The lab's reference figures. Every lab has them (its README's Measure it table); a missing or broken file fails the build. */
export async function readBenchReference(labId: string, root = repoRoot): Promise<BenchReference> {
  const file = benchReferenceFile(labId, root);
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
    throw new Error(`${path.relative(root, file)} is missing: every lab keeps its bench's reference figures there (run \`npm run lab -- bench ${labId.slice(0, 2)} --solution\` and copy the medians of its README's Measure it table).`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path.relative(root, file)} is not JSON: ${(error as Error).message}`);
  }
  const parsed = benchReferenceSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path.relative(root, file)} is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  if (parsed.data.lab !== labId) throw new Error(`${path.relative(root, file)} names lab ${parsed.data.lab}, not ${labId}.`);
  return parsed.data;
}

/** The reference as chart figures: the starter and our solution, as the bench would record them. */
export const referenceFigures = (reference: BenchReference): Figure[] =>
  reference.figures.map((f) => ({
    name: f.name,
    unit: f.unit,
    better: f.better,
    medians: new Map([...(f.starter === null ? [] : [["starter", f.starter] as const]), ["solution", f.solution] as const]),
  }));
