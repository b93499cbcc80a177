/** A mistake in how the CLI was called: one line, the valid choices, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
