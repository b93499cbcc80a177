import assert from "node:assert/strict";
import { test } from "node:test";
import { startInstance } from "#kit/testing/index.ts";
import { countBy, describeFailures, load, setReady, startCluster, until, untilStatus } from "./helpers.ts";

async function status(url: string): Promise<{ status: number; body: string; type: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text(), type: response.headers.get("content-type") ?? "" };
}

/** The `reason` of a not-ready answer: a JSON object (sent as JSON) with a non-empty string `reason`. */
function reasonOf(answer: { body: string; type: string }, when: string): string {
  assert.match(answer.type, /^application\/json\b/, `${when}, the 503 should be sent as JSON (Content-Type: application/json); its Content-Type was "${answer.type}", body ${answer.body}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    assert.fail(`${when}, the 503 should carry a JSON body; got ${answer.body}`);
  }
  const reason = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as { reason?: unknown }).reason : undefined;
  assert.ok(typeof reason === "string" && reason.trim() !== "", `${when}, the 503's body should be a JSON object whose "reason" (a string) says why the instance is not ready; got ${answer.body}`);
  return reason;
}

test("GET /health/ready answers 503 while warming up and while drained, 200 otherwise; /health/live stays 200", async (t) => {
  const app = await startInstance({ entry: new URL("../src/server.ts", import.meta.url), env: { INSTANCE: "solo", WARMUP_MS: "1500" }, name: "solo", startTimeoutMs: 60_000 });
  t.after(() => app.kill());
  const cold = await status(`${app.url}/health/ready`);
  assert.equal(cold.status, 503, `expected 503 from /health/ready during the 1.5 s warm-up; got ${cold.status} ${cold.body}`);
  const coldReason = reasonOf(cold, "while warming up");
  const live = await status(`${app.url}/health/live`);
  assert.equal(live.status, 200, `/health/live should answer 200 while warming up: the process is alive, only not ready; got ${live.status}`);
  await until("the instance to finish warming up", () => app.output().includes("is warm"));
  const warm = await status(`${app.url}/health/ready`);
  assert.equal(warm.status, 200, `expected 200 from /health/ready once warm; got ${warm.status} ${warm.body}`);
  await setReady(app, false);
  const drained = await status(`${app.url}/health/ready`);
  assert.equal(drained.status, 503, `expected 503 from /health/ready after PUT /admin/ready {"ready": false}; got ${drained.status} ${drained.body}`);
  const drainedReason = reasonOf(drained, "while drained");
  assert.notEqual(drainedReason, coldReason, `the "reason" should tell a drained instance from a warming one; both said "${coldReason}"`);
  assert.equal((await status(`${app.url}/health/live`)).status, 200, "/health/live should still answer 200 while the instance is drained");
  await setReady(app, true);
  const back = await status(`${app.url}/health/ready`);
  assert.equal(back.status, 200, `expected 200 from /health/ready after PUT /admin/ready {"ready": true}; got ${back.status} ${back.body}`);
});

// The operator drains app3. It is alive (its /health/live says so) but not ready; HAProxy must
// stop sending it requests within 5 seconds, and take it back once it is ready again.
test("an instance that reports not ready gets no requests within 5 seconds, and gets them back when ready", async () => {
  const cluster = await startCluster();
  const app3 = cluster.apps[2]!;
  await setReady(app3, false);
  await untilStatus(cluster, "app3", /^(?!UP)/, "HAProxy to take app3 out of rotation", 5000).catch((error: Error) => {
    assert.fail(`expected HAProxy to take app3 out of rotation within 5 s of its /health/ready turning 503 (a check on the readiness endpoint, every second or faster); ${error.message}`);
  });
  const answers = await load(cluster.lb.url, { total: 60, concurrency: 3 });
  const counts = countBy(answers);
  assert.equal(counts.app3, 0, `expected no request to reach the drained app3; it got ${counts.app3} of ${answers.length}`);
  assert.equal(answers.filter((a) => a.status !== 200).length, 0, `requests should still succeed on app1 and app2; ${describeFailures(answers)}`);

  await setReady(app3, true);
  await untilStatus(cluster, "app3", /^UP/, "HAProxy to put app3 back in rotation", 5000).catch((error: Error) =>
    assert.fail(`expected app3 back UP within 5 s of its /health/ready answering 200 again; ${error.message}`),
  );
});
