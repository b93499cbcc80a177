import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { get, hash, startApp, until } from "./helpers.ts";

// startApp() returns once server.ts has printed its "listening" line, after createPool() returned: a pool that
// starts its workers up front has created every one of them by then, so the counts below need no waiting.

test("without POOL_SIZE the pool starts os.availableParallelism() workers, once, at start-up", async () => {
  const app = await startApp();
  assert.equal((await get(`${app.url}/health`)).status, 200);
  assert.equal(app.threadsCreated(), os.availableParallelism(), `this machine has ${os.availableParallelism()} cores; workers created at start-up`);
});

test("the default size is the CPUs the process may use (availableParallelism), not every CPU of the host (os.cpus())", async () => {
  // The instrumented server shows the app a machine of 6 CPUs of which this process may use 3 (an affinity mask or a quota).
  const app = await startApp({ CPU_LAB_CORES: "3/6" });
  assert.equal(app.threadsCreated(), 3, "with 3 of 6 CPUs usable, the pool must start 3 workers");
});

for (const bad of ["0", "-1", "two"]) {
  test(`POOL_SIZE=${bad} stops the server at start-up with an error naming POOL_SIZE`, async () => {
    const started = await startApp({ POOL_SIZE: bad }).then(
      (app) => `it started, with ${app.threadsCreated()} worker(s)`,
      (error: Error) => error.message,
    );
    assert.match(started, /exited .*before listening/s, `POOL_SIZE=${bad} is not a whole number from 1, so the server must refuse to start; ${started.split("\n")[0]}`);
    assert.match(started, /POOL_SIZE/, `the error must name POOL_SIZE: ${started}`);
  });
}

test("POOL_SIZE=3 runs three hashes at once, on three threads", async () => {
  const app = await startApp({ POOL_SIZE: "3" });
  const sent = ["hold:x", "hold:y", "hold:z"].map((password) => hash(app, password));
  await until(app, "three tasks running at the same time", () => app.tasks().filter((t) => t.event === "start").length >= 3);
  app.release("all");
  for (const { answer } of sent) assert.equal((await answer).status, 200);
  const threads = new Set(app.tasks().filter((t) => t.event === "start").map((t) => t.thread));
  assert.equal(threads.size, 3, "three tasks at once need three threads");
  assert.equal(app.threadsCreated(), 3, "POOL_SIZE=3 means three workers");
});

test("POOL_SIZE=1 runs one hash at a time", async () => {
  const app = await startApp({ POOL_SIZE: "1" });
  const first = hash(app, "hold:first");
  await until(app, "the first task to start", () => app.tasks().length >= 1);
  const second = hash(app, "second");
  await until(app, "the second request to reach the handler", () => app.received() >= 2);
  const before = app.tasks().filter((t) => t.event === "start").length;
  app.release("first");
  assert.equal((await first.answer).status, 200);
  assert.equal((await second.answer).status, 200);
  assert.equal(before, 1, "with POOL_SIZE=1 the second task must wait for the first");
  assert.deepEqual(app.tasks().map((t) => t.event), ["start", "end", "start", "end"]);
  assert.equal(app.threadsCreated(), 1, "POOL_SIZE=1 means one worker");
});

test("the workers are reused: ten requests, no new thread", async () => {
  const app = await startApp({ POOL_SIZE: "2" });
  assert.equal(app.threadsCreated(), 2, "a pool of 2 starts its 2 workers up front");
  for (let i = 0; i < 5; i++) {
    const pair = await Promise.all([hash(app, `a${i}`).answer, hash(app, `b${i}`).answer]);
    for (const answer of pair) assert.equal(answer.status, 200, answer.body);
  }
  assert.equal(app.threadsCreated(), 2, "a pool of 2 creates 2 threads, whatever the number of requests");
  assert.equal(app.threadsExited(), 0, "no worker should have ended");
  const threads = new Set(app.tasks().map((t) => t.thread));
  assert.ok(threads.size <= 2 && !threads.has(0), `tasks ran on threads ${[...threads].join(", ")}`);
});

test("SIGINT (Ctrl-C) closes the pool: every worker is terminated, then the process exits with code 0", async () => {
  const app = await startApp({ POOL_SIZE: "2" });
  app.signal("SIGINT");
  // Exiting is the outcome itself, so only a deadline can say it never came.
  const exit = await Promise.race([app.exited(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000))]);
  assert.ok(exit, `the app did not exit within 15 s of SIGINT (does close() resolve?). Its output:\n${app.output()}`);
  assert.equal(exit.code, 0, `exit code after SIGINT. Output:\n${app.output()}`);
  assert.equal(app.threadsExited(), 2, "close() must terminate both workers before the process exits");
});

test("two pools in one process share nothing: each has its own workers, queue and closing", async (t) => {
  const { createPool, QueueFullError, release, stateOf, threadsOf } = await import("./support/in-process.ts");
  const a = threadsOf(() => createPool({ POOL_SIZE: "1", QUEUE_MAX: "1" }));
  const b = threadsOf(() => createPool({ POOL_SIZE: "2", QUEUE_MAX: "2" }));
  t.after(async () => {
    for (const name of ["a1", "a2", "b1", "b2", "b3", "b4"]) release(name);
    await Promise.allSettled([a.value.close(), b.value.close()]);
  });
  assert.equal(a.threads.length, 1, "createPool({ POOL_SIZE: \"1\" }) starts 1 worker (the env it is given, not process.env)");
  assert.equal(b.threads.length, 2, "createPool({ POOL_SIZE: \"2\" }) starts 2 workers");
  const onA = [a.value.run({ password: "hold:a1", iterations: 1000 }), a.value.run({ password: "hold:a2", iterations: 1000 })];
  onA.forEach((p) => p.catch(() => {}));
  await assert.rejects(a.value.run({ password: "a3", iterations: 1000 }), QueueFullError, "pool A (1 worker, QUEUE_MAX=1) is full");
  // Pool B is idle: its two workers take two tasks, and its own queue has room for a third.
  const onB = ["hold:b1", "hold:b2", "hold:b3"].map((password) => b.value.run({ password, iterations: 1000 }));
  assert.equal(await stateOf(onB[2]!), "pending", "pool B's queue is empty, whatever pool A's holds: its third task must wait, not be refused");
  await a.value.close();
  assert.deepEqual(a.threads.map((x) => x.exited), [true], "closing pool A terminates its worker");
  assert.deepEqual(b.threads.map((x) => x.exited), [false, false], "closing pool A must leave pool B's workers alone");
  assert.deepEqual(await Promise.all(onB.map(stateOf)), ["pending", "pending", "pending"], "closing pool A must not touch pool B's tasks");
  // Pool B is still open: it takes a new task into its queue instead of refusing it as closed.
  onB.push(b.value.run({ password: "hold:b4", iterations: 1000 }));
  assert.equal(await stateOf(onB[3]!), "pending", "closing pool A must leave pool B open to new tasks");
  for (const name of ["b1", "b2", "b3", "b4"]) release(name);
  await Promise.all(onB);
  assert.match(await b.value.run({ password: "after", iterations: 1000 }), /^pbkdf2-sha256\$/, "pool B still serves after pool A closed");
  await b.value.close();
  assert.deepEqual(b.threads.map((x) => x.exited), [true, true]);
});

test("close() terminates every worker and rejects the running and the queued tasks", async (t) => {
  const { createPool, release, stateOf, threadsOf } = await import("./support/in-process.ts");
  const pool = threadsOf(() => createPool({ POOL_SIZE: "1" }));
  t.after(async () => {
    release("closing-1");
    release("closing-2");
    await pool.value.close().catch(() => {});
  });
  const running = pool.value.run({ password: "hold:closing-1", iterations: 1000 });
  const queued = pool.value.run({ password: "hold:closing-2", iterations: 1000 });
  running.catch(() => {});
  queued.catch(() => {});
  await pool.value.close();
  assert.deepEqual(pool.threads.map((x) => x.exited), [true], "after close() resolves, no worker of the pool is left running");
  assert.equal(await stateOf(queued), "rejected", "a task still queued when the pool closes is rejected, not left waiting forever");
  assert.equal(await stateOf(running), "rejected", "the task whose worker was terminated is rejected");
  await assert.rejects(pool.value.run({ password: "late", iterations: 1000 }), "a closed pool takes no more tasks");
});
