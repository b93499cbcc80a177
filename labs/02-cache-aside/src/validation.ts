import { z } from "zod";

/** A client mistake: the error handler turns it into a 400 with a JSON body. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
  readonly status = 400;
}

// Ids are MongoDB ObjectIds. Lower-casing them means one user has exactly one cache key.
const userId = z
  .string()
  .regex(/^[0-9a-fA-F]{24}$/, "must be a 24-character hexadecimal ObjectId")
  .transform((id) => id.toLowerCase());

const userPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    email: z.email().max(200).optional(),
  })
  .refine((patch) => patch.name !== undefined || patch.email !== undefined, "must change name or email");

function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "is invalid";
  return issue.path.length > 0 ? `${issue.path.join(".")} ${issue.message}` : issue.message;
}

export function parseUserId(raw: unknown): string {
  const result = userId.safeParse(raw);
  if (!result.success) throw new BadRequestError(`invalid user id: ${firstProblem(result.error)}`);
  return result.data;
}

export function parseUserPatch(raw: unknown) {
  const result = userPatch.safeParse(raw);
  if (!result.success) throw new BadRequestError(`invalid patch: ${firstProblem(result.error)}`);
  return result.data;
}
