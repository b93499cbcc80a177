import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { before, test } from "node:test";
import { Kind, descendsFrom, emailSent, explain, request, signUp, startStack, traceParent, type ReceivedSpan, type Stack } from "./helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
}, { timeout: 120_000 });

const dbSystem = (span: ReceivedSpan) => span.attributes["db.system.name"] ?? span.attributes["db.system"];
const httpMethod = (span: ReceivedSpan) => span.attributes["http.request.method"] ?? span.attributes["http.method"];

test("POST /users reaches the collector as a SERVER span named after the route, with the MongoDB insert and the Redis calls under it", { timeout: 150_000 }, async () => {
  const caller = traceParent();
  const answer = await signUp(stack, { traceparent: caller.header });
  assert.equal(answer.status, 202, `expected POST /users to answer 202; got ${answer.status} ${JSON.stringify(answer.body)}`);
  const trace = () => stack.collector.trace(caller.traceId);
  const server = () => trace().find((s) => s.kind === Kind.SERVER && s.service === "lab13-api");
  await stack.waitFor(`the API's SERVER span of POST /users (trace ${caller.traceId}, service.name "lab13-api")`, () => server() !== undefined && trace().some((s) => dbSystem(s) === "mongodb"), 15_000);
  const span = server()!;
  assert.equal(span.name, "POST /users", `expected the server span to be named after the method and the route, "POST /users"; got "${span.name}"`);
  const mongo = trace().filter((s) => dbSystem(s) === "mongodb");
  assert.ok(
    mongo.some((s) => s.kind === Kind.CLIENT && descendsFrom(trace(), s, span.spanId)),
    `expected a MongoDB CLIENT span (the insert) under the server span; the trace holds:\n${explain(trace())}`,
  );
  await stack.waitFor("a Redis (ioredis) span in the trace of POST /users", () => trace().some((s) => dbSystem(s) === "redis"), 5_000);
  assert.ok(
    trace().some((s) => dbSystem(s) === "redis" && s.kind === Kind.CLIENT && descendsFrom(trace(), s, span.spanId)),
    `expected the Redis commands of the enqueue as CLIENT spans under the server span; the trace holds:\n${explain(trace())}`,
  );
});

test("the worker is traced too: its call to the email provider reaches the collector from service lab13-worker", { timeout: 150_000 }, async () => {
  const answer = await signUp(stack);
  assert.equal(answer.status, 202);
  await emailSent(stack, answer);
  const port = new URL(stack.provider.url).port;
  const toProvider = (s: ReceivedSpan) =>
    s.service === "lab13-worker" && s.kind === Kind.CLIENT && httpMethod(s) === "POST" && String(s.attributes["server.port"] ?? s.attributes["net.peer.port"] ?? "") === port;
  await stack.waitFor(`an HTTP CLIENT span from service.name "lab13-worker" for POST ${stack.provider.url}/emails`, () => stack.collector.spans.some(toProvider), 15_000);
  // BullMQ's workers talk to Redis all the time (polling for jobs, stall checks): a Redis command
  // outside any request or job is not worth a trace of its own.
  const rootRedis = stack.collector.spans.filter((s) => dbSystem(s) === "redis" && s.parentSpanId === "");
  assert.deepEqual(
    rootRedis.map((s) => `${s.service} "${s.name}"`),
    [],
    `expected no Redis command to start a trace of its own (the worker's polling would be thousands of traces an hour); got ${rootRedis.length}:\n${explain(rootRedis)}`,
  );
});

test("GET /users/:id: every id gives the same span names (the route, never the raw URL)", { timeout: 150_000 }, async () => {
  const created = await signUp(stack);
  const id = String(created.body.id);
  const unknown = randomBytes(12).toString("hex");
  const calls = [
    { path: `/users/${id}`, status: 200 },
    { path: `/users/${unknown}`, status: 404 },
    { path: "/users/not-an-id", status: 400 },
  ];
  const traces: Array<{ path: string; traceId: string }> = [];
  for (const call of calls) {
    const caller = traceParent();
    const answer = await request(`${stack.api.url}${call.path}`, { headers: { traceparent: caller.header } });
    assert.equal(answer.status, call.status, `expected GET ${call.path} to answer ${call.status}; got ${answer.status} ${JSON.stringify(answer.body)}`);
    traces.push({ path: call.path, traceId: caller.traceId });
  }
  for (const { path, traceId } of traces) {
    const server = () => stack.collector.trace(traceId).find((s) => s.kind === Kind.SERVER);
    await stack.waitFor(`the SERVER span of GET ${path}`, () => server() !== undefined, 15_000);
    assert.equal(server()!.name, "GET /users/:id", `expected GET ${path} to be named after its route, "GET /users/:id"; got "${server()!.name}"`);
  }
  const names = traces.flatMap(({ traceId }) => stack.collector.trace(traceId).map((s) => s.name));
  for (const raw of [id, unknown, "not-an-id"]) {
    const leaking = names.filter((name) => name.includes(raw));
    assert.deepEqual(leaking, [], `expected no span name to contain the id "${raw}" (one name per id means one series per user in every tracing backend); got ${JSON.stringify(leaking)}`);
  }
});
