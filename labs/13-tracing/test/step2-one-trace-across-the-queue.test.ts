import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Kind, byId, descendsFrom, emailSent, explain, signUp, startStack, traceParent, type ReceivedSpan, type Stack, type TraceParent } from "./helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
}, { timeout: 120_000 });

const isConsumer = (s: ReceivedSpan) => s.kind === Kind.CONSUMER && s.service === "lab13-worker";
const isProviderCall = (stack: Stack) => (s: ReceivedSpan) =>
  s.service === "lab13-worker" && s.kind === Kind.CLIENT && String(s.attributes["server.port"] ?? s.attributes["net.peer.port"] ?? "") === new URL(stack.provider.url).port;

/** Sign up with `caller` as the upstream context, wait for the email, then for the worker's spans of that trace. */
async function traced(caller: TraceParent): Promise<{ email: string; trace: ReceivedSpan[] }> {
  const answer = await signUp(stack, { traceparent: caller.header });
  assert.equal(answer.status, 202, `expected POST /users to answer 202; got ${answer.status}`);
  await emailSent(stack, answer);
  const trace = () => stack.collector.trace(caller.traceId);
  await stack
    .waitFor(`the worker's CONSUMER span and its call to the provider, in the request's trace ${caller.traceId}`, () => trace().some(isConsumer) && trace().some(isProviderCall(stack)), 20_000)
    .catch((error: Error) => {
      const elsewhere = stack.collector.spans.filter((s) => s.service === "lab13-worker" && s.traceId !== caller.traceId && (isConsumer(s) || isProviderCall(stack)(s)));
      throw new Error(
        `${elsewhere.length > 0 ? `the worker's spans went to OTHER traces (a new root trace per job: the context did not travel with the job):\n${explain(elsewhere)}\n` : ""}${error.message}`,
      );
    });
  // Spans of one trace come in several batches from two processes: give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 400));
  return { email: answer.email, trace: trace() };
}

test("one POST is one trace: API server span → enqueue (PRODUCER) → worker (CONSUMER) → the worker's call to the provider", { timeout: 150_000 }, async () => {
  const caller = traceParent();
  const { email, trace } = await traced(caller);

  const server = trace.find((s) => s.kind === Kind.SERVER && s.service === "lab13-api");
  assert.ok(server, `expected the API's SERVER span in the trace; it holds:\n${explain(trace)}`);
  assert.equal(server.parentSpanId, caller.spanId, "expected the server span to continue the caller's traceparent (its parent is the caller's span)");

  const producers = trace.filter((s) => s.kind === Kind.PRODUCER && s.service === "lab13-api");
  assert.equal(producers.length, 1, `expected one PRODUCER span (the enqueue) from the API; the trace holds:\n${explain(trace)}`);
  const producer = producers[0]!;
  assert.ok(descendsFrom(trace, producer, server.spanId), `expected the PRODUCER span under the server span; the trace holds:\n${explain(trace)}`);

  const consumers = trace.filter(isConsumer);
  assert.equal(consumers.length, 1, `expected one CONSUMER span (the job's processing) from the worker; the trace holds:\n${explain(trace)}`);
  const consumer = consumers[0]!;
  assert.equal(consumer.parentSpanId, producer.spanId, `expected the worker's CONSUMER span to be a child of the API's PRODUCER span; the trace holds:\n${explain(trace)}`);

  const call = trace.find(isProviderCall(stack));
  assert.ok(call, `expected the worker's HTTP CLIENT span for POST /emails in the trace; it holds:\n${explain(trace)}`);
  assert.ok(descendsFrom(trace, call, consumer.spanId), `expected the worker's call to the provider under its CONSUMER span; the trace holds:\n${explain(trace)}`);

  const header = stack.provider.requests.find((r) => r.to === email)?.headers.traceparent;
  assert.equal(header?.toString().split("-")[1], caller.traceId, `expected the provider to receive a traceparent header with the request's trace id; got ${String(header)}`);
  assert.equal(header?.toString().split("-")[2], call.spanId, "expected the provider's traceparent to name the worker's CLIENT span as the parent");

  const dangling = trace.filter((s) => s !== server && !byId(trace, s.parentSpanId));
  assert.deepEqual(
    dangling.map((s) => `${s.service} "${s.name}" (parent ${s.parentSpanId || "none"})`),
    [],
    `expected every span but the server span to have its parent in the trace (a parent that never reaches the collector was never ended); the trace holds:\n${explain(trace)}`,
  );
});

test("two sign-ups at the same time stay two traces, each with its own job", { timeout: 150_000 }, async () => {
  const callers = [traceParent(), traceParent()];
  const results = await Promise.all(callers.map((caller) => traced(caller)));
  for (const [i, { trace }] of results.entries()) {
    assert.equal(trace.filter(isConsumer).length, 1, `expected sign-up ${i + 1} to have exactly one CONSUMER span in its trace; it holds:\n${explain(trace)}`);
    assert.equal(trace.filter(isProviderCall(stack)).length, 1, `expected sign-up ${i + 1} to have exactly one call to the provider in its trace; it holds:\n${explain(trace)}`);
  }
});
