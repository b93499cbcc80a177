import assert from "node:assert/strict";
import { test } from "node:test";
import { answeredSoon, get, hash, isHashOf, startApp, until, type App } from "./helpers.ts";

/** After a crash the pool is whole again: two held tasks run at the same time on two live threads. */
async function assertPoolOfTwo(app: App): Promise<void> {
  const before = app.tasks().filter((t) => t.event === "start").length;
  const sent = [hash(app, "hold:after-1"), hash(app, "hold:after-2")];
  await until(app, "two tasks to run at once after the crash", () => app.tasks().filter((t) => t.event === "start").length >= before + 2);
  app.release("after-1");
  app.release("after-2");
  const answers = await Promise.all(sent.map((s) => s.answer));
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  assert.ok(isHashOf(answers[0]!.body, "hold:after-1"));
}

for (const crash of ["crash:exit", "crash:oom"] as const) {
  test(`a worker that dies (${crash}) costs its request a 500, not the server; the pool replaces it`, async () => {
    const app = await startApp({ POOL_SIZE: "2" });
    assert.equal(app.threadsCreated(), 2, "a pool of 2 starts its 2 workers up front");
    // The other worker is busy with a task that must come through the crash unharmed.
    // Reaching a heap limit can take a busy machine a while, and the bystander waits through it.
    const bystander = hash(app, "hold:bystander", 90_000);
    await until(app, "the bystander task to start", () => app.tasks().length >= 1);
    const crashing = hash(app, crash).answer;
    let answered = false;
    crashing.then(() => (answered = true), () => (answered = true));
    // How long a worker takes to reach its heap limit depends on the machine: the exit gets a generous wait.
    // An answer first (a worker with no heap limit survives) ends the wait too, and the checks below say why.
    await until(app, `the worker running ${crash} to exit, or its request to be answered`, () => answered || app.threadsExited() >= 1, 60_000);
    const crashed = await answeredSoon(app, crashing, `the request whose worker died (${crash})`);
    assert.equal(crashed.status, 500, `the crashed task's request: ${crashed.body}`);
    assert.equal((await get(`${app.url}/health`)).status, 200, "the server is still up");
    // A replacement is made when the pool hears of the exit, not later: a few seconds cover a busy machine.
    await until(app, "a replacement worker", () => app.threadsCreated() >= 3, 5_000);
    app.release("bystander");
    assert.equal((await bystander.answer).status, 200, "a task on another worker is not affected");
    await assertPoolOfTwo(app);
    assert.equal(app.threadsCreated(), 3, "one worker died, so exactly one new one");
    assert.equal(app.threadsExited(), 1);
    assert.ok(!app.output().includes("survived 160 MB"), "a worker must not be able to grow past 128 MB of heap (it survived 160 MB): set resourceLimits, in megabytes");
  });
}

test("a task that throws costs its request a 500; the pool keeps serving at full size", async () => {
  const app = await startApp({ POOL_SIZE: "2" });
  assert.equal(app.threadsCreated(), 2, "a pool of 2 starts its 2 workers up front");
  const failed = await hash(app, "crash:throw").answer;
  assert.equal(failed.status, 500, failed.body);
  assert.equal((await get(`${app.url}/health`)).status, 200, "the server is still up");
  await assertPoolOfTwo(app);
  assert.ok(app.threadsCreated() <= 3, `at most one replacement, ${app.threadsCreated() - 2} were made`);
});

test("a task queued behind a crash still gets its hash", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const first = hash(app, "hold:first");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const crash = hash(app, "crash:exit");
  const after = hash(app, "patient");
  await until(app, "both queued requests to reach the handler", () => app.received() >= 3);
  app.release("first");
  const a = await first.answer;
  assert.equal(a.status, 200, a.body);
  await until(app, "the crash:exit worker to exit", () => app.threadsExited() >= 1);
  const b = await answeredSoon(app, crash.answer, "the request whose worker died (crash:exit)");
  assert.equal(b.status, 500, b.body);
  await until(app, "a replacement worker", () => app.threadsCreated() >= 2, 5_000);
  // The queue outlives the worker: the replacement takes the next task as soon as it is ready.
  const startsBefore = app.tasks().filter((t) => t.event === "start").length;
  await until(app, "the task queued behind the crash to start on the replacement worker", () => app.tasks().filter((t) => t.event === "start").length > startsBefore, 5_000).catch((error: Error) =>
    assert.fail(`the task queued behind the crash never started on the new worker: is the queue handed to the replacement? (${error.message.split("\n")[0]})`),
  );
  const c = await answeredSoon(app, after.answer, "the task queued behind the crash");
  assert.equal(c.status, 200, c.body);
  assert.ok(isHashOf(c.body, "patient"));
});
