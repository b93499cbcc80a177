/**
 * Step 3: a worker process killed in the middle of a job. BullMQ puts the job back once its lock
 * expires and a stall check runs; both come from the worker's configuration, in milliseconds.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { labServices, type LabEnv } from "#kit/testing/index.ts";
import { enqueueWelcomeEmail } from "../src/welcome-jobs.ts";
import { describeAttempts, eventually, jobFor, newUser, openScene, pttl, queueKey, settledState, sleep } from "./helpers.ts";

const retry = { attempts: 3, backoffDelayMs: 200 };
/** How long a new worker gets to pick up a dead worker's job; with the tests' settings it takes about 3 s. */
const recoveryTimeoutMs = 10_000;
const recoveryHint =
  "BullMQ hands a dead worker's job to another worker only after the job's lock expires (lockDuration) and a stall check runs (stalledInterval); " +
  "pass config.worker.lockDurationMs and config.worker.stalledIntervalMs to the Worker (the tests set them to 2 s and 1 s)";

// The tests use separate queues and providers, so they run side by side to save time.
describe("step 3: a worker that dies mid-job loses nothing", { concurrency: true }, () => {
  let services: LabEnv;
  before(async () => {
    services = await labServices(["redis"]);
  });

  test("a worker killed while sending: a new worker sends the email once and completes the job", async (t) => {
    const scene = await openScene(services, "killsend");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const user = newUser("killsend");
    provider.configure({ hold: "before-delivery" });
    const doomed = await scene.startWorker();

    await enqueueWelcomeEmail(queue, user, retry);
    await provider.waitUntil(() => provider.heldCount() === 1, "the first worker is sending the email (the provider holds it, unsent)");
    await doomed.kill();
    // The provider drops a request whose client has gone: nothing was sent.
    await provider.waitUntil(() => provider.attemptsTo(user.email)[0]?.outcome === "aborted", "the provider saw the killed worker's request end");
    provider.configure({ hold: "off" });
    provider.release();

    await scene.startWorker();
    const state = await eventually(
      async () => {
        const current = await settledState(queue, provider, user.email);
        return current === "completed" || current === "failed" ? current : undefined;
      },
      "the job was finished by the second worker",
      recoveryTimeoutMs,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: the job is "${await settledState(queue, provider, user.email)}" and ${describeAttempts(provider, user.email)}. ${recoveryHint}`);
    });
    assert.equal(state, "completed", `expected the second worker to complete the job; it is "${state}" (${describeAttempts(provider, user.email)})`);
    const deliveries = provider.deliveriesTo(user.email).length;
    assert.equal(
      deliveries,
      1,
      `expected the welcome email to be sent exactly once; the provider delivered ${deliveries} (${describeAttempts(provider, user.email)}). ` +
        "A job must only complete once its email has really been sent: await the send in the processor.",
    );
  });


  test("the job lock and the stall check use the configured durations, in milliseconds", async (t) => {
    const scene = await openScene(services, "lockttl");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    // Unusual values, far apart, so neither the defaults, the values of the other tests, nor the
    // two swapped can pass for them.
    const lockMs = 12_000;
    const stallMs = 6000;
    const user = newUser("lockttl");
    provider.configure({ hold: "before-delivery" });
    await scene.startWorker({ WORKER_LOCK_DURATION_MS: String(lockMs), WORKER_STALLED_INTERVAL_MS: String(stallMs) });

    // The stall check marks its run with a key that lives for the stall interval.
    const stallKey = queueKey(scene, "stalled-check");
    const stallTtl = await eventually(async () => {
      const ttl = await pttl(scene, stallKey);
      return ttl > 0 ? ttl : undefined;
    }, "the worker ran its first stall check", 10_000);
    assert.ok(
      stallTtl > stallMs - 4000 && stallTtl <= stallMs,
      `expected the stall check to run every WORKER_STALLED_INTERVAL_MS = ${stallMs} ms (its marker key had ${stallTtl} ms left; expected between ${stallMs - 4000} and ${stallMs}). ` +
        "Use config.worker.stalledIntervalMs, which is already in milliseconds.",
    );

    await enqueueWelcomeEmail(queue, user, { attempts: 3, backoffDelayMs: 200 });
    await provider.waitUntil(() => provider.heldCount() === 1, "the worker is sending the email (the provider holds it)");
    const job = await jobFor(queue, user.email);
    assert.ok(job?.id, "expected the running job to be in the queue");
    const lockKey = queueKey(scene, job.id, "lock");
    // A live worker renews its lock every lockDuration / 2, so the lock always has between half
    // and all of lockDuration left. Read it now and again after a renewal.
    for (const when of ["while the job runs", `again ${lockMs * 0.6} ms later, after a renewal`]) {
      const ttl = await pttl(scene, lockKey);
      assert.ok(
        ttl > lockMs / 2 - 2500 && ttl <= lockMs,
        `expected the job's lock ${when} to expire within WORKER_LOCK_DURATION_MS = ${lockMs} ms (between ${lockMs / 2 - 2500} and ${lockMs} ms left); its PTTL is ${ttl} ms ` +
          `(${ttl === -2 ? "no lock" : ttl > lockMs ? "longer than configured" : "shorter than configured"}). Use config.worker.lockDurationMs, which is already in milliseconds.`,
      );
      if (when === "while the job runs") await sleep(lockMs * 0.6);
    }
    provider.configure({ hold: "off" });
    provider.release();
    await eventually(async () => ((await settledState(queue, provider, user.email)) === "completed" ? true : undefined), "the held job completed");
    assert.equal(provider.deliveriesTo(user.email).length, 1, `expected one email (${describeAttempts(provider, user.email)})`);
  });
});
