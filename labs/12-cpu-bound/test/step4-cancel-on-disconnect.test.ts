import assert from "node:assert/strict";
import { test } from "node:test";
import { get, hash, isHashOf, startApp, until } from "./helpers.ts";

test("a queued task whose client went away never runs; the others do", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const leaving = [hash(app, "leaver-1"), hash(app, "leaver-2")];
  const failed = leaving.map((sent) => sent.answer.then(() => "answered", () => "connection closed"));
  await until(app, "both requests to reach the handler (queued)", () => app.received() >= 3);
  for (const sent of leaving) sent.abort();
  assert.deepEqual(await Promise.all(failed), ["connection closed", "connection closed"]);
  // The server has seen both connections close by the time it answers a later request.
  assert.equal((await get(`${app.url}/health`)).status, 200);
  const staying = hash(app, "stayer");
  await until(app, "the last request to reach the handler", () => app.received() >= 4);
  app.release("running");
  const [first, last] = await Promise.all([running.answer, staying.answer]);
  assert.equal(first.status, 200, first.body);
  assert.equal(last.status, 200, last.body);
  assert.ok(isHashOf(last.body, "stayer"), `the request queued after the cancelled ones gets its own hash: ${last.body}`);
  const starts = app.tasks().filter((t) => t.event === "start").length;
  assert.equal(starts, 2, `2 clients stayed, so 2 tasks should run; ${starts} ran (a cancelled task still burned CPU)`);
});

test("a client that stays connected is never cancelled", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const queued = ["w1", "w2", "w3"].map((password) => hash(app, password));
  await until(app, "the queued requests to reach the handler", () => app.received() >= 4);
  app.release("running");
  const answers = await Promise.all([running, ...queued].map((sent) => sent.answer));
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  assert.equal(app.tasks().filter((t) => t.event === "end").length, 4);
});
