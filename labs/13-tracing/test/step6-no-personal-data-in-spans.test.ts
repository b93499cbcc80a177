import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Kind, emailSent, explain, request, startStack, traceParent, type ReceivedSpan, type Stack } from "./helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
}, { timeout: 120_000 });

/** The part of `text` around `needle`, so that a long statement still shows what leaked. */
const around = (text: string, needle: string) => {
  const at = Math.max(0, text.indexOf(needle));
  return text.slice(Math.max(0, at - 120), at + needle.length + 60);
};

const dbSystem = (span: ReceivedSpan) => span.attributes["db.system.name"] ?? span.attributes["db.system"];

test("no exported span carries the user's email address or name, in the API or in the worker, and the Redis spans still arrive", { timeout: 150_000 }, async () => {
  const caller = traceParent();
  // Values that appear nowhere else: any attribute that contains them got them from this sign-up.
  const marker = `${Date.now().toString(36)}${process.pid}`;
  const email = `pii-${marker}@example.org`;
  const name = `Grace Hopper ${marker}`;
  const answer = await request(`${stack.api.url}/users`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: caller.header },
    body: JSON.stringify({ email, name }),
  });
  assert.equal(answer.status, 202, `expected POST /users to answer 202; got ${answer.status} ${JSON.stringify(answer.body)}`);
  await emailSent(stack, { email, body: answer.body });
  const trace = () => stack.collector.trace(caller.traceId);
  await stack.waitFor(
    `the whole trace of the sign-up: the API's SERVER span and Redis spans, and the worker's CONSUMER span`,
    () => trace().some((s) => s.kind === Kind.SERVER) && trace().some((s) => dbSystem(s) === "redis" && s.service === "lab13-api") && trace().some((s) => s.kind === Kind.CONSUMER),
  );
  const leaks = stack.collector.spans.flatMap((span) =>
    Object.entries(span.attributes)
      .filter(([, value]) => typeof value === "string" && (value.includes(marker) || value.toLowerCase().includes(email)))
      .map(([key, value]) => `${span.service} "${span.name}" ${key} = …${around(String(value), marker)}…`),
  );
  assert.deepEqual(
    leaks,
    [],
    `expected no span attribute to hold the user's email or name (spans go to another system, with other retention and access rules); found ${leaks.length}:\n${leaks.join("\n")}`,
  );
  const redis = trace().filter((s) => dbSystem(s) === "redis");
  assert.ok(redis.length > 0, `expected the Redis spans of the sign-up to still arrive (keep the instrumentation, change what it records); the trace holds:\n${explain(trace())}`);
});
