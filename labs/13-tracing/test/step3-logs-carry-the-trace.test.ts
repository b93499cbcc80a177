import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Kind, byId, descendsFrom, emailSent, logLine, logLines, signUp, startStack, traceParent, type Stack } from "./helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
}, { timeout: 120_000 });

test("the API's and the worker's log lines for one sign-up carry its trace_id and the span_id of a span in it", { timeout: 150_000 }, async () => {
  const caller = traceParent();
  const answer = await signUp(stack, { traceparent: caller.header });
  assert.equal(answer.status, 202);
  const userId = String(answer.body.id);
  await emailSent(stack, answer);

  const apiLine = await logLine(stack.api, `"user created" from the API for ${userId}`, (line) => line.msg === "user created" && line.userId === userId);
  const workerLine = await logLine(stack.worker, `"welcome email sent" from the worker for ${userId}`, (line) => line.msg === "welcome email sent" && line.userId === userId);
  assert.equal(apiLine.trace_id, caller.traceId, `expected the API's "user created" line to carry trace_id ${caller.traceId}; got ${JSON.stringify(apiLine)}`);
  assert.equal(workerLine.trace_id, caller.traceId, `expected the worker's "welcome email sent" line to carry the request's trace_id ${caller.traceId}; got ${JSON.stringify(workerLine)}`);

  const trace = () => stack.collector.trace(caller.traceId);
  await stack.waitFor("the API's and the worker's spans named by the log lines' span_id", () => byId(trace(), String(apiLine.span_id)) !== undefined && byId(trace(), String(workerLine.span_id)) !== undefined, 20_000);
  assert.equal(byId(trace(), String(apiLine.span_id))!.service, "lab13-api", "expected the API line's span_id to name one of the API's spans");
  const consumer = trace().find((s) => s.kind === Kind.CONSUMER);
  const workerSpan = byId(trace(), String(workerLine.span_id))!;
  assert.ok(consumer && descendsFrom(trace(), workerSpan, consumer.spanId), `expected the worker line's span_id to name its CONSUMER span or a span under it; it names "${workerSpan.name}"`);
});

test("each line carries the trace of the request it was written for, sampled or not, and lines outside any span carry none", { timeout: 150_000 }, async () => {
  const callers = [traceParent(), traceParent(), traceParent()];
  const answers = await Promise.all(callers.map((caller) => signUp(stack, { traceparent: caller.header })));
  for (const [i, answer] of answers.entries()) {
    const line = await logLine(stack.api, `"user created" for sign-up ${i + 1}`, (l) => l.msg === "user created" && l.userId === answer.body.id);
    assert.equal(line?.trace_id, callers[i]!.traceId, `expected the "user created" line of sign-up ${i + 1} to carry its own trace_id; got ${JSON.stringify(line)}`);
  }
  // A caller that did not sample its trace (flags 00): the line is still written inside a span, so it still
  // carries the ids; a log search by trace id must work whatever the sampling decided.
  const unsampled = traceParent(false);
  const quiet = await signUp(stack, { traceparent: unsampled.header });
  const quietLine = await logLine(stack.api, `"user created" for a sign-up whose caller did not sample it`, (l) => l.msg === "user created" && l.userId === quiet.body.id);
  assert.equal(quietLine.trace_id, unsampled.traceId, `expected the "user created" line of a request whose trace is not sampled (flags 00) to carry its trace_id too; got ${JSON.stringify(quietLine)}`);
  assert.match(String(quietLine.span_id), /^[0-9a-f]{16}$/, `expected that line to carry a span_id as well; got ${JSON.stringify(quietLine)}`);
  const startup = logLines(stack.api).find((l) => String(l.msg).includes("listening"));
  const ready = logLines(stack.worker).find((l) => String(l.msg).includes("worker ready"));
  for (const line of [startup, ready]) {
    assert.ok(line, "expected the start-up lines as JSON log lines");
    assert.ok(!("trace_id" in line) && !("span_id" in line), `expected a line written outside any span to carry no trace_id or span_id; got ${JSON.stringify(line)}`);
  }
});
