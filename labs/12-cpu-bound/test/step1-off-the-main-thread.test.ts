import assert from "node:assert/strict";
import { test } from "node:test";
import { get, hash, isHashOf, startApp, until } from "./helpers.ts";

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
  // The held tasks go on when /health has answered; if it never does, after 10 s (the failure case).
  await Promise.race([health, new Promise((resolve) => setTimeout(resolve, 10_000))]);
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
