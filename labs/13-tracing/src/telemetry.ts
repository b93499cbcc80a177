/**
 * Tracing for the API and the worker. Both processes load this file before the app, with
 * `node --import ./src/telemetry.ts src/server.ts` (or src/worker.ts), so it runs before express,
 * ioredis, mongodb or bullmq is imported. As written it does nothing: no span is made or sent.
 */

// TODO(1): Start the OpenTelemetry Node SDK here, with the instrumentations for HTTP, Express,
// ioredis and MongoDB and an exporter that sends OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT.
// The app is ESM: an instrumentation only sees an `import` once import-in-the-middle's loader hook has
// been registered (module.registerHooks, or module.register on an older Node). Read the README first.

// TODO(6): Spans leave this process for another system. Make sure none of their attributes carries the
// user's personal data (look at what the Redis spans record when BullMQ adds a job).

// TODO(4): Decide which traces are kept: a share of the NEW ones, read from TRACE_SAMPLE_RATIO
// (0 to 1, default 1; anything else stops the process with a message naming the variable), while
// a trace that arrives with a decision (a traceparent header, a job's parent span) keeps it.

/** server.ts and worker.ts call this on SIGTERM and SIGINT, just before process.exit(0). */
export async function shutdownTelemetry(): Promise<void> {
  // TODO(5): Spans wait in memory to be sent in batches; exiting now loses them. Send what is
  // left, and only then let the process go, but not later than 5 s: the collector may be down.
}
