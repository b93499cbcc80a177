// Turning errors into JSON responses. Handlers throw BadRequest for input the client got wrong;
// anything else is our fault and becomes a 500 whose details stay in the server log.
import type { ErrorRequestHandler, RequestHandler } from "express";

/** Throw this from a handler to answer 400 with `{ "error": message }`. */
export class BadRequest extends Error {
  override name = "BadRequest";
  readonly status = 400;
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: "no such route" });
};

export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (error instanceof BadRequest) {
    res.status(400).json({ error: error.message });
    return;
  }
  // Errors raised by Express itself for bad requests carry a 4xx status (e.g. a malformed URL).
  const status = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500;
  if (status >= 400 && status < 500) {
    res.status(status).json({ error: error instanceof Error ? error.message : "bad request" });
    return;
  }
  console.error("unexpected error while handling a request:", error);
  res.status(500).json({ error: "internal error" });
};
