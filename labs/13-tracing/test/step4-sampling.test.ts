import assert from "node:assert/strict";
import { test } from "node:test";
import { labServices, startProcess } from "#kit/testing/index.ts";
import { Kind, emailSent, explain, signUp, startStack, traceParent, type ReceivedSpan, type Stack } from "./helpers.ts";

const isConsumer = (s: ReceivedSpan) => s.kind === Kind.CONSUMER && s.service === "lab13-worker";
const servers = (stack: Stack) => stack.collector.spans.filter((s) => s.kind === Kind.SERVER && s.service === "lab13-api" && s.name.startsWith("POST"));

/** A sampled sign-up whose whole trace (API and worker) must arrive: after it, what came before has been sent too. */
async function sentinel(stack: Stack): Promise<string> {
  const caller = traceParent(true);
  const answer = await signUp(stack, { traceparent: caller.header });
  await emailSent(stack, answer);
  const trace = () => stack.collector.trace(caller.traceId);
  await stack.waitFor(
    `the whole trace of a sign-up whose caller SAMPLED it (flags 01), in the API and in the worker: a parent's decision is kept whatever the ratio`,
    () => trace().some((s) => s.kind === Kind.SERVER) && trace().some(isConsumer),
    20_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 400));
  return caller.traceId;
}

test("TRACE_SAMPLE_RATIO=0: new traces are dropped in both processes, a caller's sampled trace is kept in both", { timeout: 150_000 }, async () => {
  const stack = await startStack({ env: { TRACE_SAMPLE_RATIO: "0" } });
  const unsampled = await signUp(stack);
  assert.equal(unsampled.status, 202, "expected sign-ups to work whatever is sampled");
  await emailSent(stack, unsampled);
  const kept = await sentinel(stack);
  const stray = stack.collector.spans.filter((s) => s.traceId !== kept && (s.kind === Kind.SERVER || isConsumer(s)));
  assert.deepEqual(stray.map((s) => `${s.service} "${s.name}"`), [], `expected no span of the sign-up without a traceparent at ratio 0; got:\n${explain(stray)}`);
});

test("TRACE_SAMPLE_RATIO=1: a caller's NOT-sampled decision (flags 00) is kept, and no trace starts in the worker outside a job", { timeout: 150_000 }, async () => {
  const stack = await startStack({ env: { TRACE_SAMPLE_RATIO: "1" } });
  const caller = traceParent(false);
  const answer = await signUp(stack, { traceparent: caller.header });
  await emailSent(stack, answer);
  const kept = await sentinel(stack);
  const stray = stack.collector.spans.filter((s) => s.traceId !== kept && (s.kind === Kind.SERVER || isConsumer(s)));
  assert.deepEqual(stray.map((s) => `${s.service} "${s.name}" trace ${s.traceId}`), [], `expected nothing exported for a request whose caller did not sample it; got:\n${explain(stray)}`);
  // Everything the worker sends belongs to a job's trace. BullMQ's own housekeeping runs outside any job
  // (the stalled-job check, at start and every 30 s): at ratio 1 it would be kept, a trace each time.
  const workerRoots = stack.collector.spans.filter((s) => s.service === "lab13-worker" && s.parentSpanId === "");
  assert.deepEqual(
    workerRoots.map((s) => `"${s.name}"`),
    [],
    `expected no trace to start in the worker outside a job; BullMQ's housekeeping started ${workerRoots.length}:\n${explain(workerRoots)}`,
  );
});

test("TRACE_SAMPLE_RATIO=0.5: some traces are kept, and each one kept is whole (the worker follows the API's decision)", { timeout: 150_000 }, async () => {
  const stack = await startStack({ env: { TRACE_SAMPLE_RATIO: "0.5" } });
  const signUps = [];
  for (let i = 0; i < 16; i++) signUps.push(await signUp(stack));
  for (const signedUp of signUps) await emailSent(stack, signedUp);
  const kept = await sentinel(stack);
  const apiTraces = new Set(servers(stack).map((s) => s.traceId).filter((id) => id !== kept));
  const workerTraces = new Set(stack.collector.spans.filter(isConsumer).map((s) => s.traceId).filter((id) => id !== kept));
  // With a fair coin per trace, 0 or 16 of 16 happens about 3 times in 100,000 runs.
  assert.ok(apiTraces.size > 0 && apiTraces.size < 16, `expected about half of 16 new traces kept at ratio 0.5; got ${apiTraces.size}`);
  assert.deepEqual([...workerTraces].filter((id) => !apiTraces.has(id)), [], "expected the worker to keep only jobs whose request was kept (a worker deciding on its own makes orphan traces)");
  assert.deepEqual([...apiTraces].filter((id) => !workerTraces.has(id)), [], "expected the worker to keep every job whose request was kept (its parent was sampled)");
});

test("a TRACE_SAMPLE_RATIO that is not a number from 0 to 1 stops the process with a message naming it", { timeout: 150_000 }, async () => {
  const { env } = await labServices(["redis", "mongo"]);
  // Not a number, above 1, below 0, a number followed by text: each stops the API. They start side by side.
  await Promise.all(["abc", "1.5", "-0.5", "0.5x"].map(async (bad) => {
    const api = await startProcess({
      entry: new URL("../src/server.ts", import.meta.url),
      env: { ...env, NODE_OPTIONS: `--import=${new URL("../src/telemetry.ts", import.meta.url).href}`, TRACE_SAMPLE_RATIO: bad, OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", PORT: "0" },
      name: `API with TRACE_SAMPLE_RATIO=${bad}`,
    });
    // Either it exits, or it gets as far as listening (the app's "listening" line): no clock involved.
    const exit = await Promise.race([api.exited(), api.waitFor(/listening/, 90_000).then(() => "running" as const)]);
    if (exit === "running") await api.kill();
    assert.ok(exit !== "running" && exit.code !== 0, `expected TRACE_SAMPLE_RATIO=${bad} to stop the API at start-up; it kept running`);
    assert.match(api.output(), /TRACE_SAMPLE_RATIO/, `expected the start-up error to name TRACE_SAMPLE_RATIO; the output:\n${api.output()}`);
  }));
});
