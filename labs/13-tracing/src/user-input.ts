import { z } from "zod";

/** The body of POST /users. Unknown fields are refused so typos do not pass silently. */
export const newUserSchema = z
  .object({
    email: z.email("must be an email address").max(254, "must be at most 254 characters"),
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  })
  .strict();

export type NewUser = z.infer<typeof newUserSchema>;

/** The parsed body, or a message naming each field that is wrong. */
export function parseNewUser(body: unknown): { ok: true; user: NewUser } | { ok: false; error: string } {
  const result = newUserSchema.safeParse(body);
  if (result.success) return { ok: true, user: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
  return { ok: false, error: `invalid user: ${problems.join("; ")}` };
}
