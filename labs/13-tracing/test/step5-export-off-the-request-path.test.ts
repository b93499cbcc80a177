import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Kind, emailSent, explain, signUp, startStack, traceParent } from "./helpers.ts";

// Each test runs its own API, worker and collector (namespaced in Redis and MongoDB), so the three
// run side by side: the last one spends most of its time waiting for a flush to give up.
describe("step 5: export off the request path", { concurrency: true }, () => {
  test("a collector that does not answer holds no request, and loses no span once it answers", { timeout: 150_000 }, async () => {
    const stack = await startStack();
    // Warm up (connections, first spans) while the collector still answers.
    await emailSent(stack, await signUp(stack));
    stack.collector.hold();
    const callers = Array.from({ length: 12 }, () => traceParent());
    const answers = await Promise.all(
      callers.map((caller) =>
        signUp(stack, { traceparent: caller.header }).catch((error: Error) => {
          throw new Error(`expected POST /users to answer while the collector holds its answers; it did not (${error.message}): the request waits for the export`);
        }),
      ),
    );
    assert.deepEqual(answers.map((a) => a.status), callers.map(() => 202));
    // Keep holding for several export rounds (OTEL_BSP_SCHEDULE_DELAY is 100 ms here), so these requests'
    // spans are sent while nobody answers: on a fast machine the 12 requests end within one round, and
    // released at once, the collector would answer the first export of their spans.
    await sleep(1000);
    stack.collector.release();
    for (const answer of answers) await emailSent(stack, answer);
    for (const caller of callers) {
      const trace = () => stack.collector.trace(caller.traceId);
      await stack
        .waitFor(`every span of trace ${caller.traceId} (the server span and the worker's CONSUMER span) after the collector answered again`, () => trace().some((s) => s.kind === Kind.SERVER) && trace().some((s) => s.kind === Kind.CONSUMER), 15_000)
        .catch((error: Error) => {
          throw new Error(`spans were lost while the collector was slow (an exporter per span runs out of room for requests in flight; an exporter whose timeout is shorter than the wait gives its batches up; a batch waits in a bounded buffer): ${error.message}`);
        });
    }
  });

  test("SIGTERM and SIGINT send the spans still buffered before the process exits", { timeout: 150_000 }, async () => {
    // A schedule this long means nothing leaves on the timer: only the shutdown can send it.
    const stack = await startStack({ env: { OTEL_BSP_SCHEDULE_DELAY: "600000" } });
    const caller = traceParent();
    const answer = await signUp(stack, { traceparent: caller.header });
    await emailSent(stack, answer);
    assert.deepEqual(stack.collector.trace(caller.traceId), [], "expected nothing exported yet with a schedule of 10 minutes (OTEL_BSP_SCHEDULE_DELAY)");
    // The API gets Ctrl-C's SIGINT, the worker the SIGTERM of an orchestrator: both must flush, then exit 0.
    stack.api.signal("SIGINT");
    const apiExit = await stack.api.exited();
    assert.equal(apiExit.code, 0, `expected the API to exit with code 0 after SIGINT; got ${JSON.stringify(apiExit)}. Its output:\n${stack.api.output()}`);
    await stack.worker.stop({ timeoutMs: 15_000 });
    const trace = stack.collector.trace(caller.traceId);
    assert.ok(trace.some((s) => s.kind === Kind.SERVER && s.service === "lab13-api"), `expected the API to send its buffered spans on SIGINT, before exiting; the collector has:\n${explain(trace)}`);
    assert.ok(trace.some((s) => s.kind === Kind.CONSUMER && s.service === "lab13-worker"), `expected the worker to send its buffered spans on SIGTERM, before exiting; the collector has:\n${explain(trace)}`);
  });

  test("a collector that never answers does not hold the exit: the last flush gives up long before an export would", { timeout: 150_000 }, async () => {
    // Each export may wait 30 s for its answer here (OTEL_EXPORTER_OTLP_TIMEOUT), so a shutdown without a
    // deadline of its own outlasts the 15 s that stop() allows; one that gives up after 5 s does not.
    const stack = await startStack({ env: { OTEL_BSP_SCHEDULE_DELAY: "600000" } });
    await emailSent(stack, await signUp(stack, { traceparent: traceParent().header }));
    stack.collector.hold();
    const stopped = await Promise.allSettled([stack.api.stop({ timeoutMs: 15_000 }), stack.worker.stop({ timeoutMs: 15_000 })]);
    const failures = stopped.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
    assert.deepEqual(failures, [], `expected both processes to exit on SIGTERM within 15 s although the collector holds every export (spans may be lost; the exit may not wait for them):\n${failures.join("\n")}`);
    for (const [name, app] of [["API", stack.api], ["worker", stack.worker]] as const) {
      const exit = await app.exited();
      assert.equal(exit.code, 0, `expected the ${name} to exit with code 0 when the last flush gives up (the spans are lost; the exit is as clean as any other); got ${JSON.stringify(exit)}. Its output:\n${app.output()}`);
    }
    assert.ok(stack.collector.exportsReceived() > stack.collector.exportsAnswered(), "expected the shutdown to have tried to send the buffered spans (an export reached the collector and is still unanswered)");
  });
});
