// lesson: distributed-tracing
// claim: A queue breaks a trace unless the producer writes the W3C traceparent into the job and the worker continues from it; with propagation both spans share one trace id.
import { context, propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer("experiment");

const queue = []; // an in-memory stand-in for a BullMQ queue: jobs are plain data

function produce(propagate) {
  const span = tracer.startSpan("POST /orders");
  const job = { name: "send-receipt", data: { orderId: 42 }, headers: {} };
  // inject writes job.headers.traceparent from the span in the context it is given
  if (propagate) propagation.inject(trace.setSpan(context.active(), span), job.headers);
  queue.push(job);
  span.end();
}

function consume() {
  const job = queue.shift();
  const parent = propagation.extract(context.active(), job.headers); // empty headers: no parent
  tracer.startSpan("process send-receipt", {}, parent).end();
  return job.headers.traceparent;
}

for (const propagate of [false, true]) {
  exporter.reset();
  produce(propagate);
  const header = consume();
  await provider.forceFlush(); // the processor exports each ended span asynchronously
  const [request, worker] = exporter.getFinishedSpans();
  const ids = (s) => s.spanContext().traceId;
  const parentId = worker.parentSpanContext?.spanId;
  console.log(propagate ? "with traceparent in the job:" : "without propagation:");
  if (header) console.log(`  job.headers.traceparent = ${header}`);
  console.log(`  request trace ${ids(request).slice(0, 8)}..., worker trace ${ids(worker).slice(0, 8)}...: ${ids(request) === ids(worker) ? "one trace" : "two unrelated traces"}`);
  console.log(`  worker span's parent: ${parentId === request.spanContext().spanId ? "the request span" : "none (a new root)"}`);
}
await provider.shutdown();
