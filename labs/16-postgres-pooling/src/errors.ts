/**
 * What a failed database call means for the client. PostgreSQL's errors carry an SQLSTATE `code`
 * (https://www.postgresql.org/docs/15/errcodes-appendix.html); pg-pool's wait for a connection ends
 * with an Error of its own, without a code.
 */
export type Outcome = "unavailable" | "bad-input" | "bug";

export function classify(error: unknown): Outcome {
  const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "";
  const message = error instanceof Error ? error.message : "";
  // Try again later: no connection in time, statement cancelled by its timeout, no connection slot,
  // the server shutting down or the connection lost.
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(message)) return "unavailable";
  if (code === "57014" || code === "53300" || code.startsWith("08") || code === "57P01" || code === "57P03") return "unavailable";
  // The request's own fault: a value the table's checks refuse, an unknown time zone.
  if (code === "23514" || code === "22023" || code === "22001") return "bad-input";
  return "bug";
}
