import type { ErrorRequestHandler } from "express";
import { EmailSendError } from "./email-client.ts";
import { DuplicateEmailError } from "./users.ts";

/**
 * Turns errors into JSON answers: the client's mistakes are 4xx with a message, the email
 * provider's failures 502, and anything unexpected a 500 that does not leak internals.
 */
export const handleErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (error instanceof DuplicateEmailError) {
    res.status(409).json({ error: error.message });
    return;
  }
  if (error instanceof EmailSendError) {
    res.status(502).json({ error: `the user was created but the welcome email failed: ${error.message}` });
    return;
  }
  // body-parser marks its errors (malformed JSON, body too large) with the status to answer.
  const status = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500;
  if (status >= 400 && status < 500) {
    res.status(status).json({ error: status === 413 ? "request body too large" : "request body is not valid JSON" });
    return;
  }
  console.error(error);
  res.status(500).json({ error: "internal error" });
};
