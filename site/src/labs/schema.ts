import { z } from "zod";
import { labManifestSchema } from "../../../kit/manifest/schema.ts";
import { benchReferenceSchema } from "./bench-reference.ts";

const sourceFileSchema = z.object({
  path: z.string().describe("Path relative to the lab folder, as listed in lab.json `files`."),
  lang: z.string().describe("Shiki language id for highlighting."),
  code: z.string().describe("The file's text."),
  todos: z.array(z.number().int()).describe("Step numbers of the file's TODO(n) markers, in order."),
  todoLines: z.array(z.number().int()).describe("1-based lines holding a TODO marker, highlighted on the files page."),
});

/**
 * A lab as the site sees it: the kit's manifest (validated by the kit's own schema, so the
 * site and the CLI agree) plus the file contents the page shows.
 */
export const labSchema = z.object({
  manifest: labManifestSchema.describe("labs/<id>/lab.json, exactly as the kit validated it."),
  steps: z
    .array(
      z.object({
        title: z.string().describe("The step's title from lab.json."),
        rungsHtml: z.array(z.string()).describe("The step's hint ladder, each rung rendered from Markdown to HTML, gentle to explicit."),
      }),
    )
    .describe("The lab's steps in order, from lab.json `steps`."),
  starter: z.array(sourceFileSchema).describe("The files the learner edits, as shipped in labs/<id>/."),
  solution: z.array(sourceFileSchema).describe("The same files from solutions/<id>/; missing ones are left out."),
  benchReference: benchReferenceSchema.describe("labs/<id>/bench-reference.json: our bench figures from the README's table."),
  modelAnswerHtml: z
    .string()
    .nullable()
    .describe("A capstone's solutions/<id>/MODEL-ANSWER.md rendered to HTML (without its title), shown with the solution behind the same warning; null for other labs."),
});

export type LabEntry = z.infer<typeof labSchema>;
export type SourceFile = z.infer<typeof sourceFileSchema>;
