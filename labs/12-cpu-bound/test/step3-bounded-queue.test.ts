import assert from "node:assert/strict";
import { test } from "node:test";
import { hash, startApp, until } from "./helpers.ts";

test("with every worker busy and QUEUE_MAX tasks waiting, more requests get 503 with Retry-After, at once", async () => {
  const app = await startApp({ POOL_SIZE: "1", QUEUE_MAX: "2" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const more = ["hold:q1", "hold:q2", "hold:q3", "hold:q4"].map((password) => hash(app, password).answer);
  await until(app, "the four requests to reach the handler", () => app.received() >= 5);
  // Two of the four do not fit: their 503 comes while the first task is still held.
  const early = await Promise.all(more.map((answer) => Promise.race([answer, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000))])));
  const refused = early.filter((answer) => answer !== undefined);
  app.release("all");
  const all = await Promise.all([running.answer, ...more]);
  const statuses = all.map((answer) => answer.status).sort();
  assert.deepEqual(statuses, [200, 200, 200, 503, 503], "1 running + 2 queued are served; the other 2 are refused");
  assert.equal(refused.length, 2, "the refusals must not wait for the queue to move");
  for (const answer of all.filter((a) => a.status === 503)) {
    const retryAfter = String(answer.headers["retry-after"] ?? "");
    assert.match(retryAfter, /^\d+$/, "Retry-After must be a whole number of seconds");
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 30, `Retry-After: ${retryAfter} seconds is not between 1 and 30`);
  }
  assert.equal(app.tasks().filter((t) => t.event === "start").length, 3, "refused tasks must never run");
});

test("without QUEUE_MAX the queue holds 32 tasks", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const more = Array.from({ length: 34 }, (_, i) => hash(app, `hold:q${i}`).answer);
  await until(app, "the 34 requests to reach the handler", () => app.received() >= 35, 30_000);
  app.release("all");
  const all = await Promise.all([running.answer, ...more]);
  assert.equal(all.filter((a) => a.status === 503).length, 2, "1 running + 32 queued; the 2 beyond get 503");
  assert.equal(all.filter((a) => a.status === 200).length, 33);
});
