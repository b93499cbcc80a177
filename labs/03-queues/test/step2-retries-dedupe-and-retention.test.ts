/**
 * Step 2: what a welcome-email job is added with, seen from Redis and from the provider: retries
 * with exponential waits in milliseconds, one job per user, jobs that failed for good kept for
 * inspection, completed jobs bounded.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { Job } from "bullmq";
import { labServices, type LabEnv } from "#kit/testing/index.ts";
import { enqueueWelcomeEmail } from "../src/welcome-jobs.ts";
import type { WelcomeEmailJob } from "../src/queue.ts";
import { describeAttempts, eventually, jobCount, jobFor, newUser, openScene, pendingCount, queueKey, settledState, sleep } from "./helpers.ts";

/** Failed jobs must be kept at least this long (in seconds) when an age limit is set at all. */
const weekSeconds = 7 * 24 * 60 * 60;

/** A field of BullMQ's KeepJobs union ({ count }, { age } or both), whichever the options have. */
// The README's bound on completed jobs: at most this many kept, or none older than 7 days.
const maxKeptCompleted = 10_000;
const maxKeptCompletedAgeSeconds = 7 * 24 * 60 * 60;

function keepField(keep: object, name: "count" | "age"): number | undefined {
  const value = (keep as Record<string, unknown>)[name];
  return typeof value === "number" ? value : undefined;
}

// Each test has its own queue, provider and worker, so they run side by side to save time.
describe("step 2: welcome-email jobs are retried, deduplicated and kept for inspection", { concurrency: true }, () => {
  let services: LabEnv;
  before(async () => {
    services = await labServices(["redis"]);
  });

  test("a provider that fails twice: retried after exactly backoffDelayMs, then twice that, then one email", async (t) => {
    const scene = await openScene(services, "retry");
    t.after(() => scene.close());
    const retry = { attempts: 3, backoffDelayMs: 1600 };
    const user = newUser("retry");
    scene.provider.configure({ failNext: 2 });
    await scene.startWorker();

    await enqueueWelcomeEmail(scene.queue, user, retry);
    const job = await jobFor(scene.queue, user.email);
    assert.ok(job?.id, "expected the job to be in the queue after enqueueWelcomeEmail resolved");
    // The delay BullMQ stores on the job each time it schedules a retry: the value actually used.
    // It is read in one transaction with the job's place in the delayed set, because BullMQ resets
    // it to 0 when the retry becomes due.
    const failures = () => scene.provider.attemptsTo(user.email).filter((a) => a.outcome === "failed").length;
    const storedDelayAfter = async (count: number): Promise<number | string> =>
      eventually(
        async () => {
          const before = failures();
          const result = await scene.redis.multi().zscore(queueKey(scene, "delayed"), job.id!).hget(queueKey(scene, job.id!), "delay").exec();
          const [inDelayed, delay] = (result ?? []).map(([, value]) => value);
          if (before === count && failures() === count && inDelayed !== null && inDelayed !== undefined) return Number(delay);
          const state = await scene.queue.getJobState(job.id!);
          if (state === "failed" || state === "completed" || state === "unknown") return `the job went to "${state}" instead of waiting for retry number ${count}`;
          return undefined;
        },
        `the job to wait for retry number ${count}`,
        15_000,
      ).catch((error: Error) => `${error.message} (${describeAttempts(scene.provider, user.email)})`);
    const firstDelay = await storedDelayAfter(1);
    assert.equal(
      firstDelay,
      retry.backoffDelayMs,
      `expected the first retry to be scheduled retry.backoffDelayMs = ${retry.backoffDelayMs} ms after the failure; BullMQ stored a delay of ${firstDelay}`,
    );
    const secondDelay = await storedDelayAfter(2);
    assert.equal(
      secondDelay,
      retry.backoffDelayMs * 2,
      `expected the second retry to wait twice as long (${retry.backoffDelayMs * 2} ms, exponential backoff); BullMQ stored a delay of ${secondDelay}`,
    );
    const outcome = await eventually(
      async () => {
        const state = await settledState(scene.queue, scene.provider, user.email);
        return state === "completed" || state === "failed" || state === "missing" ? state : undefined;
      },
      "the welcome job completed or failed",
      15_000,
    );
    assert.equal(outcome, "completed", `expected the job to complete on its third try; it ended "${outcome}" after: ${describeAttempts(scene.provider, user.email)}`);
    const attempts = scene.provider.attemptsTo(user.email);
    assert.equal(attempts.length, 3, `expected exactly 3 requests (2 failures, then success); the provider saw: ${describeAttempts(scene.provider, user.email)}`);
    assert.equal(scene.provider.deliveriesTo(user.email).length, 1, "expected exactly one email delivered");
    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    t.diagnostic(`waits between attempts: ${second - first} ms, then ${third - second} ms`);
    // Lower bounds only: a busy machine makes waits longer, never shorter.
    assert.ok(second - first >= retry.backoffDelayMs * 0.9, `expected the first retry to come at least ${retry.backoffDelayMs} ms after the failure; it came after ${second - first} ms`);
    assert.ok(third - second >= retry.backoffDelayMs * 1.8, `expected the second retry to come at least ${retry.backoffDelayMs * 2} ms after the second failure; it came after ${third - second} ms`);
  });

  test("a job that fails on every attempt is tried exactly retry.attempts times and stays in the failed set", async (t) => {
    const scene = await openScene(services, "fail");
    t.after(() => scene.close());
    const retry = { attempts: 2, backoffDelayMs: 100 };
    const users = [newUser("fail-a"), newUser("fail-b"), newUser("fail-c")];
    scene.provider.configure({ failNext: Number.MAX_SAFE_INTEGER });
    await scene.startWorker();

    const failedFor = async (user: WelcomeEmailJob): Promise<Job<WelcomeEmailJob> | undefined> =>
      (await scene.queue.getFailed(0, -1)).find((j) => j.data.email === user.email);
    const untilGivenUp = (user: WelcomeEmailJob) =>
      eventually(async () => ((await pendingCount(scene.queue)) === 0 && scene.provider.attemptsTo(user.email).length > 0 ? true : undefined), `the job for ${user.email} stopped being retried`, 15_000);

    await enqueueWelcomeEmail(scene.queue, users[0]!, retry);
    await untilGivenUp(users[0]!);
    const job = await failedFor(users[0]!);
    assert.ok(job, `expected the job that failed for good to be in the failed set for inspection; found ${(await scene.queue.getFailed()).length} failed jobs`);
    assert.equal(
      scene.provider.attemptsTo(users[0]!.email).length,
      retry.attempts,
      `expected exactly retry.attempts = ${retry.attempts} tries before giving up; the provider saw: ${describeAttempts(scene.provider, users[0]!.email)}`,
    );
    assert.ok(job.failedReason, "expected the failed job to record why it failed");

    const keep = job.opts.removeOnFail;
    const keptLongEnough =
      keep === undefined ||
      keep === false ||
      (typeof keep === "number" && keep >= 1000) ||
      (typeof keep === "object" && (keepField(keep, "count") ?? Infinity) >= 1000 && (keepField(keep, "age") ?? Infinity) >= weekSeconds);
    assert.ok(
      keptLongEnough,
      `expected failed jobs to be kept for inspection: never removed, or at least the last 1,000 and for at least a week (an age is in seconds, ${weekSeconds}); the job was added with removeOnFail ${JSON.stringify(keep)}`,
    );

    // BullMQ removes old finished jobs when later ones finish. Let time pass, fail two more, and
    // read the first one again: it must still be there.
    await sleep(2500);
    for (const user of users.slice(1)) {
      await enqueueWelcomeEmail(scene.queue, user, retry);
      await untilGivenUp(user);
    }
    const again = await failedFor(users[0]!);
    assert.ok(again, "expected the first failed job to still be in Redis after more jobs failed and time passed; it was removed");
    assert.equal(again.failedReason, job.failedReason, "expected the kept job to still say why it failed");
  });

  test("completed jobs are not kept forever: the job is added with a bound on completed jobs", async (t) => {
    const scene = await openScene(services, "done");
    t.after(() => scene.close());
    const user = newUser("done");
    await enqueueWelcomeEmail(scene.queue, user, { attempts: 3, backoffDelayMs: 200 });
    const job = await jobFor(scene.queue, user.email);
    assert.ok(job, "expected the job to be in the queue");
    const bound = job.opts.removeOnComplete;
    // A bound is only a bound if it is small enough to keep memory flat: BullMQ reads a number or
    // `count` as jobs and `age` as SECONDS, so an age meant as "a day" in milliseconds keeps a
    // thousand days of jobs.
    const count = typeof bound === "number" ? bound : typeof bound === "object" && bound !== null ? keepField(bound, "count") : undefined;
    const age = typeof bound === "object" && bound !== null ? keepField(bound, "age") : undefined;
    const countOk = count !== undefined && count >= 0 && count <= maxKeptCompleted;
    const ageOk = age !== undefined && age > 0 && age <= maxKeptCompletedAgeSeconds;
    assert.ok(
      bound === true || countOk || ageOk,
      `expected the job to be added with a bound on completed jobs of at most ${maxKeptCompleted.toLocaleString("en")} jobs or at most 7 days (${maxKeptCompletedAgeSeconds.toLocaleString("en")} s; BullMQ reads that option in seconds); removeOnComplete is ${JSON.stringify(bound)}`,
    );
  });

  test("the same user enqueued twice, or five times at once, is stored as one job and gets one email", async (t) => {
    const scene = await openScene(services, "dedupe");
    t.after(() => scene.close());
    const retry = { attempts: 3, backoffDelayMs: 200 };
    const user = newUser("dedupe");
    const other = newUser("dedupe-other");

    // No worker yet: every add lands while the first job is still waiting.
    await enqueueWelcomeEmail(scene.queue, user, retry);
    await enqueueWelcomeEmail(scene.queue, user, retry);
    await Promise.all(Array.from({ length: 5 }, () => enqueueWelcomeEmail(scene.queue, other, retry)));
    const stored = await jobCount(scene.queue);
    assert.equal(stored, 2, `expected adding the same user several times to store one job per user (2 users); the queue holds ${stored}`);

    await scene.startWorker();
    await eventually(async () => ((await settledState(scene.queue, scene.provider, user.email)) === "completed" ? true : undefined), "the welcome job completed");

    // The sign-up is retried after the email went out: still one email.
    await enqueueWelcomeEmail(scene.queue, user, retry);
    await eventually(async () => ((await pendingCount(scene.queue)) === 0 ? true : undefined), "the queue is idle again");
    await scene.provider.waitUntil(() => scene.provider.attempts.every((a) => a.outcome !== "pending"), "the provider answered every request");
    for (const u of [user, other]) {
      const deliveries = scene.provider.deliveriesTo(u.email).length;
      assert.equal(deliveries, 1, `expected one welcome email for ${u.email}; the provider delivered ${deliveries} (${describeAttempts(scene.provider, u.email)})`);
    }
  });
});
