/**
 * Tracing for the API and the worker. Loaded before the app with `node --import ./src/telemetry.ts`,
 * so it runs before express, ioredis, mongodb or bullmq is imported: an instrumentation can only
 * patch a module it sees being loaded.
 */
import { register } from "node:module";
import { SpanKind } from "@opentelemetry/api";
import { register as registerInThread, supportsSyncHooks } from "import-in-the-middle/register-hooks.mjs";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { MongoDBInstrumentation } from "@opentelemetry/instrumentation-mongodb";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler, type Sampler } from "@opentelemetry/sdk-trace";

// The app is ESM. require-in-the-middle (used by instrumentations for CommonJS) never sees an
// `import`, so import-in-the-middle's loader hook must be registered for the instrumentations to patch
// what the app imports. Node deprecates module.register() (DEP0205) for module.registerHooks(), whose
// hooks run in this thread; import-in-the-middle ships that path, for the Node versions where it works.
if (supportsSyncHooks()) registerInThread();
else register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

/** Share of new traces to keep, from TRACE_SAMPLE_RATIO: 0 to 1, default 1 (keep all). */
export function sampleRatio(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRACE_SAMPLE_RATIO;
  if (raw === undefined || raw.trim() === "") return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`TRACE_SAMPLE_RATIO must be a number from 0 to 1, got "${raw}"`);
  return ratio;
}

/**
 * The decision for a span with no parent. A trace starts at a request (SERVER) or at a job that came
 * without one (CONSUMER), and rolls the dice on its trace id alone, so every process that sees the id
 * agrees. BullMQ's own housekeeping in the worker (its stalled-job check, every 30 s) opens INTERNAL spans
 * outside any job: each would be a trace of its own, with its Redis calls under it.
 */
function newTraces(ratio: number): Sampler {
  const byTraceId = new TraceIdRatioBasedSampler(ratio);
  return {
    shouldSample: (context, traceId, _name, kind) =>
      kind === SpanKind.INTERNAL ? { decision: SamplingDecision.NOT_RECORD } : byTraceId.shouldSample(context, traceId),
    toString: () => `NoInternalRoots{${byTraceId.toString()}}`,
  };
}

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? "lab13",
  // A request that arrives with a trace context keeps its caller's decision (and so does the job the
  // worker takes: its parent is the producer span). Only a new trace, started here, is decided here.
  sampler: new ParentBasedSampler({ root: newTraces(sampleRatio()) }),
  // OTLP over HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (default
  // http://localhost:4318, Jaeger's OTLP port). Given an exporter, the SDK puts it behind a
  // BatchSpanProcessor tuned by OTEL_BSP_*: an ended span goes into a bounded buffer in memory and
  // a timer sends the buffer in bulk, so a slow or absent collector never holds a request.
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [
    new HttpInstrumentation(),
    new ExpressInstrumentation(),
    // ioredis puts a command's arguments in db.query.text, and for EVALSHA, how BullMQ adds a job, all of
    // them: the job's data, with the user's email and name. The command and how many arguments it had say
    // enough. (requireParentSpan is true by default, which keeps the worker's polling out of the traces.)
    new IORedisInstrumentation({ dbStatementSerializer: (command, args) => `${command} [${args.length} arguments]` }),
    new MongoDBInstrumentation(),
  ],
});
sdk.start();

/** How long the last flush may take: a collector that is down must not hold the exit (its exports wait 10 s or more each). */
const flushDeadlineMs = 5_000;

/** Send what is still buffered and stop; server.ts and worker.ts call it on SIGTERM and SIGINT before exiting. */
export async function shutdownTelemetry(): Promise<void> {
  const deadline = new Promise<"late">((resolve) => setTimeout(resolve, flushDeadlineMs, "late").unref());
  const flushed = sdk.shutdown().then(
    () => "sent" as const,
    (error: unknown) => {
      // The exit goes on: spans that cannot be sent are lost either way, and a crash would lose the exit code.
      console.error("telemetry: the last spans could not be sent:", error);
      return "failed" as const;
    },
  );
  if ((await Promise.race([flushed, deadline])) === "late") console.error(`telemetry: gave up the last flush after ${flushDeadlineMs} ms`);
}
