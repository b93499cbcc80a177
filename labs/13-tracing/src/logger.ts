import pino, { type Logger } from "pino";

/** JSON log lines on stdout, one logger per process ("api", "worker"). */
export function createLogger(name: string): Logger {
  // TODO(3): A line says what happened but not for which request, and the worker's lines cannot be
  // tied to the API's. Give every line written inside a span that span's `trace_id` and `span_id`
  // (lines outside any span get neither).
  return pino({ name });
}
