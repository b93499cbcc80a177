import { ObjectId } from "mongodb";
import { z } from "zod";

/** A profile id from the URL, or undefined when it is not a 24-hex-digit ObjectId. */
export function parseProfileId(raw: string): ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(raw) ? new ObjectId(raw) : undefined;
}

/** What a PATCH /profiles/:id body may change. Unknown fields are refused, not silently dropped. */
export const profilePatchSchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    bio: z.string().max(500),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "send at least one of: name, bio");

export type ProfilePatch = z.infer<typeof profilePatchSchema>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2026-09-01");

/** Query string of GET /analytics/signups: an optional inclusive day range. */
export const signupsQuerySchema = z
  .object({ from: day.default("0000-01-01"), to: day.default("9999-12-31") })
  .strict()
  .refine((range) => range.from <= range.to, "from must not be after to");

export type SignupsQuery = z.infer<typeof signupsQuerySchema>;

/** The first problem in a zod error, as one line for a 400 response. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const field = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${field}${issue.message}`;
}
