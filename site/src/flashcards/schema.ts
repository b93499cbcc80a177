import { z } from "zod";
import { lessonSlugs } from "../lessons.ts";

/**
 * One flashcard, as written in site/src/content/flashcards/<lesson-slug>.yaml.
 * Each YAML file is a list of these. The descriptions document the format for authors.
 */
export const cardSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be kebab-case, e.g. cache-aside-invalidate-delete")
      .describe("Kebab-case id, unique across the whole deck and stable forever: review history is keyed by it."),
    lesson: z.enum(lessonSlugs).describe("Slug of the lesson the card belongs to; the card links to /lessons/<slug>/."),
    question: z.string().trim().min(1, "must not be empty").describe("The prompt, one or two sentences of plain text or inline Markdown."),
    answer: z.string().trim().min(1, "must not be empty").describe("The answer in Markdown; rendered to HTML at build time."),
    tags: z
      .array(z.string().trim().min(1, "must not be empty"))
      .min(1, "must list at least one tag")
      .describe("Topics for the card, e.g. [caching, invalidation]."),
    interview: z
      .boolean()
      .default(false)
      .describe("True for the chapter's interview questions; the answer is then a model answer."),
  })
  .strict();

export type Card = z.infer<typeof cardSchema>;

/** A YAML deck file: a list of cards. */
export const deckFileSchema = z.array(cardSchema).min(1, "a deck file must hold at least one card");
