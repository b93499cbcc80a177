import assert from "node:assert/strict";
import { test } from "node:test";
import { answeredSoon, get, hash, isHashOf, startApp, until } from "./helpers.ts";

test("a queued task whose client went away never runs, and frees its place in the queue; the others run", async () => {
  const app = await startApp({ POOL_SIZE: "1", QUEUE_MAX: "2" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const leaving = [hash(app, "leaver-1"), hash(app, "leaver-2")];
  const failed = leaving.map((sent) => sent.answer.then(() => "answered", () => "connection closed"));
  await until(app, "both requests to reach the handler (queued)", () => app.received() >= 3);
  for (const sent of leaving) sent.abort();
  assert.deepEqual(await Promise.all(failed), ["connection closed", "connection closed"]);
  // The server has seen both connections close by the time it answers a later request.
  assert.equal((await get(`${app.url}/health`)).status, 200);
  // The queue holds 2: the two that left must have freed both places.
  const staying = [hash(app, "stayer-1"), hash(app, "stayer-2")];
  await until(app, "the last requests to reach the handler", () => app.received() >= 5);
  app.release("running");
  const first = await running.answer;
  assert.equal(first.status, 200, first.body);
  // Once the worker is free the stayers run one after the other at once: a few seconds cover a busy machine.
  await until(app, "the two stayers' tasks to start after the running one", () => app.tasks().filter((t) => t.event === "start").length >= 3, 5_000).catch((error: Error) =>
    assert.fail(`a queued request whose client is still connected never ran once the worker was free: was it cancelled? (${error.message.split("\n")[0]})`),
  );
  const last = await Promise.all(staying.map((s, i) => answeredSoon(app, s.answer, `stayer-${i + 1}`)));
  last.forEach((answer, i) => {
    assert.equal(answer.status, 200, `stayer-${i + 1} (queued after the two that left, QUEUE_MAX=2): ${answer.status} ${answer.body}`);
    assert.ok(isHashOf(answer.body, `stayer-${i + 1}`), `a request queued after the cancelled ones gets its own hash: ${answer.body}`);
  });
  const starts = app.tasks().filter((t) => t.event === "start").length;
  assert.equal(starts, 3, `3 clients stayed, so 3 tasks should run; ${starts} ran (a cancelled task still burned CPU)`);
});

test("a client that leaves while its task runs: that task finishes, and no other task is dropped", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const queued = [hash(app, "behind-1"), hash(app, "behind-2")];
  await until(app, "the queued requests to reach the handler", () => app.received() >= 3);
  const gone = running.answer.then(() => "answered", () => "connection closed");
  running.abort();
  assert.equal(await gone, "connection closed");
  assert.equal((await get(`${app.url}/health`)).status, 200);
  app.release("running");
  // From here every task is decided: the worker is free and runs them one after the other, in a few milliseconds each.
  const firstBehind = await answeredSoon(app, queued[0]!.answer, "behind-1, queued behind the task whose client left");
  assert.equal(firstBehind.status, 200, firstBehind.body);
  // Queued tasks start in arrival order on the one worker: once a later request is answered, behind-2 has run.
  const later = await answeredSoon(app, hash(app, "later").answer, "a request sent after the others were answered");
  assert.equal(later.status, 200, later.body);
  const starts = app.tasks().filter((t) => t.event === "start").length;
  assert.equal(starts, 4, `running, behind-1, behind-2 and later should each have run once; ${starts} tasks started (was a queued task dropped?)`);
  const secondBehind = await answeredSoon(app, queued[1]!.answer, "behind-2");
  assert.ok(isHashOf(secondBehind.body, "behind-2"), `behind-2 gets its own hash: ${secondBehind.body}`);
  assert.equal(app.tasks().filter((t) => t.event === "end").length, 4, "the task whose client left still ran to its end");
  assert.equal(app.threadsCreated(), 1, "a running task is not interrupted: its worker is neither terminated nor replaced");
});

test("a client that stays connected is never cancelled", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const running = hash(app, "hold:running");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const queued = ["w1", "w2", "w3"].map((password) => hash(app, password));
  await until(app, "the queued requests to reach the handler", () => app.received() >= 4);
  app.release("running");
  const answers = await Promise.all([running, ...queued].map((sent, i) => answeredSoon(app, sent.answer, i === 0 ? "the released task" : `queued request w${i}, whose client stayed`)));
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  assert.equal(app.tasks().filter((t) => t.event === "end").length, 4);
});
