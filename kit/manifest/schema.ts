import { z } from "zod";

/** The services a lab can ask the kit to provide. */
export const serviceSchema = z
  .enum(["redis", "mongo", "mongo-replset"])
  .describe("A backing service the kit resolves before the lab's tests run.");

/**
 * The manifest of one lab, `labs/NN-slug/lab.json`: the single source of truth for the
 * lab's title, lesson, services, hints and the files the learner edits. The CLI, the
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
    hints: z
      .array(z.string().trim().min(1, "must not be empty"))
      .min(3, "must have at least three hints")
      .describe("Hints revealed one at a time by `lab hint`, from gentle to explicit."),
    estimatedMinutes: z.number().int().min(5).max(240).describe("Rough time a learner needs, in minutes."),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const digits = Number(manifest.id.slice(0, 2));
    if (digits !== manifest.order) {
      ctx.addIssue({ code: "custom", path: ["order"], message: `must be ${digits} to match the id "${manifest.id}"` });
    }
    if (new Set(manifest.services).size !== manifest.services.length) {
      ctx.addIssue({ code: "custom", path: ["services"], message: "must not list a service twice" });
    }
    if (new Set(manifest.files).size !== manifest.files.length) {
      ctx.addIssue({ code: "custom", path: ["files"], message: "must not list a file twice" });
    }
  });

export type LabManifest = z.infer<typeof labManifestSchema>;
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
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      return `field "${field}": ${issue.message}`;
    });
    throw new ManifestError(lab, problems);
  }
  if (result.data.id !== lab) {
    throw new ManifestError(lab, [`field "id": must be "${lab}", the name of its folder (got "${result.data.id}")`]);
  }
  return result.data;
}
