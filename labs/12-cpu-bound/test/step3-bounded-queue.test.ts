import assert from "node:assert/strict";
import { test } from "node:test";
import { hash, settled, startApp, until } from "./helpers.ts";

test("with every worker busy and QUEUE_MAX tasks waiting, more requests get 503 with Retry-After, at once", async () => {
  const app = await startApp({ POOL_SIZE: "1", QUEUE_MAX: "2" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const more = ["hold:q1", "hold:q2", "hold:q3", "hold:q4"].map((password) => hash(app, password).answer);
  await until(app, "the four requests to reach the handler", () => app.received() >= 5);
  // Two of the four do not fit: their 503 comes while the first task is still held. A refusal that waits for
  // the queue to move never comes while it is held, and only a deadline (5 s) can tell that.
  const early = await Promise.all(more.map((answer) => settled(app, "the refusals", answer, 5_000)));
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

test("QUEUE_MAX=0 means no waiting: with every worker busy the next request gets 503 at once", async () => {
  const app = await startApp({ POOL_SIZE: "1", QUEUE_MAX: "0" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const refused = await settled(app, "the refusal", hash(app, "hold:extra").answer, 5_000);
  app.release("all");
  assert.equal(refused?.status, 503, `QUEUE_MAX=0 leaves no room to wait; got ${refused ? `${refused.status} ${refused.body}` : "no answer while the first task ran (was 0 taken as the default?)"}`);
  assert.equal((await running.answer).status, 200);
});

for (const bad of ["-1", "lots"]) {
  test(`QUEUE_MAX=${bad} stops the server at start-up with an error naming QUEUE_MAX`, async () => {
    const started = await startApp({ QUEUE_MAX: bad }).then(
      () => "it started",
      (error: Error) => error.message,
    );
    assert.match(started, /exited .*before listening/s, `QUEUE_MAX=${bad} is not a whole number, so the server must refuse to start; ${started.split("\n")[0]}`);
    assert.match(started, /QUEUE_MAX/, `the error must name QUEUE_MAX: ${started}`);
  });
}
