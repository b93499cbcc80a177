import { z } from "zod";

/** The services a lab can ask the kit to provide. */
export const serviceSchema = z
  .enum(["redis", "redis-cluster", "mongo", "mongo-replset", "haproxy", "varnish", "postgres", "pgbouncer"])
  .describe("A backing service the kit resolves before the lab's tests run.");

const testFileSchema = z
  .string()
  .regex(/^test\/(?!.*\.\.)[\w./-]+\.test\.ts$/, "must be a test file of the lab, such as test/step1-sessions.test.ts")
  .describe("A test file, relative to the lab folder.");

/** The longest estimate of an ordinary lab, in minutes, and of a capstone (labs.md: "it takes an afternoon"). */
export const labMaxMinutes = 240;
export const capstoneMaxMinutes = 360;

/** One numbered step of a lab: what it is about, the tests that check it, and its hint ladder. */
export const stepSchema = z
  .object({
    title: z.string().trim().min(3, "must say what the step is about").describe("Short title of the step, as in the README's \"Your task\"."),
    tests: z
      .array(testFileSchema)
      .min(1, "must name at least one test file that checks this step")
      .describe("The test files that check this step. The step passes when every test in them passes."),
    hints: z
      .array(z.string().trim().min(1, "must not be empty").describe("One rung, in Markdown."))
      .min(2, "must have at least two rungs (gentle, then explicit)")
      .max(4, "must have at most four rungs")
      .describe("The hint ladder of this step, gentle to explicit: the concept, the approach and API, then near-code. Only the last rung may quote the solution."),
  })
  .strict();

/**
 * The manifest of one lab, `labs/NN-slug/lab.json`: the single source of truth for the
 * lab's title, lesson, services, steps (with their tests and hint ladders) and the files the learner edits. The CLI, the
 * contract check and the site all read it through this schema.
 */
export const labManifestSchema = z
  .object({
    id: z
      .string()
      .regex(/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/, "must look like 01-statelessness (two digits, a dash, a kebab-case slug)")
      .describe("Folder name of the lab: two digits, a dash and a kebab-case slug."),
    title: z.string().trim().min(3, "must say what the lab is about").describe("Human title shown in the CLI and on the site."),
    order: z.number().int().positive().describe("Position in the course; must match the two digits of the id."),
    lesson: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a lesson slug such as cache-aside")
      .describe("Slug of the lesson the lab belongs to (site URL /lessons/<slug>/)."),
    summary: z.string().trim().min(10, "must be a one-line summary").max(200, "must fit on one line (200 characters)").describe("One line: what the learner changes and why."),
    services: z.array(serviceSchema).describe("Services the kit must provide before tests run."),
    files: z
      .array(
        z
          .string()
          .regex(/^(?!\/)(?!.*\.\.)[\w./-]+$/, "must be a relative path inside the lab folder")
          .describe("Path relative to the lab folder."),
      )
      .min(1, "must list at least one file the learner edits")
      .describe("The files the learner edits; solutions/<id>/ holds exactly these files."),
    steps: z
      .array(stepSchema)
      .min(1, "must have at least one step")
      .describe("The lab's numbered steps, in order: steps[i] is step i+1, its TODO(i+1) markers and step i+1 of the README. In a capstone, a step has no marker: it is a promise, kept when its test files pass."),
    estimatedMinutes: z
      .number()
      .int()
      .min(5)
      .max(capstoneMaxMinutes)
      .describe(`Rough time a learner needs, in minutes: at most ${labMaxMinutes} (a lab teaches one idea in one to two hours), or ${capstoneMaxMinutes} for a capstone (an afternoon).`),
    capstone: z
      .boolean()
      .optional()
      .describe(
        "true for a capstone lab, which asks for judgment across every layer and must not point at its own mistakes: its starter has no TODO(n) markers, and each step is a promise checked by the test files it lists (every test file still belongs to exactly one step). It may estimate up to " +
          `${capstoneMaxMinutes} minutes. Absent or false: an ordinary lab, one TODO(n) marker per step.`,
      ),
    checkJobs: z
      .number()
      .int()
      .min(1)
      .max(6)
      .optional()
      .describe(
        "How many of the lab's stored wrong solutions `check` runs side by side, for a lab whose wrong solutions mostly wait (on timers, a provider, a lock) rather than compute: at most 6. Absent: 3. WORKBOOK_CHECK_JOBS, when set, wins.",
      ),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const digits = Number(manifest.id.slice(0, 2));
    if (digits !== manifest.order) {
      ctx.addIssue({ code: "custom", path: ["order"], message: `must be ${digits} to match the id "${manifest.id}"` });
    }
    if (manifest.estimatedMinutes > labMaxMinutes && manifest.capstone !== true) {
      ctx.addIssue({ code: "custom", path: ["estimatedMinutes"], message: `must be at most ${labMaxMinutes} for a lab; only a capstone ("capstone": true) may estimate up to ${capstoneMaxMinutes}` });
    }
    if (new Set(manifest.services).size !== manifest.services.length) {
      ctx.addIssue({ code: "custom", path: ["services"], message: "must not list a service twice" });
    }
    if (new Set(manifest.files).size !== manifest.files.length) {
      ctx.addIssue({ code: "custom", path: ["files"], message: "must not list a file twice" });
    }
    const owner = new Map<string, number>();
    manifest.steps.forEach((step, index) => {
      step.tests.forEach((file, fileIndex) => {
        const first = owner.get(file);
        if (first !== undefined) {
          ctx.addIssue({ code: "custom", path: ["steps", index, "tests", fileIndex], message: `"${file}" already belongs to step ${first + 1}; every test file belongs to exactly one step` });
        } else owner.set(file, index);
      });
    });
  });

export type LabManifest = z.infer<typeof labManifestSchema>;
export type LabStep = z.infer<typeof stepSchema>;
export type ServiceName = z.infer<typeof serviceSchema>;

/** A manifest problem, worded for the person who has to fix it. */
export class ManifestError extends Error {
  override name = "ManifestError";
  readonly lab: string;
  readonly problems: string[];
  constructor(lab: string, problems: string[]) {
    super(`labs/${lab}/lab.json is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.lab = lab;
    this.problems = problems;
  }
}

/** Validate raw JSON text for the lab in folder `lab`; throws ManifestError naming each field and what is wrong. */
export function parseManifest(lab: string, text: string): LabManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(lab, [`is not valid JSON (${(error as Error).message})`]);
  }
  const result = labManifestSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      // The flat hint list of the first manifests: say what replaced it rather than "unrecognized key".
      if (issue.code === "unrecognized_keys" && issue.path.length === 0 && issue.keys.includes("hints")) {
        const others = issue.keys.filter((key) => key !== "hints");
        return [
          `field "hints": a flat hint list is no longer read; give each step its own ladder of 2 to 4 rungs in "steps" (kit/manifest/schema.ts)`,
          ...(others.length > 0 ? [`field "(top level)": unrecognized key(s) ${others.map((k) => `"${k}"`).join(", ")}`] : []),
        ];
      }
      const field = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      return [`field "${field}": ${issue.message}`];
    });
    throw new ManifestError(lab, problems);
  }
  if (result.data.id !== lab) {
    throw new ManifestError(lab, [`field "id": must be "${lab}", the name of its folder (got "${result.data.id}")`]);
  }
  return result.data;
}

/**
 * What is wrong between a manifest's steps and the test files on disk: a step naming a file that does not
 * exist, or a test file no step claims.
 */
export function stepProblems(manifest: LabManifest, testFiles: readonly string[]): string[] {
  const onDisk = new Set(testFiles);
  const claimed = new Set(manifest.steps.flatMap((step) => step.tests));
  const problems: string[] = [];
  manifest.steps.forEach((step, index) => {
    for (const file of step.tests) if (!onDisk.has(file)) problems.push(`field "steps.${index}.tests": "${file}" does not exist in the lab's test/ folder`);
  });
  for (const file of testFiles) if (!claimed.has(file)) problems.push(`field "steps": no step lists "${file}"; every test file belongs to exactly one step`);
  return problems;
}
