/**
 * Tracing for the API and the worker. Loaded before the app with `node --import ./src/telemetry.ts`,
 * so it runs before express, ioredis, mongodb or bullmq is imported: an instrumentation can only
 * patch a module it sees being loaded.
 */
import { register } from "node:module";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { MongoDBInstrumentation } from "@opentelemetry/instrumentation-mongodb";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace";

// The app is ESM. require-in-the-middle (used by instrumentations for CommonJS) never sees an
// `import`, so the loader hook of import-in-the-middle, re-exported by @opentelemetry/instrumentation,
// must be registered for the instrumentations to patch what the app imports.
register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

/** Share of new traces to keep, from TRACE_SAMPLE_RATIO: 0 to 1, default 1 (keep all). */
export function sampleRatio(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRACE_SAMPLE_RATIO;
  if (raw === undefined || raw.trim() === "") return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`TRACE_SAMPLE_RATIO must be a number from 0 to 1, got "${raw}"`);
  return ratio;
}

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "lab13",
  // A request that arrives with a trace context keeps its caller's decision (and so does the job the
  // worker takes: its parent is the producer span). Only a new trace, started here, rolls the dice,
  // and that roll depends on the trace id alone, so every process that sees the id agrees.
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio()) }),
  // OTLP over HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (default
  // http://localhost:4318, Jaeger's OTLP port). Given an exporter, the SDK puts it behind a
  // BatchSpanProcessor tuned by OTEL_BSP_*: an ended span goes into a bounded buffer in memory and
  // a timer sends the buffer in bulk, so a slow or absent collector never holds a request.
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [
    new HttpInstrumentation(),
    new ExpressInstrumentation(),
    // BullMQ's workers poll Redis all the time; without a parent span each poll would be a trace.
    new IORedisInstrumentation({ requireParentSpan: true }),
    new MongoDBInstrumentation(),
  ],
});
sdk.start();

/** Send what is still buffered and stop; server.ts and worker.ts call it on SIGTERM before exiting. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk.shutdown();
}
