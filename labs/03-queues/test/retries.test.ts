/**
 * Step 2: the options a welcome-email job is added with — retries with exponential backoff, an id
 * per user, and what is kept once the job is finished.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { labServices, type LabEnv } from "#kit/testing/index.ts";
import { enqueueWelcomeEmail } from "../src/welcome-jobs.ts";
import { describeAttempts, eventually, jobCount, jobFor, newUser, openScene, pendingCount, settledState, sleep } from "./helpers.ts";

describe("welcome-email jobs are retried, deduplicated and kept for inspection", () => {
  let services: LabEnv;
  before(async () => {
    services = await labServices(["redis"]);
  });

  test("a provider that fails twice then succeeds: one email after 3 attempts, each wait longer than the last", async (t) => {
    const scene = await openScene(services, "retry");
    t.after(() => scene.close());
    const retry = { attempts: 3, backoffDelayMs: 1000 };
    const user = newUser("retry");
    scene.provider.configure({ failNext: 2 });
    await scene.startWorker();

    await enqueueWelcomeEmail(scene.queue, user, retry);
    // Read the job's options now: a solution may remove completed jobs at once.
    const job = await jobFor(scene.queue, user.email);
    const outcome = await eventually(
      async () => {
        const state = await settledState(scene.queue, scene.provider, user.email);
        return state === "completed" || state === "failed" || state === "missing" ? state : undefined;
      },
      "the welcome job completed or failed",
      15_000,
    );
    const attempts = scene.provider.attemptsTo(user.email);
    assert.equal(
      outcome,
      "completed",
      `expected the job to be retried until the provider recovered (retry = ${JSON.stringify(retry)}); it ended "${outcome}" after: ${describeAttempts(scene.provider, user.email)}`,
    );
    assert.equal(attempts.length, 3, `expected exactly 3 requests (2 failures, then success); the provider saw: ${describeAttempts(scene.provider, user.email)}`);
    assert.equal(scene.provider.deliveriesTo(user.email).length, 1, "expected exactly one email delivered");

    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    const firstWait = second - first;
    const secondWait = third - second;
    t.diagnostic(`waits between attempts: ${firstWait} ms, then ${secondWait} ms`);
    const backoff = job?.opts.backoff;
    assert.ok(
      typeof backoff === "object" && backoff.type === "exponential" && (backoff.delay ?? 0) > 0,
      `expected the job to be added with an exponential backoff ({ type: "exponential", delay: retry.backoffDelayMs }); its options say ${JSON.stringify(backoff)}`,
    );
    // Timing, with generous margins for a busy machine: the first retry waits about
    // backoffDelayMs, and (without jitter) the second about twice as long.
    assert.ok(
      firstWait >= retry.backoffDelayMs / 4,
      `expected the first retry to wait about retry.backoffDelayMs (${retry.backoffDelayMs} ms); it came after ${firstWait} ms`,
    );
    if (!backoff.jitter) {
      assert.ok(
        secondWait >= firstWait * 1.3,
        `expected each retry to wait longer than the one before (exponential backoff); the waits were ${firstWait} ms then ${secondWait} ms`,
      );
    }
  });

  test("a job that fails on every attempt is kept in the failed set, and completed jobs are bounded", async (t) => {
    const scene = await openScene(services, "fail");
    t.after(() => scene.close());
    const retry = { attempts: 2, backoffDelayMs: 100 };
    const user = newUser("fail");
    scene.provider.configure({ failNext: Number.MAX_SAFE_INTEGER });
    await scene.startWorker();

    await enqueueWelcomeEmail(scene.queue, user, retry);
    // Done when nothing is left to run: the job is either in the failed set or gone.
    await eventually(async () => ((await pendingCount(scene.queue)) === 0 && scene.provider.attemptsTo(user.email).length > 0 ? true : undefined), "the job stopped being retried", 15_000);
    await sleep(200);

    const failed = await scene.queue.getFailed();
    const job = failed.find((j) => j.data.email === user.email);
    assert.ok(job, `expected the job that failed for good to stay in the failed set for inspection; found ${failed.length} failed jobs (removeOnFail must not remove it)`);
    assert.equal(
      scene.provider.attemptsTo(user.email).length,
      retry.attempts,
      `expected ${retry.attempts} attempts as retry.attempts says before giving up; the provider saw: ${describeAttempts(scene.provider, user.email)}`,
    );
    assert.ok(job.failedReason, "expected the failed job to record why it failed");
    const keepCompleted = job.opts.removeOnComplete;
    assert.ok(
      keepCompleted !== undefined && keepCompleted !== false,
      `expected the job options to bound how many completed jobs Redis keeps (removeOnComplete); got ${JSON.stringify(keepCompleted)}`,
    );
  });

  test("the same user enqueued twice sends one email", async (t) => {
    const scene = await openScene(services, "dedupe");
    t.after(() => scene.close());
    const retry = { attempts: 3, backoffDelayMs: 200 };
    const user = newUser("dedupe");

    // No worker yet: both adds land while the first job is still waiting.
    await enqueueWelcomeEmail(scene.queue, user, retry);
    await enqueueWelcomeEmail(scene.queue, user, retry);
    const stored = await jobCount(scene.queue);
    assert.equal(stored, 1, `expected adding the same user twice to store one job (a jobId derived from the user); the queue holds ${stored}`);

    await scene.startWorker();
    await eventually(async () => ((await settledState(scene.queue, scene.provider, user.email)) === "completed" ? true : undefined), "the welcome job completed");

    // The sign-up is retried after the email went out: still one email.
    await enqueueWelcomeEmail(scene.queue, user, retry);
    await eventually(async () => ((await pendingCount(scene.queue)) === 0 ? true : undefined), "the queue is idle again");
    await scene.provider.waitUntil(() => scene.provider.attemptsTo(user.email).every((a) => a.outcome !== "pending"), "the provider answered every request");
    const deliveries = scene.provider.deliveriesTo(user.email).length;
    assert.equal(deliveries, 1, `expected one welcome email for one user; the provider delivered ${deliveries} (${describeAttempts(scene.provider, user.email)})`);
  });
});
