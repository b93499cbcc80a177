import type { ErrorRequestHandler } from "express";
import type { Logger } from "pino";
import { DuplicateEmailError } from "./users.ts";

/** Errors as JSON answers: the client's mistakes are 4xx with a message, anything else a 500 that leaks nothing. */
export function handleErrors(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (error instanceof DuplicateEmailError) {
      res.status(409).json({ error: error.message });
      return;
    }
    // body-parser marks its errors (malformed JSON, body too large) with the status to answer.
    const status = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500;
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: status === 413 ? "request body too large" : "request body is not valid JSON" });
      return;
    }
    log.error({ err: error }, "request failed");
    res.status(500).json({ error: "internal error" });
  };
}
