import assert from "node:assert/strict";
import { test } from "node:test";
import { get, hash, isHashOf, settled, startApp, until } from "./helpers.ts";

test("a /health sent after the CPU requests have started is answered before any of them finishes", async () => {
  const app = await startApp({ POOL_SIZE: "2" });
  const order: string[] = [];
  const cpu = ["hold:a", "hold:b", "hold:c"].map((password, i) => {
    const sent = hash(app, password);
    return sent.answer.then((answer) => {
      order.push(`hash ${i}`);
      return answer;
    });
  });
  // At least one task is running (on the starter, that one task blocks the whole process).
  await until(app, "a hash task to start", () => app.tasks().some((t) => t.event === "start"));
  const health = get(`${app.url}/health`).then((answer) => {
    order.push("health");
    return answer;
  });
  // The held tasks go on when /health has answered. A task held on the main thread fails this at once; the
  // 10 s are only for a /health blocked some other way, which nothing but a deadline can tell.
  await settled(app, "/health to answer while the hashes are held", health, 10_000);
  app.release("all");
  const [answers, healthAnswer] = await Promise.all([Promise.all(cpu), health]);
  assert.equal(healthAnswer.status, 200);
  assert.equal(order[0], "health", `/health must come back first while the hashes run; the answers arrived in this order: ${order.join(", ")}`);
  answers.forEach((answer, i) => {
    assert.equal(answer.status, 200, `hash ${i}: ${answer.body}`);
    assert.ok(isHashOf(answer.body, ["hold:a", "hold:b", "hold:c"][i]!), `hash ${i} is not a PBKDF2 hash of its password: ${answer.body}`);
  });
});

test("every hash runs on a worker thread, none on the main thread", async () => {
  const app = await startApp({ POOL_SIZE: "2" });
  const answers = await Promise.all(["one", "two", "three", "four"].map((password) => hash(app, password).answer));
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  assert.ok(isHashOf(answers[2]!.body, "three"), `not a hash of "three": ${answers[2]!.body}`);
  const starts = app.tasks().filter((t) => t.event === "start");
  assert.equal(starts.length, 4, `4 requests, so 4 tasks; the app ran ${starts.length}`);
  assert.deepEqual(starts.filter((t) => t.thread === 0), [], "thread 0 is the main thread: the hashing must not run there");
});

test("each answer carries its own task's hash, whichever worker finishes first", async () => {
  const app = await startApp({ POOL_SIZE: "2" });
  const first = hash(app, "hold:first");
  const second = hash(app, "hold:second");
  await until(app, "both tasks to run", () => app.tasks().filter((t) => t.event === "start").length >= 2);
  // The task sent second finishes first: its reply must go to its own request, not to the oldest one waiting.
  app.release("second");
  const answered = await Promise.race([first.answer.then((a) => ({ who: "first", a })), second.answer.then((a) => ({ who: "second", a }))]);
  app.release("first");
  assert.equal(answered.who, "second", `only the second task had finished, yet the ${answered.who} request was answered first: ${answered.a.body}`);
  assert.ok(isHashOf(answered.a.body, "hold:second"), `the second request must get the hash of "hold:second": ${answered.a.body}`);
  const other = await first.answer;
  assert.equal(other.status, 200, other.body);
  assert.ok(isHashOf(other.body, "hold:first"), `the first request must get the hash of "hold:first": ${other.body}`);
});
