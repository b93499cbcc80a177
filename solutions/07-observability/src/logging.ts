import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, RequestHandler } from "express";
import { pino, type DestinationStream } from "pino";
import { pinoHttp } from "pino-http";
import { routeLabel } from "./metrics.ts";

export interface LoggingOptions {
  /** Where log lines go; undefined means stdout. */
  stream?: DestinationStream;
}

// An id from upstream (a load balancer, another service) is kept only if it is short and plain:
// anything else could forge log lines or blow up log storage, so it is replaced.
const SAFE_ID = /^[\w.:-]{1,128}$/;

/** One JSON line per completed request: id, method, URL, route pattern, status, duration. */
export function requestLogging(options: LoggingOptions): RequestHandler {
  const logger = pino({ level: process.env.LOG_LEVEL ?? "info" }, options.stream ?? pino.destination(1));
  return pinoHttp({
    logger,
    // The id ties together every line this request writes here and in the services it calls.
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && SAFE_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    // Added to the completion line, once routing has run and the pattern is known.
    customSuccessObject: (req, _res, value: Record<string, unknown>) => ({ ...value, route: routeLabel(req as Request) }),
    customErrorObject: (req, _res, _error, value: Record<string, unknown>) => ({ ...value, route: routeLabel(req as Request) }),
    // 5xx are errors to investigate; 4xx are the client's mistakes and stay at info.
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? "error" : "info"),
    // The default serializers log every header; keep the line short and free of cookies.
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
