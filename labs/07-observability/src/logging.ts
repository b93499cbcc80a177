import type { RequestHandler } from "express";
import type { DestinationStream } from "pino";

export interface LoggingOptions {
  /** Where log lines go; undefined means stdout. */
  stream?: DestinationStream;
}

/**
 * One log line per request.
 *
 * TODO(1): replace these console lines with structured JSON from pino-http, written to
 * `options.stream` (stdout when it is undefined). Each request gets an id: the incoming
 * X-Request-Id header when it is short and plain (letters, digits, `.`, `_`, `:`, `-`, at most 128
 * characters), otherwise crypto.randomUUID(). Send the id back in the X-Request-Id response header.
 * The line logged when a response completes must carry the id (pino-http puts it at req.id), the
 * route pattern (`route`, see routeLabel in metrics.ts), the status (res.statusCode) and the
 * duration (responseTime, in ms). 5xx are logged at error level, everything else (4xx too) at info.
 */
export function requestLogging(options: LoggingOptions): RequestHandler {
  void options;
  return (req, res, next) => {
    const start = Date.now();
    res.on("finish", () => {
      console.log(`${new Date().toISOString()} ${req.method} ${req.originalUrl} ${res.statusCode} ${Date.now() - start}ms`);
    });
    next();
  };
}
