import { isSpanContextValid, trace } from "@opentelemetry/api";
import pino, { type Logger } from "pino";

/**
 * JSON log lines on stdout. Each line written inside a span carries that span's ids, so a log
 * search for one trace id finds every line of one request, in the API and in the worker alike.
 */
export function createLogger(name: string): Logger {
  return pino({
    name,
    // The mixin runs for every line, at the moment it is written: the active span then is the one
    // the code that logs is running in. (`base` would be computed once, at start-up, in no span.)
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      if (!context || !isSpanContextValid(context)) return {};
      // The field names of OpenTelemetry's log data model (and of its pino instrumentation).
      return { trace_id: context.traceId, span_id: context.spanId };
    },
  });
}
