import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { get, hash, startApp, until } from "./helpers.ts";

test("without POOL_SIZE the pool starts os.availableParallelism() workers, once, at start-up", async () => {
  const app = await startApp();
  assert.equal((await get(`${app.url}/health`)).status, 200);
  await until(app, "the workers to be created", () => app.threadsCreated() >= os.availableParallelism());
  assert.equal(app.threadsCreated(), os.availableParallelism(), `this machine has ${os.availableParallelism()} cores`);
});

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
  await until(app, "the two workers", () => app.threadsCreated() >= 2);
  for (let i = 0; i < 5; i++) {
    const pair = await Promise.all([hash(app, `a${i}`).answer, hash(app, `b${i}`).answer]);
    for (const answer of pair) assert.equal(answer.status, 200, answer.body);
  }
  assert.equal(app.threadsCreated(), 2, "a pool of 2 creates 2 threads, whatever the number of requests");
  assert.equal(app.threadsExited(), 0, "no worker should have ended");
  const threads = new Set(app.tasks().map((t) => t.thread));
  assert.ok(threads.size <= 2 && !threads.has(0), `tasks ran on threads ${[...threads].join(", ")}`);
});
