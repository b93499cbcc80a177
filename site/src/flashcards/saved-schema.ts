import { z } from "zod/mini";

/**
 * What the browser keeps about the learner's reviews, and the export file format.
 * zod/mini keeps this small enough to ship to the flashcards page.
 * Dates are ISO strings so the same shape goes to localStorage and to a file.
 */
const isoDate = z.iso.datetime({ message: "must be an ISO date-time" });
const count = z.int().check(z.nonnegative({ message: "must be a whole number ≥ 0" }));
const real = z.number().check(z.nonnegative({ message: "must be a number ≥ 0" }));
const state = z.int().check(z.gte(0), z.lte(3, { message: "must be a card state 0-3" }));

/** A ts-fsrs Card, serialised. */
export const savedCardSchema = z.object({
  due: isoDate,
  stability: real,
  difficulty: real,
  elapsed_days: count,
  scheduled_days: count,
  learning_steps: count,
  reps: count,
  lapses: count,
  state,
  last_review: z.optional(z.nullable(isoDate)),
});

/** One grade given: the ts-fsrs ReviewLog plus which card it was for. */
export const savedReviewSchema = z.object({
  cardId: z.string().check(z.minLength(1)),
  rating: z.int().check(z.gte(1), z.lte(4, { message: "must be a grade 1-4" })),
  state,
  due: isoDate,
  stability: real,
  difficulty: real,
  elapsed_days: count,
  last_elapsed_days: count,
  scheduled_days: count,
  learning_steps: count,
  review: isoDate,
});

export const savedProgressSchema = z.object({
  version: z.literal(1),
  cards: z.record(z.string(), savedCardSchema),
  log: z.array(savedReviewSchema),
});

/** The marker that tells our export files apart from any other JSON a learner might pick. */
export const exportFormat = "scalable-apis-workbook/flashcards";

export const exportFileSchema = z.object({
  format: z.literal(exportFormat, { message: `must be "${exportFormat}"` }),
  exportedAt: isoDate,
  progress: savedProgressSchema,
});

export type SavedCard = z.infer<typeof savedCardSchema>;
export type SavedReview = z.infer<typeof savedReviewSchema>;
export type SavedProgress = z.infer<typeof savedProgressSchema>;
export type ExportFile = z.infer<typeof exportFileSchema>;
